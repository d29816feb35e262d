// Starts the agent desktop, loaded last: wires the header and every part's buttons, ticks the clocks once
// a second, draws the empty desk, reads my presence and the departments, opens the live feed.
"use strict";

(() => {
  const { $, me } = Desk;

  $("who").textContent = ` ${me.username}（坐席）`;
  $("logout").addEventListener("click", () => Hotline.logout());
  Presence.wire();
  DraftForm.wire();
  Handling.wire();
  $("btn-blank").addEventListener("click", Desk.blank);
  Transfer.wire();
  Transcript.wire();
  Shortcuts.wire();
  Callbacks.wire();

  setInterval(() => {
    Presence.tick();
    Pop.tick();
  }, 1000);

  Desk.renderAll();
  Presence.refreshMe();
  Handling.loadDepartments();
  Events.connect();

  window.AgentDesk = { calls: Desk.calls, get current() { return Desk.current; } }; // for debugging in the console
})();
