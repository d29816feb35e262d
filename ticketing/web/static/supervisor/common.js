// Shared bits of the supervisor pages: header navigation, labels, downloads with the bearer token.
"use strict";

const Supervisor = (() => {
  const { el } = Hotline;

  const ROLES = ["supervisor", "admin", "agent"];

  const ACTION_ZH = {
    register: "登记", create: "草稿", reject: "不予受理", answer_directly: "直办", dispatch: "交办",
    escalate: "报请批办", instruct: "批办", accept: "签收", return: "退件", promise: "承诺办理",
    request_extension: "延期申请", approve_extension: "延期批准", deny_extension: "延期驳回",
    reply: "回复", close: "办结", callback: "回访", archive: "归档", urge: "催办", supervise: "督办",
    recall: "收回", merge_repeat: "并单", overdue: "超期",
  };

  const RULE_ZH = {
    "R-SCORE.overdue": "超期",
    "R-SCORE.late_response": "24小时内未签收/退件",
    "R-SCORE.redo": "回访不满意重办",
    "R-SCORE.repeat": "政策未落实重复反映",
    "R-SCORE.very_satisfied": "回访非常满意",
    "R-SCORE.manual": "手工项",
  };

  // Header with navigation; call first on every supervisor page.
  function start(title) {
    const me = Hotline.requireSession(...ROLES);
    document.title = `12345 — ${title}`;
    const header = el("header", {},
      el("h1", {}, `12345 政务服务便民热线 · ${title}`),
      el("nav", {},
        el("a", { href: "/ui/supervisor/index.html" }, "督办总览"),
        el("a", { href: "/ui/supervisor/statistics.html" }, "统计"),
        el("a", { href: "/ui/supervisor/scores.html" }, "考核评分"),
        el("span", { class: "who" }, ` ${me.username}（${me.role}）`),
        el("button", { id: "logout", onclick: () => Hotline.logout() }, "退出")));
    document.body.prepend(header);
    return me;
  }

  function param(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  function ticketLink(number) {
    if (!number) return "—";
    return el("a", { href: `/ui/supervisor/ticket.html?ref=${encodeURIComponent(number)}`, class: "ticket-link" }, number);
  }

  function percent(ratio) {
    if (!ratio || ratio.rate === null || ratio.rate === undefined) return "—";
    return `${(ratio.rate * 100).toFixed(1)}%（${ratio.numerator}/${ratio.denominator}）`;
  }

  function thisMonth() {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" })
      .formatToParts(new Date());
    const get = (type) => parts.find((p) => p.type === type).value;
    return `${get("year")}-${get("month")}`;
  }

  // Fetch a file with the bearer token and hand it to the browser as a download.
  async function download(path, query, filename) {
    const url = new URL(`/api/v1${path}`, window.location.origin);
    for (const [key, value] of Object.entries(query)) if (value) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${Hotline.session().token}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Hotline.ApiError(response.status, body);
    }
    const blob = await response.blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  async function departments() {
    return Hotline.api("/departments");
  }

  return { ACTION_ZH, RULE_ZH, departments, download, param, percent, start, thisMonth, ticketLink };
})();
