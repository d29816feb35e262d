// The registration form (工单登记): pre-filled from the call's draft (prefill.js), each field's confidence
// badge turning to "已修改" once the agent edits it, what the agent typed kept per call while another call
// is on screen, and 提交登记 (Ctrl+Enter) turning it into a ticket (POST /tickets, linked to the draft or
// the call). After that the form is locked and handling.js takes over.
"use strict";

const DraftForm = (() => {
  const { $ } = Desk;
  const { api } = Hotline;
  const { ASR, WITHDRAWN, errorText } = Words;

  const FIELDS = {
    category: "f-category", urgency: "f-urgency", title: "f-title", content: "f-content", location: "f-location",
    callerName: "f-caller-name", phone: "f-phone", emergency: "f-emergency",
  };
  const CONF_OF = { category: "conf-category", title: "conf-title", content: "conf-content", location: "conf-location", phone: "conf-phone" };

  function readForm() {
    const values = {};
    for (const [name, id] of Object.entries(FIELDS)) values[name] = $(id).value;
    values.confidential = $("f-confidential").checked;
    return values;
  }

  function writeForm(values) {
    for (const [name, id] of Object.entries(FIELDS)) $(id).value = values[name] || (name === "urgency" ? "normal" : "");
    $("f-confidential").checked = !!values.confidential;
  }

  // Keep what the agent typed on the call on screen (until it is registered).
  function saveForm() {
    if (Desk.current && !Desk.current.ticket) Desk.current.form = readForm();
  }

  function render() {
    const call = Desk.current;
    $("form-error").textContent = "";
    $("draft-form").classList.toggle("locked", !!(call && call.ticket));
    for (const element of $("draft-form").elements) element.disabled = !call || !!call.ticket;
    if (!call) {
      writeForm({});
      $("draft-source").textContent = "（等待来电）";
      $("asr-state").textContent = "";
      for (const id of Object.values(CONF_OF)) $(id).textContent = "";
      return;
    }
    call.prefill = Prefill.of(call);
    let values = call.form || call.prefill.values;
    if (call.form && !call.formHadContent && call.content) {
      // the pop's content came after the agent started typing: fill only what is still empty
      values = { ...call.prefill.values };
      for (const [name, value] of Object.entries(call.form)) if (value || name === "confidential") values[name] = value;
    }
    call.formHadContent = !!call.content;
    writeForm(values);
    const draft = call.content && call.content.draft;
    $("draft-source").textContent = call.manual ? "（手工登记）"
      : draft ? `（来电草稿 ${draft.id.slice(0, 8)}）` : call.content ? "（该来电没有草稿）" : "（正在读取来电信息…）";
    $("asr-state").textContent = call.content && call.content.error ? `来电信息读取失败：${call.content.error}`
      : draft ? ASR[draft.asr_status] + (draft.asr_error ? `：${draft.asr_error}` : "") : "";
    markConfidence();
    renderEmergency(call);
  }

  // R-SCOPE: a draft that flags an emergency shows who must take it, a one-click transfer there, and asks
  // the agent what was done before the matter can be registered.
  const EMERGENCY_WHAT = { 110: "报警：暴力、违法犯罪、人身危险", 119: "火灾、燃气泄漏、被困", 120: "急病、受伤", 122: "交通事故" };

  function emergencyOf(call) {
    const draft = call && call.content && call.content.draft;
    return (draft && draft.fields && draft.fields.emergency) || null;
  }

  function renderEmergency(call) {
    const emergency = emergencyOf(call);
    $("emergency-banner").hidden = !emergency;
    $("emergency-choice").hidden = !emergency;
    if (!emergency) return;
    $("emergency-service").textContent = emergency.service;
    $("emergency-number").textContent = emergency.service;
    $("emergency-what").textContent = EMERGENCY_WHAT[emergency.service] || "";
    $("emergency-cues").textContent = (emergency.cues || []).join("、");
  }

  async function transferToEmergency() {
    const emergency = emergencyOf(Desk.current);
    if (!emergency) return;
    $("form-error").textContent = "";
    try {
      await api("/agents/me/transfer", { method: "POST", body: { target: emergency.service } });
      $("f-emergency").value = "transferred";
      saveForm();
      $("transfer-message").textContent = `正在转接 ${emergency.service}：与对方通话后挂机即完成转接`;
    } catch (error) {
      $("form-error").textContent = errorText(error);
    }
  }

  // Each pre-filled field's badge: its confidence, or "已修改" when the agent changed the value.
  function markConfidence() {
    const call = Desk.current;
    for (const [name, id] of Object.entries(CONF_OF)) {
      const badge = $(id);
      const info = call && call.prefill && call.prefill.conf[name];
      const original = call && call.prefill ? call.prefill.values[name] || "" : "";
      const edited = call && info && $(FIELDS[name]).value !== original;
      badge.textContent = edited ? "已修改" : info ? info.text : "";
      badge.className = `conf ${edited ? "edited" : info ? info.level : ""}`;
    }
  }

  // Why the call on screen cannot be registered, or null.
  function submittable() {
    if (!Desk.current) return "没有可登记的来电，可按 Alt+N 新建空白登记";
    if (Desk.current.ticket) return `已登记为工单 ${Desk.current.ticket.number}`;
    if (Desk.current.phase === "withdrawn") return `该来电未接通（${WITHDRAWN[Desk.current.reason] || Desk.current.reason}），无需登记`;
    return null;
  }

  async function submit() {
    const blocked = submittable();
    if (blocked) {
      $("form-error").textContent = blocked;
      return;
    }
    const call = Desk.current;
    const values = readForm();
    const missing = [["category", "类别"], ["title", "标题"], ["content", "诉求内容"]].filter(([name]) => !values[name].trim());
    if (missing.length) {
      $("form-error").textContent = `请填写${missing.map(([, label]) => label).join("、")}`;
      $(FIELDS[missing[0][0]]).focus();
      return;
    }
    const body = {
      category: values.category, urgency: values.urgency, title: values.title.trim(), content: values.content.trim(),
      location: values.location.trim() || null,
      caller: { name: values.callerName.trim() || null, phone: values.phone.trim() || null, confidential: values.confidential },
    };
    if (emergencyOf(call)) {
      if (!values.emergency) {
        $("form-error").textContent = "该来电可能是紧急情况：请先转接或选择“核实不属于紧急情况”";
        $("f-emergency").focus();
        return;
      }
      body.emergency_handled = values.emergency;
    }
    const content = call.content || {};
    if (content.draft && content.draft.id) body.draft_id = content.draft.id;
    else if (content.call && content.call.id) body.call_id = content.call.id;
    $("form-error").textContent = "";
    $("btn-submit").disabled = true;
    try {
      call.form = values;
      call.ticket = await api("/tickets", { method: "POST", body });
    } catch (error) {
      $("form-error").textContent = errorText(error);
    } finally {
      $("btn-submit").disabled = false;
    }
    if (Desk.current === call) {
      render();
      Handling.render();
      RecentCalls.render();
      if (call.ticket) $("f-department").focus();
    }
  }

  function wire() {
    $("draft-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    $("btn-emergency-transfer").addEventListener("click", transferToEmergency);
    $("draft-form").addEventListener("input", () => {
      saveForm();
      markConfidence();
    });
  }

  return { saveForm, render, markConfidence, submit, wire };
})();
