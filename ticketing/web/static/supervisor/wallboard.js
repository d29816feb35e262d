// The live wallboard: queues, today's figures, agents and the waiting-time chart, pushed over the
// WebSocket /api/v1/wallboard/events (at most once a second); GET /api/v1/wallboard for the first view.
"use strict";

(() => {
  const early = Hotline.session();
  if (early && !["supervisor", "admin"].includes(early.role)) {
    window.location.href = Hotline.homeFor(early.role);
    return;
  }
  Supervisor.start("实时监控");
  const { el, describeError, duration } = Hotline;
  const $ = (id) => document.getElementById(id);
  const nav = document.querySelector("header nav");
  nav.insertBefore(el("a", { href: "/ui/supervisor/wallboard.html", class: "current" }, "实时监控"), nav.querySelector(".who"));

  const QUEUE_LABELS = {
    "hotline-consult": "咨询", "hotline-help": "求助", "hotline-complaint-report": "投诉/举报",
    "hotline-suggestion-praise": "建议/表扬", "hotline-general": "综合（人工）",
  };
  const STATE_LABELS = {
    ready: "就绪", ringing: "振铃", busy: "通话", paused: "暂停", wrap_up: "后处理", logged_out: "签出",
    unavailable: "话机未注册",
  };
  const STATE_ORDER = ["ready", "ringing", "busy", "paused", "wrap_up", "unavailable", "logged_out"];

  let board = null;
  let receivedAt = 0;

  function percent(ratio) {
    return ratio === null || ratio === undefined ? "—" : `${(ratio * 100).toFixed(1)}%`;
  }

  function waitText(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function liveLongest(queue) {
    return queue.waiting ? queue.longest_wait_s + (Date.now() - receivedAt) / 1000 : 0;
  }

  function stateLabel(agent) {
    if (agent.state === "paused") return agent.reason || STATE_LABELS.paused;
    return STATE_LABELS[agent.state] || agent.state;
  }

  function render(snapshot) {
    board = snapshot;
    receivedAt = Date.now();
    $("error").textContent = "";
    $("wb-sl-s").textContent = Math.round(snapshot.service_level_s);
    $("wb-updated").textContent = `更新于 ${new Date(snapshot.at * 1000).toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })}`;
    const total = snapshot.total;
    const set = (id, value) => { document.querySelector(`[data-testid="${id}"]`).textContent = value; };
    set("total-waiting", total.waiting);
    set("total-offered", total.offered);
    set("total-answered", total.answered);
    set("total-abandoned", total.abandoned);
    set("total-service-level", percent(total.service_level));
    set("total-abandon-rate", percent(total.abandon_rate));
    $("card-waiting").classList.toggle("alert", total.waiting > 0);

    const rows = snapshot.queues.map((q) => el("tr", { "data-testid": "queue-row", "data-queue": q.queue, class: q.waiting ? "waiting" : "" },
      el("td", {}, QUEUE_LABELS[q.queue] || q.queue, el("span", { class: "muted small" }, ` ${q.queue}`)),
      el("td", { "data-col": "waiting", class: q.waiting ? "hot" : "" }, q.waiting),
      el("td", { "data-col": "longest" }, q.waiting ? waitText(q.longest_wait_s) : "—"),
      el("td", { "data-col": "offered" }, q.offered),
      el("td", { "data-col": "answered" }, q.answered),
      el("td", { "data-col": "abandoned" }, q.abandoned),
      el("td", { "data-col": "service_level" }, percent(q.service_level)),
      el("td", { "data-col": "abandon_rate" }, percent(q.abandon_rate))));
    document.querySelector("#queue-table tbody").replaceChildren(...rows);
    document.querySelector("#queue-table tfoot").replaceChildren(el("tr", { "data-testid": "queue-total" },
      el("th", {}, "合计"), el("th", { "data-col": "waiting" }, total.waiting), el("th", { "data-col": "longest" }, "—"),
      el("th", { "data-col": "offered" }, total.offered), el("th", { "data-col": "answered" }, total.answered),
      el("th", { "data-col": "abandoned" }, total.abandoned), el("th", { "data-col": "service_level" }, percent(total.service_level)),
      el("th", { "data-col": "abandon_rate" }, percent(total.abandon_rate))));

    const counts = snapshot.agent_counts || {};
    $("agent-counts").textContent = STATE_ORDER.filter((s) => counts[s]).map((s) => `${STATE_LABELS[s]} ${counts[s]}`).join(" · ");
    $("agents").replaceChildren(...(snapshot.agents.length ? snapshot.agents.map((a) => el("div", {
      class: `agent state-${a.state}`, "data-testid": "agent-card", "data-extension": a.extension, "data-state": a.state,
      "data-since": a.since,
    },
    el("div", { class: "agent-name" }, a.name),
    el("div", { class: "muted small" }, `分机 ${a.extension}`),
    el("div", { class: "agent-state", "data-testid": "agent-state" }, stateLabel(a)),
    el("div", { class: "agent-since small" }, ""))) : [el("p", { class: "muted" }, "没有坐席")]));
    chart(snapshot.waits || [], snapshot.service_level_s);
    tick();
  }

  function tick() {
    if (!board) return;
    let longest = 0;
    for (const q of board.queues) {
      const seconds = liveLongest(q);
      longest = Math.max(longest, seconds);
      const cell = document.querySelector(`[data-queue="${q.queue}"] [data-col="longest"]`);
      if (cell && q.waiting) cell.textContent = waitText(seconds);
    }
    document.querySelector('[data-testid="total-longest"]').textContent = board.total.waiting ? waitText(longest) : "—";
    for (const card of document.querySelectorAll("[data-testid=agent-card]")) {
      const since = Date.parse(card.dataset.since);
      card.querySelector(".agent-since").textContent = Number.isNaN(since) ? "" : `已持续 ${duration((Date.now() - since) / 1000)}`;
    }
  }

  // An inline SVG bar chart: one bar per answered call (its wait), the service-level line dashed.
  function chart(waits, serviceLevel) {
    const box = $("waits-chart");
    if (!waits.length) {
      box.replaceChildren(el("p", { class: "muted" }, "今日暂无接通的来电"));
      return;
    }
    const NS = "http://www.w3.org/2000/svg";
    const svg = (tag, attributes = {}, text) => {
      const node = document.createElementNS(NS, tag);
      for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const W = 640, H = 220, left = 40, right = 10, top = 10, bottom = 30;
    const max = Math.max(serviceLevel * 1.5, ...waits.map((w) => w.wait_s), 1);
    const plotW = W - left - right, plotH = H - top - bottom;
    const step = plotW / Math.max(waits.length, 10);
    const y = (v) => top + plotH - (v / max) * plotH;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "接通前等待时长", "data-testid": "waits-svg" });
    for (const v of [0, max / 2, max]) {
      root.append(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "grid" }));
      root.append(svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "axis" }, `${Math.round(v)}秒`));
    }
    waits.forEach((w, i) => {
      const h = Math.max(1, (w.wait_s / max) * plotH);
      const bar = svg("rect", {
        x: left + i * step + step * 0.15, y: top + plotH - h, width: step * 0.7, height: h,
        class: w.wait_s <= serviceLevel ? "bar ok" : "bar late", "data-testid": "wait-bar",
      });
      const at = new Date(w.at * 1000).toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
      bar.append(svg("title", {}, `${at} 等待 ${w.wait_s} 秒`));
      root.append(bar);
    });
    root.append(svg("line", { x1: left, x2: W - right, y1: y(serviceLevel), y2: y(serviceLevel), class: "sl" }));
    root.append(svg("text", { x: W - right, y: y(serviceLevel) - 4, "text-anchor": "end", class: "sl-label" }, `服务水平 ${Math.round(serviceLevel)} 秒`));
    const first = new Date(waits[0].at * 1000), last = new Date(waits[waits.length - 1].at * 1000);
    const hm = (d) => d.toLocaleTimeString("zh-CN", { hour12: false, hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai" });
    root.append(svg("text", { x: left, y: H - 8, class: "axis" }, hm(first)));
    root.append(svg("text", { x: W - right, y: H - 8, "text-anchor": "end", class: "axis" }, hm(last)));
    box.replaceChildren(root);
  }

  function telephony(connected, reason) {
    const pill = $("wb-telephony");
    pill.dataset.connected = connected ? "1" : "0";
    pill.textContent = connected ? "电话系统：已接入" : `电话系统：未连接${reason ? `（${reason}）` : ""}`;
  }

  function socketState(state, info) {
    const pill = $("wb-ws-state");
    pill.dataset.state = state;
    pill.textContent = {
      connecting: "实时连接中…",
      open: "实时更新中",
      retrying: `连接已断开，${Math.ceil(info.delay || 0)}秒后重连（第${info.attempt}次）`,
      refused: `连接被拒绝：${info.reason || info.code}`,
    }[state];
  }

  // The outbound dialer's calls in progress (回访 surveys, callbacks): "—" when no dialer runs here.
  function outbound(status) {
    const number = document.querySelector("[data-testid=total-outbound]");
    if (status.running === false) {
      number.textContent = "—";
      $("card-outbound").title = "本进程未运行外呼";
      return;
    }
    number.textContent = String(status.in_flight);
    $("card-outbound").title = `外呼中 ${status.in_flight}，已接通 ${status.answered}；本次启动以来共拨出 ${status.originated}`;
  }

  function onMessage(message) {
    if (message.type === "wallboard") {
      render(message);
      if ($("wb-telephony").dataset.connected === "") telephony(true);
    } else if (message.type === "telephony") telephony(message.connected, message.reason);
    else if (message.type === "outbound") outbound(message);
  }

  async function load() {
    try {
      render(await Hotline.api("/wallboard"));
      telephony(true);
    } catch (error) {
      $("error").textContent = error.errorId === "telephony_unavailable"
        ? `本进程未接入电话系统，监控数据不可用：${describeError(error)}` : describeError(error);
    }
    try {
      outbound(await Hotline.api("/outbound/status"));
    } catch (error) {
      outbound({ running: false });
    }
  }

  setInterval(tick, 1000);
  load();
  Hotline.liveSocket("/wallboard/events", { onMessage, onState: socketState, onOpen: load });
})();
