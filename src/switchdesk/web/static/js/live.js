// Shared plumbing of the live pages: a reconnecting WebSocket, JSON REST calls with
// the CSRF header, DOM building without innerHTML, and time formatting.
// Protocol: docs/live.md. No build step: this file is served as an ES module.

/** ws:// or wss:// URL of a path on this host. */
export function wsUrl(path) {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
}

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Not connected",
};

/**
 * A WebSocket that reconnects with exponential backoff (and jitter) when it drops.
 * Every (re)connection starts with a fresh snapshot from the server, so callers simply
 * re-render from it. `onState(state, detail)` reports "connecting" | "open" |
 * "reconnecting" (detail = seconds until the next try) | "offline".
 */
export class LiveSocket {
  constructor(path, { onOpen, onFrame, onState, onRetry, minDelayMs = 500, maxDelayMs = 15000 } = {}) {
    this.path = path;
    this.onOpen = onOpen || (() => {});
    this.onFrame = onFrame || (() => {});
    this.onState = onState || (() => {});
    this.onRetry = onRetry || (() => {});
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this._connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close(1000, "bye");
    }
    this.onState("offline");
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame; false when the socket is not open (the caller keeps it for later). */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Count the connection as healthy (e.g. once its snapshot arrived): reset backoff. */
  healthy() {
    this.attempt = 0;
  }

  _connect() {
    clearTimeout(this.timer);
    this.onState(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.path));
    } catch (err) {
      this._retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.onState("open");
      this.onOpen();
    };
    ws.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (frame && typeof frame.type === "string") this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      // 4401/4403/4404: the server refused for good (signed out, no permission, not
      // found); retrying would not help.
      if ([4401, 4403, 4404].includes(event.code)) {
        this.stopped = true;
        this.onState("offline");
        return;
      }
      this._retry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  _retry() {
    const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.onState("reconnecting", Math.ceil(delay / 1000));
    this.onRetry(this.attempt);
    this.timer = setTimeout(() => this._connect(), delay);
  }
}

/** Show a connection state in an element (text + data-state for styling and tests). */
export function showConnection(element, state, seconds) {
  if (!element) return;
  element.dataset.state = state;
  let text = CONNECTION_TEXT[state] || state;
  if (state === "reconnecting" && seconds) text = `Reconnecting in ${seconds} s…`;
  element.textContent = text;
  element.title = text;
}

/** An error from a REST call, carrying the problem+json `code` and `detail`. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/** fetch() a JSON API; throws ApiError with the problem's detail on failure. */
export async function api(method, url, body) {
  const headers = { Accept: "application/json, application/problem+json" };
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    let code = "http_error";
    let detail = `${response.status} ${response.statusText}`.trim();
    try {
      const problem = await response.json();
      code = problem.code || code;
      detail = problem.detail || problem.title || detail;
    } catch (err) {
      /* not JSON: keep the status line */
    }
    throw new ApiError(response.status, code, detail);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : null;
}

/**
 * Build an element: h("button", {class: "x", dataset: {id: 1}, onclick: f}, "text", child).
 * Strings become text nodes (never HTML); null/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Elements of the SVG namespace (for small inline charts). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key === "class") el.setAttribute("class", value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

let clockOffsetSeconds = 0;

/** Seconds since the epoch on the server's clock (timestamps in frames are the server's). */
export function nowSeconds() {
  return Date.now() / 1000 + clockOffsetSeconds;
}

/**
 * Learn how far this computer's clock is from the server's, from the Date header of a
 * small request, so countdowns to `expires_at` stay right on a badly set PC. The header
 * has one-second resolution: offsets under 2 s are ignored.
 */
export async function syncClock() {
  try {
    const sent = Date.now();
    const response = await fetch("/readyz", { cache: "no-store", credentials: "same-origin" });
    const received = Date.now();
    const header = response.headers.get("date");
    if (!header) return;
    const offset = (Date.parse(header) + 500 - (sent + received) / 2) / 1000;
    clockOffsetSeconds = Math.abs(offset) >= 2 ? offset : 0;
  } catch (err) {
    /* keep the local clock */
  }
}

/**
 * After a few failed reconnections of a signed-in page, check whether the session is
 * still valid; if not, go to the sign-in page and come back here afterwards.
 */
export async function checkSignedIn(attempt) {
  if (attempt < 3 || attempt % 3 !== 0) return;
  try {
    const response = await fetch("/api/v1/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    }
  } catch (err) {
    /* the server is down: keep retrying */
  }
}

/** 42 -> "0:42", 3725 -> "1:02:05". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** An estimated wait in words: "less than a minute", "about 1 minute", "about 5 minutes". */
export function waitWords(seconds) {
  if (seconds === null || seconds === undefined || seconds < 45) return "less than a minute";
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? "about 1 minute" : `about ${minutes} minutes`;
}

/** "14:05" from an ISO time, in the viewer's time zone. */
export function timeOfDay(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || "";
  return d.toLocaleString([], { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A random id that works outside secure contexts too (crypto.randomUUID does not). */
export function randomId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Call `fn` at most once every `ms` milliseconds. `.reset()` forgets the last call: after
 * a message is sent the other side hides "typing…", so the next keystroke must say it again.
 */
export function throttle(fn, ms) {
  let last = 0;
  const throttled = (...args) => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      fn(...args);
    }
  };
  throttled.reset = () => {
    last = 0;
  };
  return throttled;
}
