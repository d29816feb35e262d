// One ticket as the unit works on it: details, shares, attachments, history and the applicable forms.
"use strict";

(() => {
  Hotline.requireSession("department");
  const { el, shanghai } = Hotline;
  Dept.logoutButton();

  const ref = new URLSearchParams(window.location.search).get("ref");
  const FORMS = ["accept", "return", "promise", "request_extension", "co_accept", "co_reply", "reply"];
  let current = null;

  function text(id, value) {
    document.getElementById(id).textContent = value === null || value === undefined || value === "" ? "—" : value;
  }

  function put(id, node) {
    document.getElementById(id).replaceChildren(node);
  }

  function value(id) {
    const raw = document.getElementById(id).value.trim();
    return raw === "" ? undefined : raw;
  }

  function size(bytes) {
    return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  // Attachments need the bearer token: fetch them and hand the browser a blob.
  async function download(attachment) {
    try {
      const me = Hotline.session();
      const response = await fetch(`/api/v1/tickets/${encodeURIComponent(ref)}/attachments/${attachment.id}`, {
        headers: { Authorization: `Bearer ${me.token}` },
      });
      if (!response.ok) throw new Hotline.ApiError(response.status, await response.json().catch(() => null));
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: attachment.filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      Hotline.showError(error);
    }
  }

  async function upload(inputId) {
    const ids = [];
    for (const file of document.getElementById(inputId).files) {
      const form = new FormData();
      form.append("file", file, file.name);
      const stored = await Hotline.api(`/tickets/${encodeURIComponent(ref)}/attachments`, { method: "POST", body: form });
      ids.push(stored.id);
    }
    return ids;
  }

  // What each form sends (uploads first, so the action can cite the attachment ids).
  const BODIES = {
    accept: async () => ({}),
    return: async () => ({ reason: value("return-reason") }),
    promise: async () => ({
      promised_date: value("promise-date"), reason: value("promise-text"), attachment_ids: await upload("promise-file"),
    }),
    request_extension: async () => ({
      new_due_date: value("extension-date"), reason: value("extension-reason"), attachment_ids: await upload("extension-file"),
    }),
    co_accept: async () => ({}),
    co_reply: async () => ({ text: value("co-reply-text"), attachment_ids: await upload("co-reply-file") }),
    reply: async () => ({ reason: value("reply-text"), attachment_ids: await upload("reply-file") }),
  };

  async function act(action) {
    Hotline.clearError();
    document.getElementById("notice").textContent = "";
    try {
      const body = await BODIES[action]();
      body.expected_version = current.ticket.version;
      await Hotline.api(`/tickets/${encodeURIComponent(ref)}/${action}`, { method: "POST", body });
      if (action === "return") {
        // The matter has left the unit: it can no longer read it (R-PRIV).
        window.location.href = "/ui/department/inbox.html";
        return;
      }
      for (const form of document.querySelectorAll("form.action")) form.reset();
      document.getElementById("notice").textContent = `${Dept.ACTION_LABELS[action]}已提交。`;
      await load();
    } catch (error) {
      Hotline.showError(error);
    }
  }

  function render(view) {
    const ticket = view.ticket;
    document.title = `12345 工单办理 — ${ticket.number}`;
    text("ticket-number", ticket.number);
    text("ticket-title", ticket.title);
    text("ticket-status", ticket.status_label + (ticket.extension_pending ? "（延期申请中）" : ""));
    text("ticket-category", `${ticket.category_label}（${ticket.handling_kind === "promised" ? "承诺件" : "限时件"}${view.countersign_required ? "，会签件" : ""}）`);
    text("my-role", view.my_role === "lead" ? "主办单位" : view.my_role === "co" ? "协办（会签）单位" : "—");
    put("ticket-caller", Dept.caller(ticket.caller));
    text("ticket-location", ticket.location);
    text("ticket-content", ticket.content);
    text("ticket-dispatched", ticket.dispatched_at ? shanghai(ticket.dispatched_at) : "—");
    const now = new Date();
    const passed = (iso) => Boolean(iso) && new Date(iso) <= now;
    put("ticket-return-deadline", Dept.deadline(view.return_deadline, passed(view.return_deadline)));
    put("ticket-collect-deadline", Dept.deadline(view.collect_deadline, view.collect_deadline && new Date(view.collect_deadline) < now));
    put("ticket-due", Dept.deadline(ticket.due_at, ticket.overdue));
    text("ticket-promised", ticket.promised_date);

    for (const action of FORMS) document.getElementById(`${action}-form`).hidden = !view.my_actions.includes(action);
    document.getElementById("no-actions").hidden = view.my_actions.length > 0;
    const wait = document.getElementById("co-wait");
    wait.hidden = !(view.my_role === "lead" && view.pending_co_units > 0);
    wait.textContent = `尚有 ${view.pending_co_units} 个会签单位未回复，回复须待其会签意见（或由督办领导免除）。`;

    const shares = document.querySelector("#shares tbody");
    shares.replaceChildren(...view.shares.map((share) => el("tr", {},
      el("td", {}, share.department_name),
      el("td", {}, share.role === "lead" ? "主办" : "协办（会签）"),
      el("td", {}, share.accepted_at ? shanghai(share.accepted_at) : "未签收"),
      el("td", {}, share.role === "lead" ? "—"
        : share.waived ? `已免除：${share.waive_reason}`
        : share.replied_at ? `${shanghai(share.replied_at)}：${share.reply}` : "未回复"),
    )));
  }

  function renderAttachments(list) {
    const body = document.querySelector("#attachments tbody");
    if (!list.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "empty" }, "暂无附件")));
      return;
    }
    body.replaceChildren(...list.map((attachment) => el("tr", {},
      el("td", {}, el("a", { href: "#", class: "download", onclick: (event) => { event.preventDefault(); download(attachment); } }, attachment.filename)),
      el("td", {}, size(attachment.size)),
      el("td", {}, attachment.department_code || "热线中心"),
      el("td", {}, shanghai(attachment.uploaded_at)),
    )));
  }

  function renderHistory(events) {
    const body = document.querySelector("#history tbody");
    body.replaceChildren(...events.map((event) => {
      const notes = [event.reason];
      if (event.payload.late_return) notes.push("（逾期退件：未在交办当日退回）");
      if (event.payload.late_collection) notes.push("（超过 24 小时签收/退件）");
      if (event.payload.promised_date) notes.push(`承诺完成日期 ${event.payload.promised_date}`);
      if (event.payload.attachment_ids && event.payload.attachment_ids.length) notes.push(`附件 ${event.payload.attachment_ids.length} 个`);
      const label = (status) => Dept.STATUS_LABELS[status] || status;
      const moved = event.from_status && event.from_status !== event.to_status
        ? `${label(event.from_status)} → ${label(event.to_status)}` : label(event.to_status);
      return el("tr", {},
        el("td", {}, shanghai(event.at)),
        el("td", {}, Dept.ACTION_LABELS[event.action] || event.action),
        el("td", {}, event.actor || "—"),
        el("td", {}, moved),
        el("td", {}, notes.filter(Boolean).join(" ")),
      );
    }));
  }

  async function load() {
    try {
      const path = `/tickets/${encodeURIComponent(ref)}`;
      const [view, attachments, events] = await Promise.all([
        Hotline.api(`/inbox/${encodeURIComponent(ref)}`),
        Hotline.api(`${path}/attachments`),
        Hotline.api(`${path}/events`),
      ]);
      current = view;
      render(view);
      renderAttachments(attachments);
      renderHistory(events);
    } catch (error) {
      Hotline.showError(error);
    }
  }

  for (const action of FORMS) {
    document.getElementById(`${action}-form`).addEventListener("submit", (event) => {
      event.preventDefault();
      act(action);
    });
  }
  if (!ref) Hotline.showError(new Error("缺少工单编号（ref）"));
  else load();
})();
