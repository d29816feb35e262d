// The screen pop: the incoming call panel (来电) as the call goes offered (振铃) → connected (通话中) →
// ended, or withdrawn before it was answered. Each pop.* message from the WebSocket (events.js) updates
// the call's record and, when it is new or not on screen, puts it on screen.
"use strict";

const Pop = (() => {
  const { $ } = Desk;
  const { duration } = Hotline;
  const { HANGUP, WITHDRAWN, queueLabel, menuStep } = Words;

  // pop.offered: the phone rings; the message carries the call, its draft, the caller's history and
  // knowledge-base suggestions (or the error reading them).
  function offered(message) {
    const fresh = !Desk.calls.has(message.call_key);
    const call = Desk.callFor(message.call_key);
    call.queue = message.queue || call.queue;
    call.rangAt = message.rang_at;
    call.callerNumber = message.caller_number || call.callerNumber;
    const hadContent = !!call.content;
    call.content = {
      call: message.call || null, draft: message.draft || null, history: message.history || [],
      knowledge: message.knowledge || [], error: message.error || null,
    };
    if (fresh || Desk.current !== call) Desk.show(call);
    else if (!hadContent) Desk.renderAll();
    Presence.refreshSoon();
  }

  function connected(message) {
    const call = Desk.callFor(message.call_key, "connected");
    Desk.enter(call, "connected");
    call.holdS = message.hold_s;
    call.connectedAt = Date.now();
    if (Desk.current !== call) Desk.show(call);
    else render();
    $("f-category").focus();
    Presence.refreshSoon();
  }

  function withdrawn(message) {
    const call = Desk.calls.get(message.call_key);
    if (!call) return;
    Desk.enter(call, "withdrawn");
    call.reason = message.reason;
    if (Desk.current === call) Desk.renderAll();
    else RecentCalls.render();
    Presence.refreshSoon();
  }

  function ended(message) {
    const call = Desk.callFor(message.call_key, "ended");
    Desk.enter(call, "ended");
    call.talkS = message.talk_s;
    call.hangupBy = message.hangup_by;
    if (Desk.current === call) render();
    RecentCalls.render();
    Presence.refreshSoon();
  }

  function render() {
    const state = $("call-state");
    const call = Desk.current;
    if (!call || call.manual) {
      state.dataset.phase = call ? "manual" : "idle";
      state.dataset.phases = "";
      state.className = "call-state";
      state.textContent = call ? "手工登记（无来电）" : "空闲，等待来电";
      for (const id of ["call-number", "call-queue", "call-hold", "call-talk", "call-menu"]) $(id).textContent = "—";
      return;
    }
    state.dataset.phase = call.phase;
    state.dataset.phases = call.phases.join(" "); // the way the pop went: offered connected ended
    state.className = `call-state phase-${call.phase}`;
    const info = (call.content && call.content.call) || {};
    state.textContent = {
      offered: "来电振铃中，请接听",
      connected: "通话中",
      ended: `通话已结束（${HANGUP[call.hangupBy] || call.hangupBy || ""}，通话 ${duration(call.talkS)}）`,
      withdrawn: `来电已撤回：${WITHDRAWN[call.reason] || call.reason}`,
    }[call.phase];
    $("call-number").textContent = info.caller_number || call.callerNumber || "（未显示号码）";
    $("call-queue").textContent = queueLabel(call.queue || info.queue);
    $("call-hold").textContent = call.holdS === null ? "—" : duration(call.holdS);
    $("call-menu").textContent = (info.menu_path || []).map(menuStep).join(" → ") || "—";
    tick();
  }

  // Every second: the talk time of the call on screen.
  function tick() {
    const call = Desk.current;
    if (!call || call.manual) return;
    if (call.phase === "connected" && call.connectedAt) $("call-talk").textContent = duration((Date.now() - call.connectedAt) / 1000);
    else if (call.phase === "ended") $("call-talk").textContent = duration(call.talkS);
    else $("call-talk").textContent = "—";
  }

  return { offered, connected, withdrawn, ended, render, tick };
})();
