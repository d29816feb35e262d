// The pre-fill: what a call's draft says, field by field (category, title, content, location, phone),
// with where each value came from and how sure the recogniser was ("识别 87%", "按键选择", "来电号码"),
// and the department the draft suggests. Pure: reads a call record, touches nothing.
"use strict";

const Prefill = (() => {
  const { CATEGORY_LABELS, SKILL_CATEGORY, percent } = Words;

  // A confidence's badge colour.
  function level(confidence) {
    return confidence >= 0.8 ? "high" : confidence >= 0.6 ? "mid" : "low";
  }

  // A title from the summary: its first clause, without a "咨询：" kind of prefix, at most 40 characters.
  function shortTitle(text) {
    const clean = (text || "").replace(/^[\u4e00-\u9fa5]{2}[：:]/, "").trim();
    const first = clean.split(/[，。！？；,.!?;]/)[0] || clean;
    return first.slice(0, 40);
  }

  // {values: form field → value, conf: field → {text, level}, department: the suggested one or null}.
  function of(call) {
    const content = call.content || {};
    const draft = content.draft || {};
    const fields = draft.fields || {};
    const info = content.call || {};
    const values = { urgency: "normal" };
    const conf = {};
    const spoken = fields.category && fields.category.code;
    const category = draft.category || spoken || SKILL_CATEGORY[info.skill] || "";
    values.category = category;
    if (spoken && spoken === category && typeof fields.category.confidence === "number") {
      conf.category = { text: `识别 ${percent(fields.category.confidence)}`, level: level(fields.category.confidence) };
    } else if (category && draft.category) {
      const hint = spoken ? `；语音识别为${CATEGORY_LABELS[spoken] || spoken} ${percent(fields.category.confidence || 0)}` : "";
      conf.category = { text: `按键选择${hint}`, level: "high" };
    }
    const summary = fields.summary && fields.summary.text ? fields.summary : null;
    if (summary) {
      values.title = shortTitle(summary.text);
      conf.title = { text: `摘要 ${percent(summary.confidence || 0)}`, level: level(summary.confidence || 0) };
    }
    if (draft.transcript) {
      values.content = draft.transcript;
      conf.content = { text: "录音转写", level: "mid" };
    } else if (summary) {
      values.content = summary.text;
      conf.content = { text: `摘要 ${percent(summary.confidence || 0)}`, level: level(summary.confidence || 0) };
    }
    if (fields.address && fields.address.text) {
      values.location = fields.address.text;
      conf.location = { text: `识别 ${percent(fields.address.confidence || 0)}`, level: level(fields.address.confidence || 0) };
    }
    const phone = (fields.phones || [])[0];
    if (phone && phone.number) {
      values.phone = phone.number;
      conf.phone = { text: `识别 ${percent(phone.confidence || 0)}`, level: level(phone.confidence || 0) };
    } else if (info.caller_phone || call.callerNumber || draft.caller_phone) {
      values.phone = info.caller_phone || draft.caller_phone || call.callerNumber;
      conf.phone = { text: "来电号码", level: "high" };
    }
    return { values, conf, department: fields.suggested_department || null };
  }

  return { of };
})();
