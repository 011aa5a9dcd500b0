// Admin forms: each form becomes one JSON call to the API; problems are shown as they are.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("admin-status");

function list(value) {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
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
    else if (el.hasAttribute("data-codes")) body[el.name] = list(el.value).map((code) => ({ code }));
    else if (el.hasAttribute("data-skills")) {
      body[el.name] = Object.fromEntries(list(el.value).map((pair) => {
        const [name, level] = pair.split("=").map((s) => s.trim());
        return [name, Number(level)];
      }));
    } else body[el.name] = el.value;
  }
  return { path, body };
}

for (const form of document.querySelectorAll("form.admin-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { path, body } = bodyOf(form);
    status.textContent = "Saving…";
    const response = await fetch(path, {
      method: form.dataset.method || "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    if (response.ok) {
      status.textContent = "Saved.";
      window.location.reload();
      return;
    }
    const problem = await response.json().catch(() => ({ detail: response.statusText }));
    status.textContent = `Not saved: ${problem.detail}`;
    status.className = "error";
  });
}
