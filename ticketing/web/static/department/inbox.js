// The unit's inbox: 待签收, 办理中/承诺, 会签 — grouped, with deadlines and red overdue marks.
"use strict";

(() => {
  Hotline.requireSession("department");
  const { el, shanghai } = Hotline;
  Dept.logoutButton();

  function row(item, cells) {
    return el("tr", { "data-number": item.number }, cells.map((cell) => el("td", {}, cell)));
  }

  function fill(tableId, items, cellsOf, empty) {
    const body = document.querySelector(`#${tableId} tbody`);
    body.replaceChildren();
    if (!items.length) {
      const columns = document.querySelectorAll(`#${tableId} thead th`).length;
      body.append(el("tr", {}, el("td", { colspan: columns, class: "empty" }, empty)));
      return;
    }
    for (const item of items) body.append(row(item, cellsOf(item)));
  }

  function due(item) {
    return Dept.deadline(item.due_at, item.overdue);
  }

  async function load() {
    Hotline.clearError();
    try {
      const inbox = await Hotline.api("/inbox");
      document.getElementById("unit-name").textContent = inbox.department_name;
      document.getElementById("as-of").textContent = `更新于 ${shanghai(inbox.as_of)}`;
      document.getElementById("count-to-collect").textContent = inbox.counts.to_collect;
      document.getElementById("count-handling").textContent = inbox.counts.handling;
      document.getElementById("count-countersign").textContent = inbox.counts.countersign;
      fill("to-collect", inbox.to_collect, (item) => [
        Dept.ticketLink(item.number), item.title, item.category_label, Dept.caller(item.caller),
        shanghai(item.dispatched_at), Dept.deadline(item.return_deadline, item.return_late),
        Dept.deadline(item.collect_deadline, item.collect_late), due(item),
      ], "没有待签收的工单");
      fill("handling", inbox.handling, (item) => [
        Dept.ticketLink(item.number), item.title, item.category_label,
        item.status_label + (item.extension_pending ? "（延期申请中）" : ""), Dept.caller(item.caller), due(item),
        item.promised_date || "—", item.countersign_required ? String(item.pending_co_units) : "—",
      ], "没有办理中的工单");
      fill("countersign", inbox.countersign, (item) => [
        Dept.ticketLink(item.number), item.title, item.category_label, item.status_label, Dept.caller(item.caller),
        item.accepted_at ? `已签收 ${shanghai(item.accepted_at)}` : "未签收",
        Dept.deadline(item.collect_deadline, item.collect_late), due(item),
      ], "没有待会签的工单");
    } catch (error) {
      Hotline.showError(error);
    }
  }

  document.getElementById("refresh-button").addEventListener("click", load);
  load();
})();
