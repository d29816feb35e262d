// Knowledge-base suggestions (知识库建议) that came with the pop: each answer with its 答复口径 and special
// cases; choosing one (only answers valid today) makes it the reference for 直办 (handling.js).
"use strict";

const Knowledge = (() => {
  const { $ } = Desk;
  const { el } = Hotline;

  function render() {
    const current = Desk.current;
    const list = $("kb");
    const hits = (current && current.content && current.content.knowledge) || [];
    if (!current || !current.content) {
      list.replaceChildren(el("li", { class: "muted" }, "—"));
      return;
    }
    if (!hits.length) {
      list.replaceChildren(el("li", { class: "muted" }, "没有匹配的知识库答复"));
      return;
    }
    list.replaceChildren(...hits.map((hit) => {
      const radio = el("input", {
        type: "radio", name: "kb-choice", value: hit.code, "data-testid": `kb-option-${hit.code}`,
        checked: current.kb === hit.code, disabled: !hit.valid_today,
        onchange: () => {
          Desk.current.kb = hit.code; // the call on screen when the agent chooses
          $("chosen-kb").textContent = hit.code;
        },
      });
      return el("li", { "data-testid": "kb-item", "data-code": hit.code },
        el("label", { class: "kb-head" }, radio, " ", el("strong", {}, hit.code), " ", hit.title,
          hit.valid_today ? null : el("span", { class: "tag" }, "已失效")),
        el("details", {}, el("summary", {}, "答复口径"), el("p", {}, hit.answer),
          hit.special_cases ? el("p", { class: "muted" }, `特殊情况：${hit.special_cases}`) : null));
    }));
  }

  return { render };
})();
