// The shared inbox page: the list from GET /api/v1/inbox (refreshed every few seconds
// and after each action), SLA countdowns ticking each second, and the row actions.
// Rules and refusal codes: docs/inbox.md.
import { api, ApiError, h, clock, nowSeconds, syncClock } from "./live.js";

const REFRESH_MS = 10000;
const root = document.getElementById("inbox");
const rowsEl = document.getElementById("inbox-rows");
const emptyEl = document.getElementById("inbox-empty");
const moreEl = document.getElementById("inbox-more");
const errorEl = document.getElementById("inbox-error");
const noticeEl = document.getElementById("inbox-notice");
const form = document.getElementById("inbox-filters");
const me = root.dataset.userId;
const canAssign = root.dataset.canAssign === "true";

let items = [];
let nextCursor = null;
let queues = new Map();
let agents = [];

function say(el, text) {
  el.textContent = text || "";
  el.hidden = !text;
}

function query(cursor) {
  const params = new URLSearchParams();
  const status = document.getElementById("filter-status").value;
  const channel = document.getElementById("filter-channel").value;
  const assignee = document.getElementById("filter-assignee").value;
  params.set("status", status);
  if (channel) params.set("channel_kind", channel);
  if (assignee) params.set("assignee", assignee);
  if (document.getElementById("filter-breached").checked) params.set("breached", "true");
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/inbox?${params}`;
}

async function load() {
  try {
    const page = await api("GET", query(null));
    items = page.items;
    nextCursor = page.next_cursor;
    render();
    say(errorEl, "");
  } catch (err) {
    say(errorEl, err instanceof ApiError ? err.detail : String(err));
  }
}

async function loadMore() {
  if (!nextCursor) return;
  try {
    const page = await api("GET", query(nextCursor));
    items = items.concat(page.items);
    nextCursor = page.next_cursor;
    render();
  } catch (err) {
    say(errorEl, err instanceof ApiError ? err.detail : String(err));
  }
}

function slaText(sla) {
  if (!sla) return { text: "—", breached: false };
  const left = Date.parse(sla.due_at) / 1000 - nowSeconds();
  const label = sla.kind === "first_response" ? "first reply" : "next reply";
  if (left <= 0) return { text: `${label} overdue ${clock(-left)}`, breached: true };
  return { text: `${label} in ${clock(left)}`, breached: false };
}

function tick() {
  for (const el of rowsEl.querySelectorAll(".sla[data-due]")) {
    const sla = { due_at: el.dataset.due, kind: el.dataset.kind };
    const { text, breached } = slaText(sla);
    el.textContent = text;
    el.classList.toggle("breached", breached);
  }
}

async function act(item, path, body, done) {
  try {
    await api("POST", `/api/v1/inbox/${encodeURIComponent(item.id)}/${path}`, body);
    say(noticeEl, done);
    say(errorEl, "");
  } catch (err) {
    say(errorEl, err instanceof ApiError ? `${err.detail} (${err.code})` : String(err));
  }
  await load();
}

function resolveControls(item) {
  const queue = queues.get(item.queue_id);
  const codes = queue ? queue.wrap_up_codes : [];
  const select = codes.length
    ? h(
        "select",
        { class: "resolve-code", "aria-label": "Wrap-up code" },
        queue.wrap_up_required ? null : h("option", { value: "" }, "No code"),
        codes.map((c) => h("option", { value: c.code }, c.label)),
      )
    : null;
  const button = h(
    "button",
    {
      type: "button",
      class: "resolve",
      onclick: () => act(item, "resolve", select && select.value ? { code: select.value } : {}, "Resolved."),
    },
    "Resolve",
  );
  return [select, button];
}

function actions(item) {
  const mine = item.assignee && item.assignee.id === me;
  const out = [];
  if (item.status === "resolved") return out;
  if (!mine) {
    out.push(h("button", { type: "button", class: "assign-me", onclick: () => act(item, "assign", {}, "Assigned to you.") }, "Assign to me"));
  }
  if (canAssign && agents.length) {
    const pick = h(
      "select",
      { class: "assign-agent", "aria-label": "Agent" },
      agents.map((a) => h("option", { value: a.id }, a.display_name)),
    );
    out.push(pick);
    out.push(
      h(
        "button",
        { type: "button", class: "assign-to", onclick: () => act(item, "assign", { agent_id: pick.value }, "Assigned.") },
        "Assign to…",
      ),
    );
  }
  if (mine && item.state === "assigned") {
    out.push(h("button", { type: "button", class: "set-pending", onclick: () => act(item, "pending", undefined, "Pending: waiting on the customer.") }, "Set pending"));
  }
  if (mine || canAssign) out.push(...resolveControls(item));
  return out;
}

function row(item) {
  const sla = slaText(item.sla);
  return h(
    "tr",
    { dataset: { id: item.id, status: item.status }, class: "inbox-row" },
    h("td", { class: "contact" }, item.contact.name),
    h("td", { class: "subject" }, item.subject || item.preview, item.subject ? h("span", { class: "preview" }, item.preview) : null),
    h("td", { class: "channel" }, item.channel_name || item.channel_kind),
    h("td", null, h("span", { class: "status", dataset: { status: item.status } }, item.status)),
    h("td", { class: "assignee" }, item.assignee ? item.assignee.name : "Unassigned"),
    h(
      "td",
      null,
      h(
        "span",
        {
          class: sla.breached ? "sla breached" : "sla",
          dataset: item.sla ? { due: item.sla.due_at, kind: item.sla.kind } : {},
        },
        sla.text,
      ),
    ),
    h("td", null, h("div", { class: "actions" }, actions(item))),
  );
}

function render() {
  rowsEl.replaceChildren(...items.map(row));
  emptyEl.hidden = items.length > 0;
  moreEl.hidden = !nextCursor;
}

async function start() {
  await syncClock();
  try {
    queues = new Map((await api("GET", "/api/v1/queues")).map((q) => [q.id, q]));
  } catch (err) {
    queues = new Map(); // a reader without queue access resolves nothing anyway
  }
  if (canAssign) {
    try {
      agents = (await api("GET", "/api/v1/users")).filter((u) => u.active && (u.role === "agent" || u.role === "team_leader"));
    } catch (err) {
      agents = [];
    }
  }
  await load();
  setInterval(tick, 1000);
  setInterval(load, REFRESH_MS);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
moreEl.addEventListener("click", loadMore);
start();
