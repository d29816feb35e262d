// The live transcript (实时转写) of the caller while connected: transcript.partial replaces the line being
// spoken, transcript.final adds a finished line, transcript.ended closes it (messages routed here by
// events.js). "转写填入内容" appends the finished lines to the form's 诉求内容 until the call is registered.
"use strict";

const Transcript = (() => {
  const { $ } = Desk;
  const { el } = Hotline;

  function hear(message) {
    const call = Desk.calls.get(message.call_key);
    if (!call) return;
    const t = call.transcript;
    if (message.type === "transcript.partial") t.partial = message.text || "";
    else if (message.type === "transcript.final") {
      if (message.text) t.lines.push(message.text);
      t.partial = "";
    } else {
      t.ended = true;
      t.partial = "";
    }
    if (Desk.current === call) render();
  }

  function render() {
    const box = $("transcript");
    const call = Desk.current;
    if (!call || call.manual) {
      box.replaceChildren(el("p", { class: "muted" }, "通话接通后显示来电人的实时转写。"));
      $("transcript-state").textContent = "";
      return;
    }
    const t = call.transcript;
    const lines = t.lines.map((text) => el("p", { class: "final" }, text));
    if (t.partial) lines.push(el("p", { class: "partial", "data-testid": "transcript-partial" }, t.partial));
    if (!lines.length) lines.push(el("p", { class: "muted" }, call.phase === "connected" ? "等待来电人说话…" : "暂无转写"));
    box.replaceChildren(...lines);
    box.scrollTop = box.scrollHeight;
    $("transcript-state").textContent = t.ended ? "（转写结束）" : call.phase === "connected" ? "（实时）" : "";
    $("btn-use-transcript").disabled = !t.lines.length || !!call.ticket;
  }

  function useTranscript() {
    const call = Desk.current;
    if (!call || call.ticket || !call.transcript.lines.length) return;
    const text = call.transcript.lines.join("");
    const box = $("f-content");
    box.value = box.value.trim() ? `${box.value.trim()}\n${text}` : text;
    DraftForm.saveForm();
    DraftForm.markConfidence();
  }

  // Adds the "转写填入内容" button to the panel's heading.
  function wire() {
    const useButton = el("button", { type: "button", id: "btn-use-transcript", "data-testid": "btn-use-transcript", class: "small-button", disabled: true, onclick: useTranscript }, "转写填入内容");
    $("transcript-panel").querySelector("h2").append(" ", useButton);
  }

  return { hear, render, wire };
})();
