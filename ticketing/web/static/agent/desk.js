// The agent desktop's core, loaded first after /ui/app.js: who is signed in, the calls of this shift
// (one record per call key, plus hand-made blank registrations) and which of them is on screen.
//
// The desktop is a set of plain scripts, one concept each, each sharing one global namespace; index.html
// loads them in this order:
//   desk.js           Desk: the session, the call records, the call on screen (show / renderAll)
//   words.js          Words: labels and text helpers
//   presence.js       Presence: sign in/out, ready, pause, the 后处理 countdown
//   pop.js            Pop: the incoming call panel (ringing → connected → ended / withdrawn)
//   events.js         Events: the WebSocket /api/v1/agents/me/events, routing what arrives
//   prefill.js        Prefill: what the draft says, field by field, with its confidences
//   draft_form.js     DraftForm: the pre-filled form and 登记 (register)
//   handling.js       Handling: the registered ticket, 直办 / 交办, the department list
//   recording.js      Recording: the caller's recorded message
//   transcript.js     Transcript: the live transcript, "转写填入内容"
//   caller_history.js CallerHistory: the caller's earlier tickets
//   knowledge.js      Knowledge: knowledge-base suggestions, the answer chosen for 直办
//   recent_calls.js   RecentCalls: 本班来电, the calls of this shift
//   callbacks.js      Callbacks: 待人工回访/回拨, the outbound jobs left to a person
//   transfer.js       Transfer: warm transfer to another number
//   shortcuts.js      Shortcuts: the keyboard
//   main.js           wires the page and starts it
// While loading, a script reads only Desk and Words; it calls into the others only once the page runs.
// So desk.js and words.js come first, main.js last, and the order in between does not matter. Without an
// agent's session desk.js throws (Hotline.requireSession sends the browser to the login page), and so does
// every later script that reads Desk (all but words.js): nothing is wired, nothing is fetched.
"use strict";

const Desk = (() => {
  const me = Hotline.requireSession("agent");
  const $ = (id) => document.getElementById(id);

  const calls = new Map(); // call key → what the desktop knows of that call
  let blanks = 0;

  function newCall(key, manual = false) {
    return {
      key, manual, phase: manual ? "manual" : "offered", queue: "", rangAt: null, callerNumber: "",
      phases: manual ? [] : ["offered"], content: null, holdS: null, talkS: null, hangupBy: null, connectedAt: null, reason: null,
      transcript: { lines: [], partial: "", ended: false }, form: null, prefill: null, ticket: null,
      kb: null, department: null, recordingUrl: null, recordingLoading: false, recordingError: null,
      seenAt: new Date(),
    };
  }

  // The record of a call, made on first sight (a pop may arrive already connected or ended).
  function callFor(key, phase = "offered") {
    let call = calls.get(key);
    if (!call) {
      call = newCall(key);
      call.phase = phase;
      call.phases = [phase];
      calls.set(key, call);
    }
    return call;
  }

  // Move a call to a phase, remembering the way it went (offered connected ended).
  function enter(call, phase) {
    call.phase = phase;
    if (call.phases[call.phases.length - 1] !== phase) call.phases.push(phase);
  }

  // Put a call on screen, keeping what the agent typed for the one leaving it.
  function show(call) {
    DraftForm.saveForm();
    if (desk.current !== call) {
      $("transfer-message").textContent = "";
      $("transfer-error").textContent = "";
    }
    desk.current = call;
    renderAll();
  }

  function renderAll() {
    Pop.render();
    DraftForm.render();
    Recording.render();
    Transcript.render();
    CallerHistory.render();
    Knowledge.render();
    Handling.render();
    RecentCalls.render();
  }

  // 新建空白登记: a registration with no call behind it.
  function blank() {
    blanks += 1;
    const call = newCall(`manual-${blanks}`, true);
    calls.set(call.key, call);
    show(call);
    $("f-title").focus();
  }

  const desk = {
    me, $, calls,
    current: null, // the call on screen
    callFor, enter, show, renderAll, blank,
  };
  return desk;
})();
