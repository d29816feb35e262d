// The caller's recorded message (来电录音), under the call panel. The recording is behind the bearer
// token, so it is fetched once per call into a blob URL for the <audio> element; while it loads, and if
// it fails, the note under the player says so.
"use strict";

const Recording = (() => {
  const { $ } = Desk;
  const { errorText } = Words;

  async function render() {
    const audio = $("recording");
    const note = $("recording-note");
    const call = Desk.current;
    const draft = call && call.content && call.content.draft;
    if (!draft || !draft.has_recording || !draft.recording_url) {
      audio.hidden = true;
      audio.removeAttribute("src");
      note.textContent = call && call.content ? "该来电没有录音" : "—";
      return;
    }
    const seconds = draft.recording_ms ? `，${(draft.recording_ms / 1000).toFixed(1)} 秒` : "";
    if (call.recordingUrl) {
      if (audio.src !== call.recordingUrl) audio.src = call.recordingUrl;
      audio.hidden = false;
      note.textContent = `来电人留言录音${seconds}`;
      return;
    }
    if (call.recordingError) {
      audio.hidden = true;
      note.textContent = `录音无法播放：${call.recordingError}`;
      return;
    }
    audio.hidden = true;
    note.textContent = "录音加载中…";
    if (call.recordingLoading) return;
    call.recordingLoading = true;
    try {
      const response = await fetch(draft.recording_url, { headers: { Authorization: `Bearer ${Hotline.session().token}` } });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Hotline.ApiError(response.status, body);
      }
      call.recordingUrl = URL.createObjectURL(await response.blob());
    } catch (error) {
      call.recordingError = errorText(error);
    } finally {
      call.recordingLoading = false;
    }
    if (Desk.current === call) render();
  }

  return { render };
})();
