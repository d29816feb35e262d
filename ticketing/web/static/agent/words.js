// The agent desktop's words: Chinese labels for statuses, skills, categories, call outcomes and IVR menu
// steps, and the helpers that turn what the server sends into text (queue names, menu paths, errors,
// confidences). Pure: no state, no page access.
"use strict";

const Words = (() => {
  const { describeError } = Hotline;

  const CATEGORY_LABELS = {
    consult: "咨询", help: "求助", complaint: "投诉", report: "举报", suggestion: "建议", praise: "表扬", other: "其他",
  };
  const SKILL_LABELS = {
    consult: "咨询", help: "求助", complaint_report: "投诉/举报", suggestion_praise: "建议/表扬", general: "综合（人工）",
  };
  const SKILL_CATEGORY = { consult: "consult", help: "help", complaint_report: "complaint", suggestion_praise: "suggestion" };
  const STATUS_LABELS = { logged_out: "已签出", ready: "就绪", paused: "暂停", wrap_up: "后处理" };
  const LINE_LABELS = {
    logged_out: "未在队列中", ready: "空闲", ringing: "振铃中", busy: "通话中", paused: "暂停接听",
    wrap_up: "后处理", unavailable: "话机未注册（请检查话机）",
  };
  const WITHDRAWN = {
    ring_no_answer: "未接听，来电已转给其他坐席", abandoned: "来电人放弃等待", caller_left: "来电人已挂机",
    answered_elsewhere: "其他坐席已接听",
  };
  const HANGUP = { caller: "来电人挂机", agent: "坐席挂机", transfer: "已转接" };
  const ASR = {
    none: "无录音，未做语音识别", pending: "语音识别排队中", running: "语音识别中", done: "语音识别已完成",
    failed: "语音识别失败",
  };
  const MENU_STEPS = {
    welcome: "欢迎语", menu: "菜单", describe: "请描述", recording: "录音", transfer: "转人工", timeout: "未按键",
    out_of_hours: "非工作时间", message: "留言", goodbye: "结束语",
  };
  const KNOWN_MESSAGES = { "you are not on a call": "当前没有通话，无法转接" };

  // "hotline-complaint-report" → "投诉/举报（hotline-complaint-report）".
  function queueLabel(queue) {
    if (!queue) return "—";
    const skill = queue.replace(/^hotline-/, "").replace(/-/g, "_");
    return SKILL_LABELS[skill] ? `${SKILL_LABELS[skill]}（${queue}）` : queue;
  }

  // One step of the caller's way through the IVR: "menu", "invalid:9", "speech:投诉" ….
  function menuStep(step) {
    if (MENU_STEPS[step]) return MENU_STEPS[step];
    const [kind, rest] = step.split(":", 2);
    if (kind === "invalid") return `无效按键 ${rest}`;
    if (kind === "speech") return `语音「${rest}」`;
    return step;
  }

  // An API error in Chinese, with its typed error id.
  function errorText(error) {
    const known = error && KNOWN_MESSAGES[error.message];
    return known ? `${known}（${error.errorId}）` : describeError(error);
  }

  // 0.87 → "87%".
  function percent(confidence) {
    return `${Math.round(confidence * 100)}%`;
  }

  return {
    CATEGORY_LABELS, SKILL_LABELS, SKILL_CATEGORY, STATUS_LABELS, LINE_LABELS, WITHDRAWN, HANGUP, ASR,
    queueLabel, menuStep, errorText, percent,
  };
})();
