// The customer's web chat (docs/live.md, "Customer web chat").
// Pre-chat form -> `start`; the token from `started` is kept in sessionStorage and sent
// as `resume` on every reconnection (reload, network drop, server restart). Messages are
// shown at once as pending and confirmed by the echo carrying the same client_id.
import { LiveSocket, showConnection, h, randomId, throttle, timeOfDay, waitWords } from "./live.js";

const root = document.getElementById("chat");
const slug = root.dataset.channel;
const TOKEN_KEY = `switchdesk.chat.${slug}.token`;
const $ = (id) => document.getElementById(id);

const ui = {
  status: $("chat-status"),
  conn: $("conn-state"),
  error: $("chat-error"),
  prechat: $("prechat"),
  prechatForm: $("prechat-form"),
  prechatSubmit: $("prechat-submit"),
  conversation: $("conversation"),
  messages: $("messages"),
  typing: $("typing-indicator"),
  composer: $("composer"),
  input: $("composer-input"),
  send: $("composer-send"),
  leave: $("leave-button"),
  rating: $("rating"),
  ratingForm: $("rating-form"),
  ratingSubmit: $("rating-submit"),
  thanks: $("thanks"),
  thanksText: $("thanks-text"),
  newChat: $("new-chat-button"),
};

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  attached: false, // this socket has started or resumed the chat
  startFrame: null, // a `start` waiting for the socket to open
  phase: "prechat", // prechat | starting | waiting | chatting | ended | rated
  agentName: null,
  pending: new Map(), // client_id -> {text, el}
  shownIds: new Set(),
  typingTimer: null,
  retryTimer: null,
};

const socket = new LiveSocket(`/chat/${encodeURIComponent(slug)}/ws`, {
  onState: (s, seconds) => {
    showConnection(ui.conn, s, seconds);
    if (s !== "open") state.attached = false;
  },
  onOpen: () => {
    state.attached = false;
    if (state.token) socket.send({ type: "resume", token: state.token });
    else if (state.startFrame) socket.send(state.startFrame);
  },
  onFrame: (frame) => (handlers[frame.type] || (() => {}))(frame),
});

// ------------------------------------------------------------------ rendering

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

function setPhase(phase) {
  state.phase = phase;
  ui.prechat.hidden = !["prechat", "starting"].includes(phase);
  ui.conversation.hidden = ["prechat", "starting"].includes(phase);
  const live = phase === "waiting" || phase === "chatting";
  ui.composer.hidden = !live;
  ui.leave.hidden = !live;
  ui.rating.hidden = phase !== "ended"; // "closed": ended unanswered, nothing to rate
  ui.thanks.hidden = phase !== "rated";
  ui.prechatSubmit.disabled = phase === "starting";
  root.dataset.phase = phase;
  requestAnimationFrame(scrollDown); // the list's height changed
  ui.conn.hidden = phase === "prechat" && !state.token && !state.startFrame;
  if (!live) hideTyping();
}

function setStatus(text) {
  ui.status.textContent = text;
}

function scrollDown() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function messageElement(m, pending) {
  const author = m.author || "contact";
  const li = h(
    "li",
    {
      class: `message ${author}${pending ? " pending" : ""}`,
      dataset: { testid: "message", author, ...(m.id ? { id: m.id } : {}), ...(m.client_id ? { clientId: m.client_id } : {}) },
    },
    author === "system"
      ? null
      : h("span", { class: "who" }, author === "contact" ? "You" : m.author_name || "Agent"),
    h("span", { class: "bubble text" }, m.text),
    h("span", { class: "meta" }, pending ? "Sending…" : timeOfDay(m.at)),
  );
  return li;
}

function systemLine(text) {
  ui.messages.append(h("li", { class: "message system note", dataset: { testid: "system-line" } }, h("span", { class: "text" }, text)));
  scrollDown();
}

function addMessage(m) {
  if (m.id && state.shownIds.has(m.id)) return;
  const pending = m.client_id ? state.pending.get(m.client_id) : null;
  if (pending) {
    // The echo of our own message: confirm the pending bubble in place.
    state.pending.delete(m.client_id);
    const confirmed = messageElement(m, false);
    pending.el.replaceWith(confirmed);
  } else {
    if (m.client_id && ui.messages.querySelector(`[data-client-id="${CSS.escape(m.client_id)}"]`)) return;
    ui.messages.append(messageElement(m, false));
  }
  if (m.id) state.shownIds.add(m.id);
  if (m.author === "agent") hideTyping();
  scrollDown();
}

function addPending(clientId, text) {
  const el = messageElement({ author: "contact", text, client_id: clientId }, true);
  state.pending.set(clientId, { text, el });
  ui.messages.append(el);
  scrollDown();
}

function hideTyping() {
  clearTimeout(state.typingTimer);
  ui.typing.hidden = true;
  ui.typing.textContent = "";
}

function showTyping() {
  ui.typing.textContent = `${state.agentName || "The agent"} is typing…`;
  ui.typing.hidden = false;
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(hideTyping, 3000);
}

function queueText(position, seconds, agentsAvailable) {
  const place = position === 1 ? "You are next in line" : `You are number ${position} in line`;
  // No estimate while nobody is there to answer: say so instead of guessing.
  if (agentsAvailable === false || seconds === null) {
    return `${place}. No agent is available right now; we'll connect you as soon as one is.`;
  }
  return `${place}, ${waitWords(seconds)}.`;
}

// ------------------------------------------------------------------ server frames

const handlers = {
  message_redacted(frame) {
    // A later message showed this one held the start of a card number.
    const shown = ui.messages.querySelector(`[data-id="${CSS.escape(frame.id)}"] .text`);
    if (shown) shown.textContent = frame.text;
  },

  started(frame) {
    state.token = frame.token;
    sessionStorage.setItem(TOKEN_KEY, frame.token);
    state.startFrame = null;
    state.attached = true;
    socket.healthy();
    if (state.phase === "starting") {
      setPhase("waiting");
      setStatus("Finding someone to help you…");
    }
  },

  history(frame) {
    state.attached = true;
    socket.healthy();
    showError("");
    // Re-render everything from the server's view, then put back what is still pending.
    ui.messages.replaceChildren();
    state.shownIds.clear();
    state.agentName = frame.agent_name || null;
    const pending = [...state.pending.entries()];
    state.pending.clear();
    for (const m of frame.messages || []) addMessage(m);
    for (const [clientId, p] of pending) {
      if (ui.messages.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`)) continue;
      addPending(clientId, p.text);
      socket.send({ type: "message", text: p.text, client_id: clientId });
    }
    const st = frame.state;
    if (st === "resolved") {
      if (frame.rated !== null && frame.rated !== undefined) {
        setPhase("rated");
      } else if (frame.rateable === false) {
        setPhase("closed");
      } else {
        setPhase("ended");
      }
      setStatus("This chat has ended.");
    } else if (st === "assigned" && frame.agent_name) {
      setPhase("chatting");
      setStatus(`You are chatting with ${frame.agent_name}.`);
    } else {
      setPhase("waiting");
      setStatus("Finding someone to help you…");
    }
  },

  queue(frame) {
    if (state.phase !== "waiting" && state.phase !== "chatting") return;
    if (!frame.position) return;
    setPhase("waiting");
    setStatus(queueText(frame.position, frame.estimated_wait_seconds, frame.agents_available));
  },

  agent_joined(frame) {
    state.agentName = frame.agent_name;
    setPhase("chatting");
    setStatus(`You are chatting with ${frame.agent_name}.`);
    systemLine(`${frame.agent_name} joined the chat`);
  },

  message(frame) {
    addMessage(frame);
  },

  typing(frame) {
    if (frame.author === "agent" && state.phase === "chatting") showTyping();
  },

  ended(frame) {
    if (["ended", "rated", "closed"].includes(state.phase)) return;
    systemLine(frame.by === "contact" ? "You left the chat." : `${state.agentName || "The agent"} ended the chat.`);
    setStatus("This chat has ended.");
    setPhase(frame.rateable === false ? "closed" : "ended");
  },

  rated(frame) {
    ui.thanksText.textContent = `You rated this chat ${frame.score} out of 5. Your feedback helps us get better.`;
    setPhase("rated");
  },

  error(frame) {
    if (frame.code === "not_found" && state.token) {
      // The chat we tried to resume is gone (or belongs to another channel): start over.
      forgetChat();
      showError("We could not find your earlier chat. Please start a new one.");
      return;
    }
    if (frame.code === "already_rated") {
      setPhase("rated");
      return;
    }
    if (frame.code === "busy" && state.attached && state.pending.size) {
      // The center refused for now: send what is pending again in a moment (the same
      // client_id makes a repeat harmless).
      clearTimeout(state.retryTimer);
      state.retryTimer = setTimeout(resendPending, 3000);
    }
    if (state.phase === "starting") setPhase("prechat");
    showError(frame.detail || "Something went wrong.");
  },
};

function resendPending() {
  if (!state.attached) return; // the next `history` sends them
  showError("");
  for (const [clientId, p] of state.pending) socket.send({ type: "message", text: p.text, client_id: clientId });
}

function forgetChat() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.startFrame = null;
  state.agentName = null;
  state.pending.clear();
  state.shownIds.clear();
  ui.messages.replaceChildren();
  setStatus("We usually answer within minutes.");
  setPhase("prechat");
}

// ------------------------------------------------------------------ the customer's actions

ui.prechatForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError("");
  const name = $("prechat-name").value.trim();
  const email = $("prechat-email").value.trim();
  const text = $("prechat-message").value.trim();
  if (!name) return showError("Please tell us your name.");
  if (email && !$("prechat-email").checkValidity()) return showError("That email address does not look right.");
  if (!text) return showError("Please write your question.");
  const clientId = randomId();
  state.pending.clear();
  state.startFrame = { type: "start", name, email, text, client_id: clientId };
  setPhase("starting");
  ui.messages.replaceChildren();
  addPending(clientId, text);
  if (socket.isOpen && !state.attached) socket.send(state.startFrame);
  else if (socket.isOpen) {
    // This socket already served another chat: the server wants a fresh one.
    socket.stop();
    socket.start();
  } else socket.start();
});

function sendMessage() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (text.length > 4000) return showError("A message has at most 4,000 characters.");
  showError("");
  const clientId = randomId();
  addPending(clientId, text);
  ui.input.value = "";
  sendTyping.reset();
  if (state.attached) socket.send({ type: "message", text, client_id: clientId });
  // Otherwise it stays pending and is sent again once the chat is resumed.
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  sendMessage();
});

ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendMessage();
  }
});

const sendTyping = throttle(() => {
  if (state.attached) socket.send({ type: "typing" });
}, 2000);
ui.input.addEventListener("input", () => {
  if (ui.input.value.trim()) sendTyping();
});

ui.leave.addEventListener("click", () => {
  if (!state.attached) return showError("Not connected yet; please try again in a moment.");
  socket.send({ type: "leave" });
});

ui.ratingForm.addEventListener("change", () => paintStars());
function paintStars() {
  const chosen = Number((ui.ratingForm.querySelector('input[name="score"]:checked') || {}).value || 0);
  for (let n = 1; n <= 5; n += 1) {
    ui.ratingForm.querySelector(`label[for="rating-${n}"]`).classList.toggle("on", n <= chosen);
  }
}

ui.ratingForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const chosen = ui.ratingForm.querySelector('input[name="score"]:checked');
  if (!chosen) return showError("Please choose from 1 to 5 stars.");
  if (!state.attached) return showError("Not connected yet; please try again in a moment.");
  showError("");
  socket.send({ type: "rate", score: Number(chosen.value), comment: $("rating-comment").value.trim() });
});

ui.newChat.addEventListener("click", () => {
  forgetChat();
  socket.stop();
  $("prechat-message").value = "";
  $("prechat-message").focus();
});

// ------------------------------------------------------------------ start

if (state.token) {
  setPhase("waiting");
  setStatus("Reconnecting to your chat…");
  socket.start();
} else {
  setPhase("prechat");
}
