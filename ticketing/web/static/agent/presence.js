// The agent's presence: who I am (name, extension, skills), my status (已签出 / 就绪 / 暂停·reason /
// 后处理) and what my phone is doing, the 签入 / 签出 / 就绪 / 小休·培训·会议 buttons, and the
// 后处理 countdown to the automatic return to 就绪. Presence changes also arrive on the WebSocket
// (events.js calls set and refreshSoon).
"use strict";

const Presence = (() => {
  const { $, me } = Desk;
  const { api, duration } = Hotline;
  const { SKILL_LABELS, STATUS_LABELS, LINE_LABELS, errorText } = Words;

  let presence = null; // {status, reason, since, extension, skills, wrapup_seconds, line, name}

  function fromAgentOut(agent) {
    return {
      status: agent.status, reason: agent.pause_reason, since: agent.status_since, extension: agent.extension,
      skills: agent.skills, wrapup_seconds: agent.wrapup_seconds, line: agent.line,
      name: agent.display_name || agent.username,
    };
  }

  function set(update) {
    presence = { ...(presence || {}), ...update };
    render();
  }

  // What the phone is doing ("line") comes from Asterisk a moment after a presence change or a pop:
  // ask again shortly, and once more a little later.
  let refreshTimers = [];
  function refreshSoon() {
    refreshTimers.forEach(clearTimeout);
    refreshTimers = [setTimeout(refreshMe, 400), setTimeout(refreshMe, 2500)];
  }

  async function refreshMe() {
    try {
      set(fromAgentOut(await api("/agents/me")));
    } catch (error) {
      $("presence-error").textContent = error.errorId === "not_found"
        ? `您的账号尚未绑定分机，请联系班长或管理员（${error.errorId}）` : errorText(error);
    }
  }

  function render() {
    if (!presence) return;
    $("my-name").textContent = presence.name || me.username;
    $("my-extension").textContent = presence.extension || "—";
    $("my-skills").textContent = (presence.skills || []).map((s) => SKILL_LABELS[s] || s).join("、") || "—";
    const status = presence.status || "logged_out";
    const badge = $("my-status");
    badge.textContent = STATUS_LABELS[status] + (status === "paused" && presence.reason ? `·${presence.reason}` : "");
    badge.dataset.status = status;
    badge.dataset.reason = presence.reason || "";
    badge.className = `status-badge status-${status}`;
    $("my-line").textContent = presence.line ? LINE_LABELS[presence.line] || presence.line : "—";
    $("my-line").className = presence.line === "unavailable" ? "error" : "muted";
    const loggedOut = status === "logged_out";
    $("btn-login").disabled = !loggedOut;
    $("btn-logout-queues").disabled = loggedOut;
    $("btn-ready").disabled = loggedOut || status === "ready";
    for (const button of document.querySelectorAll("#presence-buttons [data-reason]")) {
      button.disabled = loggedOut || (status === "paused" && presence.reason === button.dataset.reason);
    }
    $("wrapup").hidden = status !== "wrap_up";
    tick();
  }

  // Every second: how long in this status, and in 后处理 how long until the automatic 就绪.
  function tick() {
    if (!presence || !presence.since) return;
    const since = new Date(presence.since);
    const elapsed = (Date.now() - since.getTime()) / 1000;
    $("my-since").textContent = `自 ${since.toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })}（${duration(elapsed)}）`;
    if (presence.status === "wrap_up") {
      const left = (presence.wrapup_seconds || 0) - elapsed;
      $("wrapup-left").textContent = left > 0 ? `剩余 ${duration(left)}，到时自动就绪` : "即将自动就绪";
    }
  }

  async function presenceAction(path, body) {
    $("presence-error").textContent = "";
    const buttons = [...document.querySelectorAll("#presence-panel button")];
    buttons.forEach((b) => b.setAttribute("aria-busy", "true"));
    try {
      set(fromAgentOut(await api(path, { method: "POST", body })));
      $("telephony-state").hidden = true;
    } catch (error) {
      $("presence-error").textContent = errorText(error);
    } finally {
      buttons.forEach((b) => b.removeAttribute("aria-busy"));
    }
  }

  const signIn = () => presenceAction("/agents/me/login");
  const signOut = () => presenceAction("/agents/me/logout");
  const ready = () => presenceAction("/agents/me/ready");
  const pause = (reason) => presenceAction("/agents/me/pause", { reason });

  function wire() {
    $("btn-login").addEventListener("click", signIn);
    $("btn-logout-queues").addEventListener("click", signOut);
    $("btn-ready").addEventListener("click", ready);
    $("btn-end-wrapup").addEventListener("click", ready);
    for (const button of document.querySelectorAll("#presence-buttons [data-reason]")) {
      button.addEventListener("click", () => pause(button.dataset.reason));
    }
  }

  return { set, refreshSoon, refreshMe, tick, signIn, signOut, ready, pause, wire };
})();
