// Helpers shared by the department pages (on top of Hotline from /ui/app.js).
"use strict";

const Dept = (() => {
  const { el, shanghai } = Hotline;

  const ACTION_LABELS = {
    register: "登记", create: "保存草稿", dispatch: "交办", instruct: "批办", escalate: "报请批办",
    accept: "签收", return: "退件", promise: "承诺办理", request_extension: "延期申请",
    approve_extension: "延期批准", deny_extension: "延期驳回", reply: "回复", close: "办结",
    callback: "回访", archive: "归档", urge: "催办", supervise: "督办", recall: "收回",
    reject: "不予受理", answer_directly: "直办",
    co_accept: "会签签收", co_reply: "会签回复", waive_co_replies: "免除会签回复",
  };

  const STATUS_LABELS = {
    draft: "草稿", registered: "已登记", pending_instruction: "待批办", dispatched: "已交办", returned: "已退件",
    in_progress: "办理中", promised: "承诺办理中", replied: "已回复", completed: "已办结", archived: "已归档",
    rejected: "不予受理",
  };

  // A deadline cell: the time, marked red when it has passed.
  function deadline(iso, late) {
    if (!iso) return "—";
    return el("span", { class: late ? "overdue" : undefined }, shanghai(iso), late ? el("span", { class: "late-mark" }, "（已超时）") : null);
  }

  // The caller as the API gave it: masked for lists, withheld entirely for 保密/举报 (R-PRIV).
  function caller(block) {
    if (!block) return "—";
    if (block.masked && !block.name && !block.phone) return el("span", { class: "masked" }, block.confidential ? "（保密）" : "（已隐藏）");
    const text = [block.name, block.phone].filter(Boolean).join(" ") || "—";
    return el("span", { class: block.masked ? "masked" : undefined }, text);
  }

  function ticketLink(number) {
    return el("a", { href: `/ui/department/ticket.html?ref=${encodeURIComponent(number)}` }, number);
  }

  function logoutButton() {
    const button = document.getElementById("logout-button");
    if (button) button.addEventListener("click", () => Hotline.logout());
  }

  return { ACTION_LABELS, STATUS_LABELS, caller, deadline, logoutButton, ticketLink };
})();
