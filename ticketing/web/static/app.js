// Shared helpers of the hotline pages: session, API calls with typed errors, small DOM helpers.
"use strict";

const Hotline = (() => {
  const API = "/api/v1";
  const KEY = "hotline.session";
  const HOMES = {
    department: "/ui/department/inbox.html",
    supervisor: "/ui/supervisor/index.html",
    admin: "/ui/supervisor/index.html",
    agent: "/ui/supervisor/index.html",
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

  return { ApiError, api, clearError, el, homeFor, login, logout, requireSession, session, shanghai, showError };
})();
