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
    sessionStorage.setItem(SAVED, `Saved: ${what}.`);
    window.location.reload();
    return;
  }
  const problem = await response.json().catch(() => ({ detail: response.statusText }));
  show(`Not saved: ${describe(problem)}`, true);
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
  const who = select.selectedOptions[0]?.textContent || "agent";
  send("PUT", `/api/v1/agent-profiles/${encodeURIComponent(select.value)}`, profileBody(), `profile of ${who}`);
});
if (profileForm.elements.user_id.value) fillProfile(profiles.get(profileForm.elements.user_id.value));

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
