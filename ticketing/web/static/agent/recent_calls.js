// 本班来电: the calls of this shift, newest first, each with what became of it (振铃, 通话中, 已撤回, 未登记,
// 工单 number); clicking one puts it back on screen.
"use strict";

const RecentCalls = (() => {
  const { $ } = Desk;
  const { el } = Hotline;

  function render() {
    const list = $("recent");
    const all = [...Desk.calls.values()].reverse();
    if (!all.length) {
      list.replaceChildren(el("li", { class: "muted" }, "暂无"));
      return;
    }
    list.replaceChildren(...all.map((call) => {
      const info = (call.content && call.content.call) || {};
      const who = call.manual ? "手工登记" : info.caller_number || call.callerNumber || "未显示号码";
      const state = call.ticket ? `工单 ${call.ticket.number}` : call.phase === "withdrawn" ? "已撤回"
        : call.phase === "ended" ? "未登记" : call.phase === "connected" ? "通话中" : call.phase === "offered" ? "振铃" : "未登记";
      return el("li", { class: call === Desk.current ? "current" : "", "data-key": call.key },
        el("button", { type: "button", class: "link", onclick: () => Desk.show(call) },
          `${call.seenAt.toLocaleTimeString("zh-CN", { hour12: false })} ${who}`),
        " ", el("span", { class: call.ticket ? "notice" : "muted" }, state));
    }));
  }

  return { render };
})();
