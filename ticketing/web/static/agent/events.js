// The desktop's live feed: the WebSocket /api/v1/agents/me/events (Hotline.liveSocket reconnects after a
// drop), its state in the header badge, and each message routed to the part of the desk it is about:
// hello (is telephony up?), presence, pop.* (the screen pop), transcript.* (the live transcript).
"use strict";

const Events = (() => {
  const { $ } = Desk;

  function socketState(state, info) {
    const badge = $("ws-state");
    badge.dataset.state = state;
    badge.textContent = {
      connecting: "连接中…",
      open: "已连接",
      retrying: `已断开，${Math.ceil(info.delay || 0)}秒后重连（第${info.attempt}次）`,
      refused: `连接被拒绝：${info.code === 4404 ? "账号未绑定分机" : info.reason || info.code}`,
    }[state];
  }

  function onMessage(message) {
    switch (message.type) {
      case "hello":
        $("telephony-state").hidden = !!message.telephony;
        $("telephony-state").textContent = "电话系统未连接：签入、暂停等操作暂不可用";
        break;
      case "presence":
        Presence.set({
          status: message.status, reason: message.reason, since: message.since, extension: message.extension,
          skills: message.skills, wrapup_seconds: message.wrapup_seconds,
        });
        Presence.refreshSoon();
        break;
      case "pop.offered":
        Pop.offered(message);
        break;
      case "pop.connected":
        Pop.connected(message);
        break;
      case "pop.withdrawn":
        Pop.withdrawn(message);
        break;
      case "pop.ended":
        Pop.ended(message);
        break;
      case "transcript.partial":
      case "transcript.final":
      case "transcript.ended":
        Transcript.hear(message);
        break;
      default:
        break;
    }
  }

  // Open the socket; on every (re)connect, read my presence afresh.
  function connect() {
    Hotline.liveSocket("/agents/me/events", { onMessage, onState: socketState, onOpen: Presence.refreshMe });
  }

  return { connect };
})();
