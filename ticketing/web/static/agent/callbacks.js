// 待人工回访/回拨: the outbound jobs the dialer gave up on (unreachable after every attempt, an unfinished
// 回访 survey, an anonymous caller), oldest problem first; a person calls the citizen and says what came of
// it (POST /outbound/jobs/{id}/done with a reason). Reloaded every minute and after each 已处理.
"use strict";

const Callbacks = (() => {
  const { $ } = Desk;
  const { el, api, describeError } = Hotline;
  const KINDS = { survey: "回访", missed_call: "漏接回拨", queue_callback: "排队回拨" };

  async function load() {
    try {
      const jobs = await api("/outbound/jobs", { query: { state: "manual" } });
      render(jobs);
      $("callbacks-error").textContent = "";
    } catch (error) {
      $("callbacks-error").textContent = describeError(error);
    }
  }

  function render(jobs) {
    $("callbacks-count").textContent = jobs.length ? `（${jobs.length}）` : "";
    if (!jobs.length) {
      $("callbacks").replaceChildren(el("li", { class: "muted" }, "暂无"));
      return;
    }
    $("callbacks").replaceChildren(...jobs.map((job) => {
      const reason = el("input", { type: "text", placeholder: "处理结果，如：已电话回访，满意", "data-testid": "callback-reason" });
      const done = el("button", { type: "button", "data-testid": "callback-done" }, "已处理");
      done.addEventListener("click", () => close(job, reason));
      const last = job.dials.length ? job.dials[job.dials.length - 1] : null;
      return el("li", { "data-testid": "callback-item", "data-job": job.id, "data-phone": job.phone },
        el("strong", {}, `${KINDS[job.kind] || job.kind} ${job.phone}`),
        " ", el("span", { class: "muted" }, `工单 ${job.tickets.join("、") || "—"}，已拨 ${job.attempts} 次${last && last.outcome ? `（${last.outcome}）` : ""}`),
        job.note ? el("div", { class: "small" }, job.note) : "",
        el("div", { class: "row" }, reason, done));
    }));
  }

  async function close(job, reason) {
    const text = reason.value.trim();
    if (!text) {
      $("callbacks-error").textContent = "请填写处理结果";
      reason.focus();
      return;
    }
    try {
      await api(`/outbound/jobs/${job.id}/done`, { method: "POST", body: { reason: text } });
      await load();
    } catch (error) {
      $("callbacks-error").textContent = describeError(error);
    }
  }

  function wire() {
    load();
    setInterval(load, 60_000);
  }

  return { load, wire };
})();
