// The caller's history (来电人历史工单): the earlier tickets from the calling number that came with the
// pop, open ones marked 在办, likely repeats of this matter marked 疑似重复 with their similarity.
"use strict";

const CallerHistory = (() => {
  const { $ } = Desk;
  const { el, shanghai } = Hotline;

  function render() {
    const current = Desk.current;
    const list = $("history");
    const history = (current && current.content && current.content.history) || [];
    if (!current || !current.content) {
      list.replaceChildren(el("li", { class: "muted" }, "—"));
      return;
    }
    if (!history.length) {
      list.replaceChildren(el("li", { class: "muted", "data-testid": "history-empty" }, "该号码没有历史工单"));
      return;
    }
    list.replaceChildren(...history.map((item) => el("li", {
      class: `${item.open ? "open" : "closed"}${item.looks_like_repeat ? " repeat" : ""}`,
      "data-testid": "history-item", "data-number": item.number, "data-open": item.open ? "1" : "0",
      "data-repeat": item.looks_like_repeat ? "1" : "0",
    },
    el("div", {},
      el("a", { href: `/ui/supervisor/ticket.html?ref=${encodeURIComponent(item.number)}`, target: "_blank" }, item.number),
      " ", el("span", { class: `tag ${item.open ? "tag-open" : ""}` }, item.open ? `在办·${item.status_label}` : item.status_label),
      item.looks_like_repeat ? el("span", { class: "tag tag-repeat", "data-testid": "history-repeat", title: `相似度 ${item.similarity}` }, "疑似重复") : null),
    el("div", {}, `${item.category_label}｜${item.title}`),
    el("div", { class: "muted small" }, shanghai(item.created_at)))));
  }

  return { render };
})();
