// Shared helpers of the hotline pages: session, API calls with typed errors, small DOM helpers.
"use strict";

const Hotline = (() => {
  const API = "/api/v1";
  const KEY = "hotline.session";
  const HOMES = {
    department: "/ui/department/inbox.html",
    supervisor: "/ui/supervisor/index.html",
    admin: "/ui/supervisor/index.html",
    agent: "/ui/agent/index.html",
  };

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.errorId = (body && body.error_id) || "http_error";
      this.details = (body && body.details) || {};
    }
  }

  function session() {
    const raw = sessionStorage.getItem(KEY);
    return raw ? JSON.parse(raw) : null;
  }

  async function login(username, password) {
    const response = await fetch(`${API}/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    const me = { token: body.access_token, role: body.role, username, expires: body.expires_at };
    sessionStorage.setItem(KEY, JSON.stringify(me));
    return me;
  }

  function logout() {
    sessionStorage.removeItem(KEY);
    window.location.href = "/ui/";
  }

  // Pages call this first: no session → back to the login page.
  function requireSession(...roles) {
    const me = session();
    if (!me || (roles.length && !roles.includes(me.role))) {
      window.location.href = "/ui/";
      throw new Error("not logged in");
    }
    return me;
  }

  async function api(path, { method = "GET", body, query } = {}) {
    const me = session();
    const url = new URL(`${API}${path}`, window.location.origin);
    for (const [key, value] of Object.entries(query || {})) {
      if (value === undefined || value === null || value === "") continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
    }
    const headers = {};
    if (me) headers.Authorization = `Bearer ${me.token}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload });
    if (response.status === 401) logout();
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("application/json") ? await response.json() : await response.text();
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function showError(error, target = "error") {
    const element = document.getElementById(target);
    if (element) element.textContent = error.errorId ? `${error.message}（${error.errorId}）` : String(error.message || error);
  }

  function clearError(target = "error") {
    const element = document.getElementById(target);
    if (element) element.textContent = "";
  }

  // Build an element: el("td", {class: "x"}, "text", child, ...)
  function el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  function shanghai(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  function homeFor(role) {
    return HOMES[role] || "/ui/";
  }

  // Typed API errors in Chinese: what went wrong, the server's words, the error id.
  const ERROR_ZH = {
    telephony_unavailable: "电话系统暂时不可用",
    service_unavailable: "服务暂时不可用",
    invalid_input: "输入有误",
    malformed_json: "请求格式错误",
    not_found: "未找到",
    conflict: "与现有数据冲突",
    illegal_transition: "当前状态不允许此操作",
    stale_version: "工单已被他人修改，请刷新后重试",
    authentication_required: "登录已失效，请重新登录",
    permission_denied: "没有权限",
    draft_taken: "该来电草稿已登记为工单",
    unknown_draft: "来电草稿不存在",
    network: "网络连接失败",
  };

  function describeError(error) {
    if (!(error instanceof ApiError)) {
      const network = error instanceof TypeError; // fetch() failed: no answer at all
      return network ? `${ERROR_ZH.network}（network）` : String((error && error.message) || error);
    }
    const head = ERROR_ZH[error.errorId] || `请求失败（HTTP ${error.status}）`;
    const fields = (error.details.errors || []).map((e) => `${e.field}：${e.problem}`);
    if (error.details.field && !fields.length) fields.push(`字段 ${error.details.field}`);
    const extra = fields.length ? `；${fields.join("；")}` : "";
    return `${head}：${error.message}${extra}（${error.errorId}）`;
  }

  // A WebSocket under /api/v1 with the session's token that comes back after a drop: exponential
  // backoff with jitter (1 s … 30 s), a ping every 20 s. onState(state, info) hears "connecting",
  // "open", "retrying" ({delay, attempt}) and "refused" ({code, reason}: no retry). 4401 → log in again.
  function liveSocket(path, { onMessage, onState = () => {}, onOpen = () => {} }) {
    let attempt = 0;
    let socket = null;
    let timer = null;
    let ping = null;
    let stopped = false;

    function open() {
      const me = session();
      if (!me) return logout();
      const url = new URL(`${API}${path}`, window.location.origin);
      url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("token", me.token);
      onState("connecting", { attempt });
      socket = new WebSocket(url);
      socket.addEventListener("open", () => {
        attempt = 0;
        onState("open", {});
        ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("ping"), 20_000);
        onOpen();
      });
      socket.addEventListener("message", (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        onMessage(message);
      });
      socket.addEventListener("close", (event) => {
        clearInterval(ping);
        if (stopped) return;
        if (event.code === 4401) return logout();
        if (event.code === 4403 || event.code === 4404) {
          onState("refused", { code: event.code, reason: event.reason });
          return;
        }
        const delay = Math.min(30, 2 ** attempt) * (0.5 + Math.random() / 2);
        attempt += 1;
        onState("retrying", { delay, attempt });
        timer = setTimeout(open, delay * 1000);
      });
    }

    open();
    return {
      close() {
        stopped = true;
        clearTimeout(timer);
        clearInterval(ping);
        if (socket) socket.close();
      },
      get readyState() {
        return socket ? socket.readyState : WebSocket.CLOSED;
      },
    };
  }

  // "3分05秒" from seconds.
  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    if (s < 60) return `${s}秒`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}分${String(s % 60).padStart(2, "0")}秒`;
    return `${Math.floor(m / 60)}小时${String(m % 60).padStart(2, "0")}分`;
  }

  return {
    ApiError, api, clearError, describeError, duration, el, homeFor, liveSocket, login, logout, requireSession,
    session, shanghai, showError,
  };
})();
