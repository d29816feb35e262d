// Handling the registered ticket (处理): the ticket's number and status, then 直办 (answer directly with
// the knowledge-base answer chosen in knowledge.js, Alt+Z) or 交办 (dispatch to a department, the
// draft's suggestion pre-selected, Alt+J), each allowed only when the ticket's allowed_actions say so.
// Also the list of active departments, read once at start.
"use strict";

const Handling = (() => {
  const { $ } = Desk;
  const { el, api } = Hotline;
  const { errorText, percent } = Words;

  let departments = [];

  function render() {
    const call = Desk.current;
    const ticket = call && call.ticket;
    $("ticket-result").hidden = !ticket;
    $("handle").hidden = !ticket;
    $("handle-error").textContent = "";
    if (!ticket) {
      $("handle-message").textContent = "";
      return;
    }
    const link = $("ticket-number");
    link.textContent = ticket.number;
    link.href = `/ui/supervisor/ticket.html?ref=${encodeURIComponent(ticket.number)}`;
    $("ticket-status").textContent = ticket.status_label;
    $("ticket-status").dataset.status = ticket.status;
    const allowed = new Set(ticket.allowed_actions || []);
    $("btn-answer").disabled = !allowed.has("answer_directly");
    $("btn-dispatch").disabled = !allowed.has("dispatch");
    $("f-department").disabled = !allowed.has("dispatch");
    $("chosen-kb").textContent = call.kb || "未选择";
    fillDepartments();
    if (!allowed.has("answer_directly") && !allowed.has("dispatch") && !$("handle-message").textContent) {
      $("handle-message").textContent = `工单状态：${ticket.status_label}`;
    }
  }

  // The department select: the agent's choice for this call, else the draft's suggestion if it is listed.
  function fillDepartments() {
    const select = $("f-department");
    const call = Desk.current;
    const suggested = call && call.prefill && call.prefill.department;
    const options = departments.map((d) => el("option", { value: d.code }, `${d.name}（${d.code}）`));
    select.replaceChildren(el("option", { value: "" }, "— 请选择 —"), ...options);
    const known = suggested && departments.some((d) => d.code === suggested.code);
    select.value = (call && call.department) || (known ? suggested.code : "");
    $("suggested-department").textContent = suggested
      ? `建议：${suggested.name}（${percent(suggested.confidence || 0)}）${known ? "" : "，该单位不在列表中"}` : "";
  }

  // POST /tickets/{number}/{action}; done(ticket) says what happened.
  async function act(action, body, done) {
    const call = Desk.current;
    if (!call || !call.ticket) {
      $("handle-error").textContent = "请先提交登记（Ctrl+Enter）";
      return;
    }
    $("handle-error").textContent = "";
    try {
      call.ticket = await api(`/tickets/${encodeURIComponent(call.ticket.number)}/${action}`, { method: "POST", body });
      if (Desk.current === call) {
        render();
        $("handle-message").textContent = `${done(call.ticket)}，工单状态：${call.ticket.status_label}`;
        RecentCalls.render();
      }
    } catch (error) {
      $("handle-error").textContent = errorText(error);
    }
  }

  // 直办.
  function answerDirectly() {
    if (Desk.current && Desk.current.ticket && !Desk.current.kb) {
      $("handle-error").textContent = "请先在右侧知识库建议中选择一条答复";
      return;
    }
    const ref = Desk.current && Desk.current.kb;
    act("answer_directly", { knowledge_ref: ref }, () => `已直办（引用知识库 ${ref}）`);
  }

  // 交办.
  function dispatch() {
    const code = $("f-department").value;
    if (Desk.current && Desk.current.ticket && !code) {
      $("handle-error").textContent = "请选择承办单位";
      $("f-department").focus();
      return;
    }
    const unit = departments.find((d) => d.code === code);
    act("dispatch", { lead_department: code }, () => `已交办至 ${unit ? unit.name : code}`);
  }

  function loadDepartments() {
    api("/departments").then((list) => {
      departments = list.filter((d) => d.active !== false);
      if (Desk.current && Desk.current.ticket) fillDepartments();
    }).catch((error) => {
      $("handle-error").textContent = `承办单位列表读取失败：${errorText(error)}`;
    });
  }

  function wire() {
    $("f-department").addEventListener("change", () => {
      if (Desk.current) Desk.current.department = $("f-department").value;
    });
    $("btn-answer").addEventListener("click", answerDirectly);
    $("btn-dispatch").addEventListener("click", dispatch);
  }

  return { render, answerDirectly, dispatch, loadDepartments, wire };
})();
