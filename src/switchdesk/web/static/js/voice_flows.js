// IVR flows: load one into the editor, check it (each problem names its node), save it as
// the flow's next version. The server's validator is the judge; nothing is checked here.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("flow-status");
const editor = document.getElementById("flow-document");
const problems = document.getElementById("flow-problems");

function show(text, isError) {
  status.textContent = text;
  status.className = isError ? "error" : "ok";
}

function listProblems(items) {
  problems.replaceChildren(
    ...items.map((p) => {
      const li = document.createElement("li");
      li.dataset.node = p.node;
      li.textContent = `${p.node || "flow"}: ${p.code} — ${p.detail}`;
      return li;
    }),
  );
}

function parsed() {
  try {
    return JSON.parse(editor.value);
  } catch (err) {
    show(`Not JSON: ${err.message}`, true);
    listProblems([]);
    return null;
  }
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ detail: response.statusText }));
  return { ok: response.ok, data };
}

document.getElementById("flow-check").addEventListener("click", async () => {
  const flow = parsed();
  if (flow === null) return;
  const { ok, data } = await call("POST", "/api/v1/voice/flows/validate", flow);
  if (!ok) { show(`Not checked: ${data.detail}`, true); return; }
  listProblems(data.problems);
  show(data.valid ? "The flow is valid." : `${data.problems.length} problem(s) found.`, !data.valid);
});

document.getElementById("flow-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const flow = parsed();
  if (flow === null) return;
  if (typeof flow.name !== "string" || !flow.name) { show("Not saved: the flow needs a name", true); return; }
  const { ok, data } = await call("PUT", `/api/v1/voice/flows/${encodeURIComponent(flow.name)}`, flow);
  if (!ok) {
    listProblems(data.problems || []);
    show(`Not saved: ${data.detail}`, true);
    return;
  }
  listProblems([]);
  show(`Saved ${data.name} version ${data.version}.`, false);
});

for (const button of document.querySelectorAll("[data-edit-flow]")) {
  button.addEventListener("click", async () => {
    const name = button.dataset.editFlow;
    const response = await fetch(`/api/v1/voice/flows/${encodeURIComponent(name)}`);
    const data = await response.json();
    if (!response.ok) { show(`Not loaded: ${data.detail}`, true); return; }
    editor.value = JSON.stringify(data.document, null, 2);
    show(`Editing ${data.name} version ${data.version}.`, false);
    editor.focus();
  });
}
