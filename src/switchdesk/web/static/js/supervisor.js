// The supervisor's live view (docs/live.md, "Supervisor live view"): one row per queue
// and per agent, replaced by id as `queue` and `agent` events arrive; waits and times in
// state tick every second on the client.
import { LiveSocket, showConnection, syncClock, checkSignedIn, api, h, svg, clock, nowSeconds } from "./live.js";

const $ = (id) => document.getElementById(id);
const ui = {
  conn: $("conn-state"),
  queues: $("queues-body"),
  agents: $("agents-body"),
};

const state = { queues: new Map(), agents: new Map(), reasons: [] };

// Contact names of conversations whose row did not carry one, looked up once each.
const contactNames = new Map(); // conversation id -> name, or null while asked
function contactName(conversation) {
  if (conversation.contact_name) return conversation.contact_name;
  const id = conversation.id;
  if (!contactNames.has(id)) {
    contactNames.set(id, null);
    api("GET", `/api/v1/conversations/${encodeURIComponent(id)}`)
      .then((detail) => {
        contactNames.set(id, (detail.contact && detail.contact.name) || "a contact");
        render();
      })
      .catch(() => contactNames.set(id, "a contact"));
  }
  return contactNames.get(id) || "…";
}

function agentState(a) {
  if (a.presence === "offline") return { key: "offline", text: "Offline" };
  if (a.presence === "not_ready") {
    // Not ready stops new offers; work in hand goes on.
    const busy = a.activity === "on_contact" || a.activity === "after_contact_work";
    return { key: "not_ready", text: busy ? "Not ready (finishing work)" : "Not ready" };
  }
  switch (a.activity) {
    case "offered":
      return { key: "offered", text: "Offer ringing" };
    case "on_contact":
      return { key: "busy", text: "On contact" };
    case "after_contact_work":
      return { key: "acw", text: "After-contact work" };
    case "missed":
      return { key: "missed", text: "Missed offer" };
    default:
      return { key: "available", text: "Available" };
  }
}

function words(code) {
  if (!code) return "";
  const s = String(code).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A small horizontal bar for a 0..1 share, with the percentage next to it. */
function serviceLevel(value, threshold) {
  if (value === null || value === undefined) {
    return h("span", { class: "muted", dataset: { testid: "service-level" } }, "no contacts yet");
  }
  const pct = Math.round(value * 100);
  const tone = pct >= 80 ? "good" : pct >= 60 ? "fair" : "poor";
  const bar = svg(
    "svg",
    { class: `sl-bar ${tone}`, width: 100, height: 10, viewBox: "0 0 100 10", role: "img", "aria-label": `${pct}%` },
    svg("rect", { class: "sl-track", x: 0, y: 0, width: 100, height: 10, rx: 3 }),
    svg("rect", { class: "sl-fill", x: 0, y: 0, width: Math.max(0, Math.min(100, pct)), height: 10, rx: 3 }),
  );
  return h(
    "span",
    { class: "sl", title: threshold ? `Answered within ${threshold} s` : "" },
    bar,
    h("span", { class: "sl-value", dataset: { testid: "service-level" } }, `${pct}%`),
  );
}

function queueRow(q) {
  return h(
    "tr",
    { dataset: { testid: "queue-row", queueId: q.id }, class: q.waiting ? "has-waiting" : "" },
    h("th", { scope: "row", class: "queue-name" }, q.name),
    h("td", { class: "num", dataset: { testid: "queue-waiting" } }, String(q.waiting)),
    h("td", { class: "num ticking", dataset: { testid: "queue-longest", since: q.oldest_waiting_since ?? "" } }, "–"),
    h("td", { class: "num", dataset: { testid: "queue-available" } }, String(q.agents_available)),
    h("td", { class: "num", dataset: { testid: "queue-busy" } }, String(q.agents_busy)),
    h("td", { class: "num", dataset: { testid: "queue-not-ready" } }, String(q.agents_not_ready)),
    h("td", {}, serviceLevel(q.service_level_today, q.threshold_seconds)),
    h("td", { class: "num" }, String(q.answered_today ?? 0)),
    h("td", { class: "num" }, String(q.abandoned_today ?? 0)),
  );
}

function agentRow(a) {
  const st = agentState(a);
  const convs = a.conversations || [];
  return h(
    "tr",
    { dataset: { testid: "agent-row", agentId: a.id, state: st.key } },
    h("th", { scope: "row", class: "agent-name" }, a.name),
    h("td", {}, h("span", { class: `state-pill ${st.key}`, dataset: { testid: "agent-state" } }, st.text)),
    h("td", { dataset: { testid: "agent-reason" } }, a.presence === "not_ready" ? words(a.reason) : ""),
    h("td", { class: "num ticking", dataset: { testid: "agent-since", since: a.since ?? "" } }, "–"),
    h(
      "td",
      { dataset: { testid: "agent-conversations" } },
      convs.length
        ? convs.map((c, i) => [i ? ", " : "", contactName(c)])
        : h("span", { class: "muted" }, "—"),
    ),
  );
}

function byName(a, b) {
  return String(a.name).localeCompare(String(b.name));
}

function render() {
  const queues = [...state.queues.values()].sort(byName);
  ui.queues.replaceChildren(
    ...(queues.length ? queues.map(queueRow) : [h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No queues you may watch."))]),
  );
  const agents = [...state.agents.values()].sort(byName);
  ui.agents.replaceChildren(
    ...(agents.length ? agents.map(agentRow) : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No agents."))]),
  );
  renderTotals();
  renderStateControl();
  tick();
}

// ------------------------------------------------------------------ setting an agent's state
// (only for supervisors with team.manage: the form is on the page then)

const stateForm = $("agent-state-form");

/** Fill the form's menus, keeping what the supervisor picked (rows re-render often). */
function renderStateControl() {
  if (!stateForm) return;
  const agentMenu = $("agent-state-agent");
  const valueMenu = $("agent-state-value");
  const agent = agentMenu.value;
  const value = valueMenu.value;
  const agents = [...state.agents.values()].sort(byName);
  agentMenu.replaceChildren(...agents.map((a) => h("option", { value: a.id }, a.name)));
  if (agents.some((a) => a.id === agent)) agentMenu.value = agent;
  valueMenu.replaceChildren(
    h("option", { value: "available" }, "Available"),
    ...state.reasons.map((r) => h("option", { value: `not_ready:${r.code}` }, `Not ready – ${r.label}`)),
    h("option", { value: "offline" }, "Signed out"),
  );
  if ([...valueMenu.options].some((o) => o.value === value)) valueMenu.value = value;
}

if (stateForm) {
  stateForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const agentId = $("agent-state-agent").value;
    const [presence, reason] = $("agent-state-value").value.split(":");
    const result = $("agent-state-result");
    try {
      const row = await api("PUT", `/api/v1/live/agents/${encodeURIComponent(agentId)}/presence`, {
        presence,
        reason: reason || null,
      });
      state.agents.set(row.id, row);
      render();
      result.textContent = `${row.name}: ${agentState(row).text}.`;
    } catch (err) {
      result.textContent = err.message || String(err);
    }
  });
}

function renderTotals() {
  const queues = [...state.queues.values()];
  const agents = [...state.agents.values()];
  $("total-waiting").textContent = String(queues.reduce((n, q) => n + (q.waiting || 0), 0));
  const keys = agents.map((a) => agentState(a).key);
  $("total-available").textContent = String(keys.filter((k) => k === "available").length);
  $("total-busy").textContent = String(keys.filter((k) => ["busy", "offered", "acw"].includes(k)).length);
  $("total-not-ready").textContent = String(keys.filter((k) => k === "not_ready" || k === "missed").length);
}

function tick() {
  const now = nowSeconds();
  for (const el of document.querySelectorAll(".ticking")) {
    const since = Number(el.dataset.since);
    el.textContent = el.dataset.since && since ? clock(now - since) : "–";
  }
  const oldest = Math.min(...[...state.queues.values()].map((q) => q.oldest_waiting_since || Infinity));
  $("total-longest").textContent = Number.isFinite(oldest) ? clock(now - oldest) : "–";
}

const handlers = {
  snapshot(frame) {
    socket.healthy();
    state.queues = new Map((frame.queues || []).map((q) => [q.id, q]));
    state.agents = new Map((frame.agents || []).map((a) => [a.id, a]));
    state.reasons = frame.reasons || [];
    render();
  },
  queue(frame) {
    state.queues.set(frame.queue.id, frame.queue);
    render();
  },
  agent(frame) {
    // Only people taking interactions are listed: a team leader's row goes when they sign
    // out of their desk (the server says so in `listed`).
    if (frame.agent.listed === false) state.agents.delete(frame.agent.id);
    else state.agents.set(frame.agent.id, frame.agent);
    render();
  },
};

const socket = new LiveSocket("/ws/supervisor", {
  onState: (s, seconds) => showConnection(ui.conn, s, seconds),
  onRetry: checkSignedIn,
  onFrame: (frame) => (handlers[frame.type] || (() => {}))(frame),
});
socket.start();
syncClock();
setInterval(tick, 1000);
