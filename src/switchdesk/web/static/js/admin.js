// Admin forms: each form becomes one JSON call to the API; problems are shown as they are.
// The server is the judge of every value: its problem `detail` is shown, nothing is saved.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("admin-status");
const SAVED = "switchdesk-admin-saved";

function list(value) {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

// "resolved=Resolved, spam" -> [{code: "resolved", label: "Resolved"}, {code: "spam"}]
function codes(value) {
  return list(value).map((item) => {
    const at = item.indexOf("=");
    if (at < 0) return { code: item };
    return { code: item.slice(0, at).trim(), label: item.slice(at + 1).trim() };
  });
}

function bodyOf(form) {
  const body = {};
  let path = form.dataset.endpoint;
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.hasAttribute("data-path")) { path = path.replace(`{${el.name}}`, encodeURIComponent(el.value)); continue; }
    if (el.hasAttribute("data-bool")) { body[el.name] = el.checked; continue; }
    if (el.value === "") continue;
    if (el.hasAttribute("data-number")) body[el.name] = Number(el.value);
    else if (el.hasAttribute("data-list")) body[el.name] = list(el.value);
    else if (el.hasAttribute("data-codes")) body[el.name] = codes(el.value);
    else body[el.name] = el.value;
  }
  return { path, body };
}

function describe(problem) {
  const details = (problem.errors || []).map((e) => {
    const where = (e.location || []).filter((part) => part !== "body").join(".");
    return where ? `${where}: ${e.message}` : e.message;
  });
  const detail = problem.detail || problem.title || "the server refused the change";
  return details.length ? `${detail} (${details.join("; ")})` : detail;
}

function show(text, isError) {
  status.textContent = text;
  status.className = isError ? "error" : "ok";
}

async function send(method, path, body, what) {
  show("Saving…", false);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
  } catch (err) {
    show(`Not saved: the server could not be reached (${err.message})`, true);
    return;
  }
  if (response.ok) {
    // A saved queue may come with warnings (a skill no agent has yet): said, not hidden.
    const saved = response.status === 204 ? {} : await response.json().catch(() => ({}));
    const notes = (saved.warnings || []).map((w) => ` Note: ${w}.`).join("");
    sessionStorage.setItem(SAVED, `Saved: ${what}.${notes}`);
    window.location.reload();
    return;
  }
  const problem = await response.json().catch(() => ({ detail: response.statusText }));
  show(`Not saved: ${describe(problem)}`, true);
}

// Delete buttons (queues, channels): asked once, then the server decides; a refusal
// (conversations still waiting, a channel still using the queue...) is shown as it is.
async function remove(path, what) {
  if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
  show("Deleting…", false);
  let response;
  try {
    response = await fetch(path, { method: "DELETE", headers: { "x-csrf-token": csrf } });
  } catch (err) {
    show(`Not deleted: the server could not be reached (${err.message})`, true);
    return;
  }
  if (response.ok) {
    sessionStorage.setItem(SAVED, `Deleted: ${what}.`);
    window.location.reload();
    return;
  }
  const problem = await response.json().catch(() => ({ detail: response.statusText }));
  show(`Not deleted: ${describe(problem)}`, true);
}

for (const button of document.querySelectorAll("[data-delete]")) {
  button.addEventListener("click", () => remove(button.dataset.delete, button.dataset.what));
}

const saved = sessionStorage.getItem(SAVED);
if (saved) {
  sessionStorage.removeItem(SAVED);
  show(saved, false);
}

// Rows of the skill and reason editors go away with their Remove button.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-row]");
  if (button) button.closest("tr").remove();
});

// ---------------------------------------------------------------- generic forms (queues, channels)

for (const form of document.querySelectorAll("form.admin-form[data-endpoint]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { path, body } = bodyOf(form);
    const what = form.querySelector("h3")?.textContent || "configuration";
    send(form.dataset.method || "POST", path, body, what);
  });
}

// ---------------------------------------------------------------- queues: edit in the same form

const queueForm = document.getElementById("queue-form");
const queueTitle = document.getElementById("queue-form-title");
const queueSubmit = queueForm.querySelector("button[type=submit]");
const queueCancel = queueForm.querySelector("[data-cancel-edit]");

function editQueue(queue) {
  queueForm.reset();
  queueForm.dataset.endpoint = `/api/v1/queues/${encodeURIComponent(queue.id)}`;
  queueForm.dataset.method = "PUT";
  queueTitle.textContent = `Edit queue ${queue.name}`;
  for (const el of queueForm.elements) {
    if (!el.name || !(el.name in queue)) continue;
    if (el.type === "checkbox") el.checked = Boolean(queue[el.name]);
    else el.value = queue[el.name];
  }
  queueSubmit.textContent = "Save queue";
  queueCancel.hidden = false;
  queueForm.scrollIntoView({ block: "nearest" });
  queueForm.elements.name.focus();
}

queueCancel.addEventListener("click", () => {
  queueForm.reset();
  queueForm.dataset.endpoint = queueForm.dataset.newEndpoint;
  delete queueForm.dataset.method;
  queueTitle.textContent = queueTitle.dataset.newTitle;
  queueSubmit.textContent = queueSubmit.dataset.newLabel;
  queueCancel.hidden = true;
});

for (const button of document.querySelectorAll("[data-edit-queue]")) {
  button.addEventListener("click", () => editQueue(JSON.parse(button.dataset.editQueue)));
}

// ---------------------------------------------------------------- agent profiles

const profileForm = document.getElementById("profile-form");
const skillsBody = document.querySelector("#skills-grid tbody");
const skillRow = document.getElementById("skill-row");
const defaultCapacity = JSON.parse(profileForm.dataset.defaultCapacity);
const profiles = new Map();
for (const button of document.querySelectorAll("[data-edit-profile]")) {
  const profile = JSON.parse(button.dataset.editProfile);
  profiles.set(profile.user_id, profile);
  button.addEventListener("click", () => {
    profileForm.elements.user_id.value = profile.user_id;
    fillProfile(profile);
    profileForm.scrollIntoView({ block: "nearest" });
    profileForm.elements.user_id.focus();
  });
}

function addSkill(name = "", level = "") {
  const row = skillRow.content.firstElementChild.cloneNode(true);
  row.querySelector("[data-skill-name]").value = name;
  row.querySelector("[data-skill-level]").value = level;
  skillsBody.append(row);
  return row;
}

function fillProfile(profile) {
  const capacity = profile?.capacity || defaultCapacity;
  profileForm.elements.languages.value = (profile?.languages || []).join(", ");
  skillsBody.replaceChildren();
  for (const [name, level] of Object.entries(profile?.skills || {})) addSkill(name, level);
  if (skillsBody.children.length === 0) addSkill();
  profileForm.elements.capacity_total.value = capacity.total;
  for (const row of profileForm.querySelectorAll("#capacity-grid tr[data-kind]")) {
    const kind = row.dataset.kind;
    row.querySelector("[data-cost]").value = capacity.costs?.[kind] ?? "";
    row.querySelector("[data-max]").value = capacity.maximum?.[kind] ?? "";
  }
}

function number(value) {
  return value.trim() === "" ? null : Number(value);
}

function profileBody() {
  const skills = {};
  for (const row of skillsBody.querySelectorAll("tr")) {
    const name = row.querySelector("[data-skill-name]").value.trim();
    const level = row.querySelector("[data-skill-level]").value;
    if (name === "" && level === "") continue;
    skills[name] = number(level);
  }
  const capacity = { total: number(profileForm.elements.capacity_total.value), costs: {}, maximum: {} };
  for (const row of profileForm.querySelectorAll("#capacity-grid tr[data-kind]")) {
    const cost = row.querySelector("[data-cost]").value;
    const most = row.querySelector("[data-max]").value;
    if (cost !== "") capacity.costs[row.dataset.kind] = Number(cost);
    if (most !== "") capacity.maximum[row.dataset.kind] = Number(most);
  }
  return { skills, languages: list(profileForm.elements.languages.value), capacity };
}

document.getElementById("add-skill").addEventListener("click", () => {
  addSkill().querySelector("[data-skill-name]").focus();
});
profileForm.elements.user_id.addEventListener("change", () => {
  fillProfile(profiles.get(profileForm.elements.user_id.value));
});
profileForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const select = profileForm.elements.user_id;
  // Nobody is chosen until someone is: one careless save must not edit the wrong person.
  if (!select.value) {
    select.setAttribute("aria-invalid", "true");
    show("Not saved: choose the person whose profile this is.", true);
    select.focus();
    return;
  }
  select.removeAttribute("aria-invalid");
  const who = select.selectedOptions[0]?.textContent || "agent";
  send("PUT", `/api/v1/agent-profiles/${encodeURIComponent(select.value)}`, profileBody(), `profile of ${who}`);
});
fillProfile(profiles.get(profileForm.elements.user_id.value));

// ---------------------------------------------------------------- not-ready reasons (the whole list)

const reasonsForm = document.getElementById("reasons-form");
const reasonsBody = document.querySelector("#reasons-table tbody");
const reasonRow = document.getElementById("reason-row");

document.getElementById("add-reason").addEventListener("click", () => {
  const row = reasonRow.content.firstElementChild.cloneNode(true);
  reasonsBody.append(row);
  row.querySelector("[data-reason-code]").focus();
});
reasonsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const reasons = [];
  for (const row of reasonsBody.querySelectorAll("tr")) {
    const code = row.querySelector("[data-reason-code]").value.trim();
    const label = row.querySelector("[data-reason-label]").value.trim();
    if (code === "" && label === "") continue;
    reasons.push({ code, label });
  }
  send("PUT", "/api/v1/not-ready-reasons", reasons, "not-ready reasons");
});

// ---------------------------------------------------------------- channels of every kind

const channelForm = document.getElementById("channel-form");
const channelTitle = document.getElementById("channel-form-title");
const channelError = document.getElementById("channel-form-error");
const channelSubmit = channelForm.querySelector("button[type=submit]");
const channelCancel = channelForm.querySelector("[data-cancel-edit]");
const channelWebhook = document.getElementById("channel-webhook");
const addressLabels = JSON.parse(channelForm.dataset.addressLabels);
const publicUrl = channelForm.dataset.publicUrl;
const WEBHOOK_KINDS = ["whatsapp", "messenger", "sms", "voice"];
let editing = null; // the channel being edited, or null for a new one

function channelKind() {
  return channelForm.elements.kind.value;
}

// Only the fields of the chosen kind are shown; the others are disabled (never sent).
function showKind() {
  const kind = channelKind();
  for (const el of channelForm.querySelectorAll("[data-kinds]")) {
    const on = el.dataset.kinds.split(" ").includes(kind);
    el.hidden = !on;
    if (el.tagName === "FIELDSET") el.disabled = !on;
    else for (const input of el.querySelectorAll("input, select")) input.disabled = !on;
  }
  channelForm.querySelector("[data-address-label]").textContent = addressLabels[kind] || "Address";
  showWebhook();
}

function showWebhook() {
  const kind = channelKind();
  const slug = channelForm.elements.slug.value.trim().toLowerCase() || "<slug>";
  channelWebhook.textContent = WEBHOOK_KINDS.includes(kind) ? `${publicUrl}/webhooks/${kind}/${slug}` : "";
}

function active(selector) {
  return [...channelForm.querySelectorAll(selector)].filter((el) => !el.disabled && !el.closest("[hidden]"));
}

function channelSettings() {
  const settings = {};
  const imap = active("[data-setting=imap_host]")[0]?.value.trim();
  for (const el of active("[data-setting]")) {
    if (el.hasAttribute("data-imap") && !imap) continue; // no IMAP host: no IMAP settings
    if (el.hasAttribute("data-bool")) { settings[el.dataset.setting] = el.checked; continue; }
    const value = el.value.trim();
    if (value === "") continue;
    settings[el.dataset.setting] = el.hasAttribute("data-number") ? Number(value) : value;
  }
  const secrets = {};
  for (const el of active("[data-secret]")) {
    const value = el.value.trim().toUpperCase();
    if (value !== "") secrets[el.dataset.secret] = value;
  }
  if (Object.keys(secrets).length) settings.secrets = secrets;
  return settings;
}

function channelBody() {
  const f = channelForm.elements;
  const kind = channelKind();
  const body = { name: f.name.value.trim(), queue_id: f.queue_id.value };
  if (kind === "web_chat") body.greeting = f.greeting.value;
  else body.address = f.address.value.trim();
  body.settings = channelSettings();
  if (editing) body.enabled = f.enabled.checked;
  else Object.assign(body, { kind, slug: f.slug.value.trim().toLowerCase() });
  return body;
}

function clearChannelError() {
  channelError.textContent = "";
  for (const el of channelForm.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

// The problem is shown next to the form; the field it names is marked and focused.
function showChannelError(problem) {
  channelError.textContent = `Not saved: ${describe(problem)}`;
  const located = (problem.errors || [])[0]?.location || [];
  const field = problem.field || located.filter((p) => p !== "body" && p !== "settings").join(".");
  const input = field ? active(`[data-field="${CSS.escape(field)}"]`)[0] : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "channel-form-error");
    input.focus();
  }
}

function editChannel(channel) {
  clearChannelError();
  channelForm.reset();
  editing = channel;
  const f = channelForm.elements;
  f.kind.value = channel.kind;
  f.kind.disabled = true;
  f.slug.value = channel.slug;
  f.slug.disabled = true;
  f.name.value = channel.name;
  f.queue_id.value = channel.queue_id;
  f.greeting.value = channel.greeting || "";
  f.address.value = channel.address || "";
  f.enabled.checked = channel.enabled;
  channelForm.querySelector("[data-edit-only]").hidden = false;
  showKind();
  for (const el of active("[data-setting]")) {
    const value = channel.settings[el.dataset.setting];
    if (el.hasAttribute("data-bool")) el.checked = value === undefined ? el.defaultChecked : Boolean(value);
    else el.value = value ?? "";
  }
  for (const el of active("[data-secret]")) el.value = channel.secrets[el.dataset.secret]?.name ?? "";
  channelTitle.textContent = `Edit channel ${channel.name}`;
  channelSubmit.textContent = "Save channel";
  channelCancel.hidden = false;
  channelForm.scrollIntoView({ block: "nearest" });
  f.name.focus();
}

function newChannel() {
  clearChannelError();
  channelForm.reset();
  editing = null;
  channelForm.elements.kind.disabled = false;
  channelForm.elements.slug.disabled = false;
  channelForm.querySelector("[data-edit-only]").hidden = true;
  channelTitle.textContent = channelTitle.dataset.newTitle;
  channelSubmit.textContent = channelSubmit.dataset.newLabel;
  channelCancel.hidden = true;
  showKind();
}

channelForm.elements.kind.addEventListener("change", () => { clearChannelError(); showKind(); });
channelForm.elements.slug.addEventListener("input", showWebhook);
channelCancel.addEventListener("click", () => { newChannel(); channelForm.elements.kind.focus(); });
for (const button of document.querySelectorAll("[data-edit-channel]")) {
  button.addEventListener("click", () => editChannel(JSON.parse(button.dataset.editChannel)));
}

channelForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearChannelError();
  const body = channelBody();
  const path = editing ? `/api/v1/channels/${encodeURIComponent(editing.id)}` : "/api/v1/channels";
  const what = editing ? `channel ${body.name}` : `new channel ${body.name}`;
  let response;
  try {
    response = await fetch(path, {
      method: editing ? "PATCH" : "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
  } catch (err) {
    showChannelError({ detail: `the server could not be reached (${err.message})` });
    return;
  }
  if (response.ok) {
    sessionStorage.setItem(SAVED, `Saved: ${what}.`);
    window.location.reload();
    return;
  }
  showChannelError(await response.json().catch(() => ({ detail: response.statusText })));
});

newChannel();

// Kept mail (admins only: the section is on the page when they may read it).
function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function sizeOf(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function loadKeptMail() {
  const table = document.getElementById("kept-mail-table");
  if (!table) return;
  const empty = document.getElementById("kept-mail-empty");
  const response = await fetch("/api/v1/mail/unparsed?limit=200", { headers: { accept: "application/json" } });
  if (!response.ok) {
    empty.textContent = `The kept mail could not be listed (${response.status}).`;
    empty.hidden = false;
    return;
  }
  const rows = (await response.json()).map((m) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = "kept-mail-row";
    const link = document.createElement("a");
    link.href = `/api/v1/mail/unparsed/${encodeURIComponent(m.id)}/raw`;
    link.textContent = "Download";
    link.setAttribute("download", `${m.id}.eml`);
    const last = document.createElement("td");
    last.append(link);
    tr.append(cell(new Date(m.received_at).toLocaleString()), cell(m.sender), cell(m.subject), cell(m.reason), cell(sizeOf(m.size)), last);
    return tr;
  });
  table.tBodies[0].replaceChildren(...rows);
  empty.hidden = rows.length > 0;
}

loadKeptMail();
