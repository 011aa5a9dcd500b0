// The agent desktop (docs/live.md, "Agent desktop"): presence, offers with a countdown,
// several conversations at once, transfer / escalate / end, wrap-up and after-contact
// work. State comes from the socket's snapshot and its events; actions are REST calls.
import { LiveSocket, showConnection, syncClock, checkSignedIn, api, h, clock, dateTime, nowSeconds, throttle, timeOfDay } from "./live.js";
import { ContactPanel, deliveryElement } from "./contact_timeline.js";

const $ = (id) => document.getElementById(id);

const ui = {
  conn: $("conn-state"),
  presence: $("presence-select"),
  presenceState: $("presence-state"),
  presenceDot: $("presence-dot"),
  acwBar: $("acw-bar"),
  acwTimer: $("acw-timer"),
  acwEnd: $("acw-end"),
  error: $("desk-error"),
  notice: $("desk-notice"),
  offers: $("offers"),
  sound: $("sound-toggle"),
  idle: $("desk-idle"),
  idleTitle: $("idle-title"),
  idleNext: $("idle-next"),
  list: $("conversation-list"),
  count: $("conversation-count"),
  empty: $("conversation-empty"),
  pane: $("conversation-pane"),
  paneTitle: $("pane-title"),
  paneSub: $("pane-sub"),
  paneEmail: $("pane-email"),
  replyHint: $("reply-hint"),
  paneNotice: $("pane-notice"),
  messages: $("messages"),
  typing: $("typing-indicator"),
  replyForm: $("reply-form"),
  reply: $("reply-input"),
  internal: $("reply-internal"),
  transferButton: $("transfer-button"),
  transferForm: $("transfer-form"),
  transferTarget: $("transfer-target"),
  transferNote: $("transfer-note"),
  escalateButton: $("escalate-button"),
  escalateForm: $("escalate-form"),
  escalateNote: $("escalate-note"),
  endButton: $("end-button"),
  closeButton: $("close-button"),
  wrapForm: $("wrapup-form"),
  wrapCode: $("wrapup-code"),
  wrapNotes: $("wrapup-notes"),
  card: $("contact-card"),
  cardBody: $("card-body"),
};

const ACTIVITY_TEXT = {
  idle: "waiting for work",
  offered: "offer ringing",
  on_contact: "on a conversation",
  after_contact_work: "after-contact work",
  missed: "missed an offer",
};

const BASE_TITLE = document.title;

const state = {
  agent: null,
  reasons: [],
  queues: new Map(),
  agents: [],
  offers: new Map(), // id -> offer
  conversations: new Map(), // id -> conversation (+ unread, typingUntil, ended, left)
  order: [], // conversation ids, oldest first
  selected: null,
  acwUntil: null,
};

// ------------------------------------------------------------------ messages to the agent

let noticeTimer = null;
function notice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
  clearTimeout(noticeTimer);
  if (text) noticeTimer = setTimeout(() => notice(""), 6000);
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

/** Run a REST action; on failure show the problem's detail. Returns the answer or undefined. */
async function act(button, fn) {
  if (button) button.disabled = true;
  showError("");
  try {
    return await fn();
  } catch (err) {
    showError(err.detail || err.message || "Something went wrong.");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// ------------------------------------------------------------------ presence and ACW

function reasonCode(r) {
  return typeof r === "string" ? r : r.code;
}
function reasonLabel(r) {
  return typeof r === "string" ? r.charAt(0).toUpperCase() + r.slice(1).replace(/_/g, " ") : r.label || r.code;
}

function renderPresenceOptions() {
  const options = [h("option", { value: "available" }, "Available")];
  const group = h("optgroup", { label: "Not ready" });
  for (const r of state.reasons) {
    group.append(h("option", { value: `not_ready:${reasonCode(r)}` }, `Not ready – ${reasonLabel(r)}`));
  }
  if (state.reasons.length) options.push(group);
  options.push(h("option", { value: "offline" }, "Offline"));
  ui.presence.replaceChildren(...options);
  ui.presence.disabled = false;
}

function presenceValue(agent) {
  if (!agent) return "offline";
  if (agent.presence === "not_ready") return `not_ready:${agent.reason || ""}`;
  return agent.presence;
}

function renderAgent() {
  const a = state.agent;
  if (!a) return;
  const value = presenceValue(a);
  if ([...ui.presence.options].some((o) => o.value === value)) ui.presence.value = value;
  ui.presenceDot.dataset.state = a.presence;
  const reason = state.reasons.find((r) => reasonCode(r) === a.reason);
  let text = a.presence === "available" ? "Available" : a.presence === "not_ready" ? "Not ready" : "Offline";
  if (a.presence === "not_ready" && reason) text += ` (${reasonLabel(reason)})`;
  if (a.presence !== "offline" && a.activity && a.activity !== "idle") text += ` · ${ACTIVITY_TEXT[a.activity] || a.activity}`;
  ui.presenceState.textContent = text;
  ui.presenceState.dataset.presence = a.presence;
  ui.presenceState.dataset.activity = a.activity || "";
  state.acwUntil = a.activity === "after_contact_work" ? a.acw_until : null;
  renderAcw();
  renderIdle();
}

/** What the desk says while no conversation is open: the agent's state and what to do. */
function idleWords(a) {
  const reason = a && state.reasons.find((r) => reasonCode(r) === a.reason);
  if (!a || a.presence === "offline") {
    return ["You are offline", "Set yourself Available (at the top) to receive chats."];
  }
  if (a.presence === "not_ready") {
    return [
      `You are not ready${reason ? ` (${reasonLabel(reason)})` : ""}`,
      "No new chats come to you. Set yourself Available when you are back.",
    ];
  }
  if (a.activity === "after_contact_work") {
    return ["After-contact work", "Finish your notes; new chats come when the after-contact work ends (or end it above)."];
  }
  if (a.activity === "offered") return ["A chat is ringing", "Accept it (Enter or A) or decline it (D or Esc)."];
  return ["You are available", "Waiting for the next chat: it rings here, with a sound unless you turned it off."];
}

function renderIdle() {
  const [title, next] = idleWords(state.agent);
  ui.idleTitle.textContent = title;
  ui.idleNext.textContent = next;
  ui.idle.dataset.presence = (state.agent && state.agent.presence) || "offline";
  const available = state.agent && state.agent.presence === "available";
  ui.empty.textContent = available
    ? "No conversations right now. New chats ring here."
    : "No conversations yet. Set yourself Available to receive chats.";
}

function renderAcw() {
  const until = state.acwUntil;
  if (!until) {
    ui.acwBar.hidden = true;
    return;
  }
  ui.acwBar.hidden = false;
  ui.acwTimer.textContent = clock(until - nowSeconds());
  const pendingWrapUp = [...state.conversations.values()].some((c) => c.needs_wrap_up);
  ui.acwEnd.disabled = pendingWrapUp;
  ui.acwEnd.title = pendingWrapUp ? "Submit the wrap-up first" : "";
}

ui.presence.addEventListener("change", async () => {
  const [presence, reason] = ui.presence.value.split(":");
  const agent = await act(ui.presence, () =>
    api("PUT", "/api/v1/desk/presence", { presence, reason: presence === "not_ready" ? reason : null }),
  );
  if (agent) {
    state.agent = agent;
  }
  renderAgent();
});

ui.acwEnd.addEventListener("click", () =>
  act(ui.acwEnd, async () => {
    await api("POST", "/api/v1/desk/after-contact-work/end");
    state.acwUntil = null;
    renderAcw();
  }),
);

// ------------------------------------------------------------------ offers

/** Earlier conversations of the contact: their history without the current one. */
function earlierConversations(card, currentId) {
  return ((card && card.history) || []).filter((c) => c.conversation_id !== currentId);
}

function contactSummary(card, currentId) {
  if (!card || !card.id) return h("p", { class: "muted" }, "Unknown contact");
  const earlier = earlierConversations(card, currentId).length;
  const followUps = (card.follow_ups || []).length;
  return h(
    "dl",
    { class: "mini-card" },
    h("dt", {}, "Contact"),
    h("dd", { dataset: { testid: "offer-contact-name" } }, card.name || "—"),
    card.email ? [h("dt", {}, "Email"), h("dd", { class: "email", title: card.email, dataset: { testid: "offer-contact-email" } }, card.email)] : null,
    ...Object.entries(card.custom_fields || {}).map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]),
    h("dt", {}, "Earlier"),
    h(
      "dd",
      { dataset: { testid: "offer-history" } },
      `${earlier ? `${earlier} earlier conversation${earlier === 1 ? "" : "s"}` : "No earlier conversations"}${followUps ? `, ${followUps} open follow-up${followUps === 1 ? "" : "s"}` : ""}`,
    ),
  );
}

// ------------------------------------------------------------------ offer sound and keys

// A short two-note tone made with the Web Audio API (no audio file); the agent turns it
// off on the desk and the choice is remembered in this browser.
const SOUND_KEY = "switchdesk.desk.sound";
let audio = null;

function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

function playOfferTone() {
  if (!soundOn()) return;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const start = audio.currentTime + 0.02;
    [880, 660].forEach((hz, i) => {
      const at = start + i * 0.22;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.21);
    });
  } catch (err) {
    /* no sound device: the offer still shows */
  }
}

ui.sound.checked = soundOn();
ui.sound.addEventListener("change", () => {
  localStorage.setItem(SOUND_KEY, ui.sound.checked ? "on" : "off");
  if (ui.sound.checked) playOfferTone(); // let the agent hear what it sounds like
});

// An offer takes the focus when it comes, unless the agent is typing (a key meant for a
// reply must not answer the offer).
let typedAt = 0;
document.addEventListener("keydown", (event) => {
  if (event.target.closest && event.target.closest("textarea, input, select")) typedAt = Date.now();
});
const rung = new Set(); // offer ids that rang already (a snapshot after reconnecting repeats them)

function offerKeys(event, offer, accept, decline) {
  if (event.target.closest("button") && (event.key === "Enter" || event.key === " ")) return; // the button's own click
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key === "Enter" || key === "a") {
    event.preventDefault();
    acceptOffer(offer, accept);
  } else if (key === "d" || key === "Escape") {
    event.preventDefault();
    declineOffer(offer, decline);
  }
}

function renderOffers() {
  const cards = [];
  const fresh = [];
  for (const offer of state.offers.values()) {
    const accept = h("button", { type: "button", class: "primary", dataset: { testid: "offer-accept" } }, "Accept");
    const decline = h("button", { type: "button", class: "secondary", dataset: { testid: "offer-decline" } }, "Decline");
    accept.addEventListener("click", () => acceptOffer(offer, accept));
    decline.addEventListener("click", () => declineOffer(offer, decline));
    const who = (offer.contact && offer.contact.name) || "a customer";
    const keysId = `offer-keys-${offer.id}`;
    const card = h(
      "article",
      {
        class: "offer",
        tabindex: "0",
        "aria-label": `Offer: ${offer.channel_kind || "chat"} from ${who}`,
        "aria-describedby": keysId,
        dataset: { testid: "offer", offerId: offer.id },
      },
      h(
        "header",
        {},
        h("strong", {}, `New ${offer.channel_kind || "chat"} from ${who}`),
        h("span", { class: "queue-tag" }, offer.queue_name || ""),
        h("span", { class: "countdown", dataset: { testid: "offer-countdown", expires: offer.expires_at } }, ""),
      ),
      offer.subject ? h("p", { class: "offer-subject", dataset: { testid: "offer-subject" } }, `Subject: ${offer.subject}`) : null,
      offer.preview ? h("blockquote", { class: "preview", dataset: { testid: "offer-preview" } }, offer.preview) : null,
      contactSummary(offer.contact, offer.conversation_id),
      h("div", { class: "row" }, accept, decline),
      h("p", { class: "offer-keys muted", id: keysId }, "Keys: Enter or A accepts, D or Esc declines."),
    );
    card.addEventListener("keydown", (event) => offerKeys(event, offer, accept, decline));
    cards.push(card);
    if (!rung.has(offer.id)) fresh.push(card);
  }
  const hadFocus = ui.offers.contains(document.activeElement);
  ui.offers.replaceChildren(...cards);
  ui.offers.hidden = cards.length === 0;
  for (const card of fresh) rung.add(card.dataset.offerId);
  if (fresh.length) playOfferTone();
  const typing = Date.now() - typedAt < 3000;
  if ((fresh.length && !typing) || (hadFocus && cards.length)) (fresh[0] || cards[0]).focus();
  // The tab's title tells an agent working in another window that a chat is ringing.
  document.title = (cards.length ? `(${cards.length}) New chat · ` : "") + BASE_TITLE;
  tickCountdowns();
}

function tickCountdowns() {
  for (const el of ui.offers.querySelectorAll(".countdown")) {
    const left = Math.max(0, Math.ceil(Number(el.dataset.expires) - nowSeconds()));
    el.textContent = left > 0 ? `${left} s left` : "expiring…";
    el.classList.toggle("urgent", left <= 10);
  }
}

async function acceptOffer(offer, button) {
  const conversation = await act(button, () => api("POST", `/api/v1/desk/offers/${encodeURIComponent(offer.id)}/accept`));
  state.offers.delete(offer.id);
  renderOffers();
  if (conversation) {
    upsertConversation(conversation);
    select(conversation.id);
    ui.reply.focus();
  }
}

async function declineOffer(offer, button) {
  let declined = false;
  await act(button, async () => {
    await api("POST", `/api/v1/desk/offers/${encodeURIComponent(offer.id)}/decline`);
    declined = true;
  });
  // The answer and the socket's offer_gone frame may come in either order: whichever comes
  // first removes the offer and says why. A refused decline (the offer was already gone)
  // shows the server's error and drops the offer.
  if (declined) {
    offerGone(offer.id, "declined");
  } else {
    state.offers.delete(offer.id);
    renderOffers();
  }
}

function offerGone(offerId, reason) {
  const offer = state.offers.get(offerId);
  if (!offer) return;
  state.offers.delete(offerId);
  renderOffers();
  if (reason === "accepted") return; // taken on this desk or another of mine: the conversation shows
  const who = (offer.contact && offer.contact.name) || "a customer";
  const why = {
    expired: "expired",
    declined: "was declined",
    accepted_elsewhere: "was taken by another agent",
    cancelled: "was withdrawn",
  }[reason] || "is gone";
  notice(`The offer of a chat from ${who} ${why}.`);
}

// ------------------------------------------------------------------ conversations

function upsertConversation(conv) {
  const known = state.conversations.get(conv.id);
  const merged = { unread: 0, typingUntil: 0, left: false, ended: false, ...known, ...conv };
  // Keep every message we have seen, in order, without duplicates.
  const byId = new Map();
  for (const m of [...((known && known.messages) || []), ...(conv.messages || [])]) byId.set(m.id, m);
  merged.messages = [...byId.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (conv.state) {
    // A conversation can come back (reopened by the customer, transferred back to me).
    merged.ended = conv.state === "resolved";
    if (conv.state === "assigned") merged.left = false;
  }
  state.conversations.set(conv.id, merged);
  if (!state.order.includes(conv.id)) state.order.push(conv.id);
  if (!state.selected) state.selected = conv.id;
  renderList();
  if (state.selected === conv.id) renderPane();
}

function removeConversation(id) {
  state.conversations.delete(id);
  state.order = state.order.filter((x) => x !== id);
  if (state.selected === id) state.selected = state.order[0] || null;
  renderList();
  renderPane();
  renderAcw();
}

function select(id) {
  if (state.selected !== id) {
    ui.internal.checked = false;
    sendTyping.reset();
  }
  state.selected = id;
  const conv = state.conversations.get(id);
  if (conv) conv.unread = 0;
  renderList();
  renderPane();
}

function conversationLabel(conv) {
  if (conv.needs_wrap_up) return "wrap-up";
  if (conv.left) return "customer left";
  if (conv.ended) return "ended";
  return "";
}

function renderList() {
  const items = state.order.map((id) => {
    const conv = state.conversations.get(id);
    const selected = id === state.selected;
    const label = conversationLabel(conv);
    const last = (conv.messages || []).filter((m) => !m.internal).slice(-1)[0];
    const tab = h(
      "li",
      {
        role: "tab",
        tabindex: selected ? "0" : "-1",
        "aria-selected": selected ? "true" : "false",
        "aria-controls": "conversation-pane",
        class: `conv-tab${selected ? " selected" : ""}`,
        dataset: { testid: "conversation-tab", conversationId: id },
      },
      h("span", { class: "conv-name" }, (conv.contact && conv.contact.name) || "Customer"),
      conv.unread ? h("span", { class: "badge", "aria-label": `${conv.unread} unread` }, String(conv.unread)) : null,
      label ? h("span", { class: `state-tag ${label.replace(/ /g, "-")}` }, label) : null,
      h("span", { class: "conv-last muted" }, last ? last.text : conv.queue_name || ""),
    );
    tab.addEventListener("click", () => select(id));
    tab.addEventListener("keydown", (event) => {
      const at = state.order.indexOf(id);
      const next = event.key === "ArrowDown" ? at + 1 : event.key === "ArrowUp" ? at - 1 : null;
      if (next === null || next < 0 || next >= state.order.length) return;
      event.preventDefault();
      select(state.order[next]);
      ui.list.querySelector(`[data-conversation-id="${CSS.escape(state.order[next])}"]`)?.focus();
    });
    return tab;
  });
  ui.list.replaceChildren(...items);
  ui.count.textContent = String(items.length);
  ui.empty.hidden = items.length > 0;
}

function messageElement(m) {
  const kind = m.internal ? "internal" : m.author;
  return h(
    "li",
    { class: `message ${kind}`, dataset: { testid: "message", author: m.author, id: m.id, internal: m.internal ? "true" : "false" } },
    m.author === "system" ? null : h("span", { class: "who" }, m.internal ? `${m.author_name} · internal note` : m.author_name),
    h("span", { class: "bubble text" }, m.text),
    attachmentList(m.attachments),
    h("span", { class: "meta" }, timeOfDay(m.at)),
    deliveryElement(m.delivery),
  );
}

function byteSize(n) {
  if (n < 0) return "size unknown";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const ATTACHMENT_NOTES = {
  too_large: "too large to keep here; the whole mail is kept for administrators",
  not_fetched: "not downloaded from the provider",
};

// A message's files under its text: stored ones link to their download.
function attachmentList(files) {
  if (!files || !files.length) return null;
  return h(
    "ul",
    { class: "attachments", dataset: { testid: "attachments" } },
    files.map((f) =>
      h(
        "li",
        { class: `attachment ${f.state}`, dataset: { testid: "attachment", state: f.state } },
        f.url ? h("a", { href: f.url, download: f.filename, rel: "noopener" }, f.filename) : h("span", {}, f.filename),
        h("span", { class: "muted" }, ` ${byteSize(f.size)}${ATTACHMENT_NOTES[f.state] ? ` · ${ATTACHMENT_NOTES[f.state]}` : ""}`),
      ),
    ),
  );
}

let renderedPane = null; // {id, count}: lets new messages be appended instead of re-rendered

function renderPane() {
  const conv = state.conversations.get(state.selected);
  ui.pane.hidden = !conv;
  ui.card.hidden = !conv;
  ui.idle.hidden = Boolean(conv);
  if (!conv) {
    renderedPane = null;
    return;
  }
  ui.pane.dataset.conversationId = conv.id;
  ui.paneTitle.textContent = (conv.contact && conv.contact.name) || "Customer";
  const queue = state.queues.get(conv.queue_id);
  ui.paneSub.textContent = [conv.channel_kind || "chat", conv.queue_name || (queue && queue.name)].filter(Boolean).join(" · ");

  const messages = conv.messages || [];
  if (renderedPane && renderedPane.id === conv.id && renderedPane.count <= messages.length) {
    for (const m of messages.slice(renderedPane.count)) ui.messages.append(messageElement(m));
  } else {
    ui.messages.replaceChildren(...messages.map(messageElement));
  }
  const grew = !renderedPane || renderedPane.id !== conv.id || renderedPane.count !== messages.length;
  renderedPane = { id: conv.id, count: messages.length };

  const live = conv.state === "assigned" && !conv.ended;
  ui.transferButton.hidden = !live;
  ui.escalateButton.hidden = !live;
  ui.endButton.hidden = !live;
  ui.endButton.textContent = (conv.channel_kind || "chat") === "chat" ? "End chat" : "End conversation";
  ui.closeButton.hidden = live || conv.needs_wrap_up;
  if (!live) {
    ui.transferForm.hidden = true;
    ui.escalateForm.hidden = true;
  }
  // After the end only internal notes could be written: the wrap-up notes serve that.
  ui.replyForm.hidden = !live;
  // An email conversation shows its subject and the customer's address, and says how the
  // reply goes out.
  const byEmail = conv.channel_kind === "email";
  const address = (conv.contact && conv.contact.email) || "the customer";
  ui.paneEmail.hidden = !byEmail;
  if (byEmail) {
    ui.paneEmail.replaceChildren(
      h("span", { dataset: { testid: "email-subject" } }, `Subject: ${conv.subject || "(none)"}`),
      " · ",
      h("span", { dataset: { testid: "email-address" } }, `From ${address}`),
    );
  }
  ui.replyHint.hidden = !live || !byEmail || ui.internal.checked;
  ui.replyHint.textContent = byEmail ? `Your reply goes by email to ${address}, with their last mail quoted below it.` : "";
  const replyText = byEmail ? `Reply by email to ${address}…` : "Reply…";
  ui.reply.placeholder = ui.internal.checked ? "Internal note (the customer does not see it)…" : `${replyText} (Enter sends, Shift+Enter for a new line)`;
  ui.replyForm.classList.toggle("internal", ui.internal.checked);

  const notes = [];
  if (conv.contact_away && !conv.ended) notes.push("The customer has left the page; they may come back.");
  if (conv.left) notes.push("The customer left the chat.");
  else if (conv.ended) notes.push("The chat has ended.");
  ui.paneNotice.textContent = notes.join(" ");
  ui.paneNotice.hidden = notes.length === 0;

  renderWrapUp(conv);
  renderTyping();
  renderCard(conv.contact, conv.id);
  if (grew || conv.needs_wrap_up) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function renderWrapUp(conv) {
  ui.wrapForm.hidden = !conv.needs_wrap_up;
  if (!conv.needs_wrap_up) return;
  if (ui.wrapForm.dataset.conversationId === conv.id) return; // keep what the agent typed
  ui.wrapForm.dataset.conversationId = conv.id;
  const queue = state.queues.get(conv.queue_id);
  const codes = (queue && queue.wrap_up_codes) || [];
  ui.wrapCode.replaceChildren(
    h("option", { value: "" }, "Choose a disposition…"),
    ...codes.map((c) => h("option", { value: c.code }, c.label || c.code)),
  );
  ui.wrapNotes.value = "";
}

function renderTyping() {
  const conv = state.conversations.get(state.selected);
  const typing = conv && conv.typingUntil > Date.now();
  ui.typing.hidden = !typing;
  ui.typing.textContent = typing ? `${(conv.contact && conv.contact.name) || "The customer"} is typing…` : "";
}

// The card's fixed part is rebuilt on each render; the timeline panel keeps its node.
const cardStatic = h("div", { id: "card-static" });
const contactPanel = new ContactPanel({
  mayMerge: ui.card.dataset.mayMerge === "true",
  onError: showError,
  onMerged(card, absorbedId) {
    for (const conv of state.conversations.values()) {
      if (conv.contact && (conv.contact.id === card.id || conv.contact.id === absorbedId)) conv.contact = card;
    }
    notice(`Contacts merged into ${card.name || "one"}.`);
    renderPane();
  },
});
ui.cardBody.replaceChildren(cardStatic, contactPanel.el);

function renderCard(card, currentId) {
  contactPanel.show(card && card.id);
  if (!card || !card.id) {
    cardStatic.replaceChildren(h("p", { class: "muted" }, "No contact details."));
    return;
  }
  const fields = Object.entries(card.custom_fields || {});
  const earlier = earlierConversations(card, currentId);
  const followUps = card.follow_ups || [];
  cardStatic.replaceChildren(
    h("p", { class: "card-name", id: "card-name" }, card.name || "—"),
    h(
      "dl",
      { class: "card-fields" },
      card.email ? [h("dt", {}, "Email"), h("dd", { id: "card-email", class: "email", title: card.email }, card.email)] : null,
      ...(card.identities || [])
        .filter((i) => i.kind !== "email" && i.kind !== "chat_visitor")
        .map((i) => [h("dt", {}, i.kind.replace(/_/g, " ")), h("dd", {}, i.value)]),
      card.client_account_name ? [h("dt", {}, "Client account"), h("dd", {}, card.client_account_name)] : null,
      ...fields.map(([k, v]) => [h("dt", {}, k.replace(/_/g, " ")), h("dd", {}, String(v))]),
    ),
    h("h3", {}, "Earlier conversations"),
    earlier.length
      ? h(
          "ul",
          { class: "card-history", id: "card-history" },
          ...earlier.map((c) =>
            h(
              "li",
              { dataset: { testid: "card-history-item" } },
              h("span", {}, dateTime(c.started_at)),
              " ",
              h("span", { class: "muted" }, [c.channel_kind, c.state, c.disposition_label || c.disposition].filter(Boolean).join(" · ")),
            ),
          ),
        )
      : h("p", { class: "muted", id: "card-history" }, "None."),
    h("h3", {}, "Open follow-ups"),
    followUps.length
      ? h(
          "ul",
          { class: "card-follow-ups", id: "card-follow-ups" },
          ...followUps.map((f) => h("li", {}, h("strong", {}, dateTime(f.due_at)), " ", f.note)),
        )
      : h("p", { class: "muted", id: "card-follow-ups" }, "None."),
  );
}

// ------------------------------------------------------------------ conversation actions

function current() {
  return state.conversations.get(state.selected);
}

async function sendReply() {
  const conv = current();
  const text = ui.reply.value.trim();
  if (!conv || !text) return;
  const internal = ui.internal.checked;
  const message = await act(ui.reply, () =>
    api("POST", `/api/v1/conversations/${encodeURIComponent(conv.id)}/messages`, { text, internal }),
  );
  if (message) {
    ui.reply.value = "";
    sendTyping.reset();
    addMessage(conv.id, message);
  }
  ui.reply.focus();
}

ui.replyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sendReply();
});
ui.reply.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendReply();
  }
});
const sendTyping = throttle((id) => socket.send({ type: "typing", conversation_id: id }), 2000);
ui.reply.addEventListener("input", () => {
  const conv = current();
  if (conv && !ui.internal.checked && ui.reply.value.trim() && conv.state === "assigned") sendTyping(conv.id);
});
ui.internal.addEventListener("change", () => renderPane());

function toggleDrawer(form, button, other, otherButton) {
  const open = form.hidden;
  form.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  other.hidden = true;
  otherButton.setAttribute("aria-expanded", "false");
  if (open) form.querySelector("select, textarea")?.focus();
}

function renderTransferTargets() {
  const queues = h("optgroup", { label: "Queues" }, ...[...state.queues.values()].map((q) => h("option", { value: `queue:${q.id}` }, q.name)));
  const agents = h("optgroup", { label: "Agents" }, ...state.agents.map((a) => h("option", { value: `agent:${a.id}` }, a.name)));
  ui.transferTarget.replaceChildren(h("option", { value: "" }, "Choose a queue or an agent…"), queues, agents);
}

ui.transferButton.addEventListener("click", () => toggleDrawer(ui.transferForm, ui.transferButton, ui.escalateForm, ui.escalateButton));
ui.escalateButton.addEventListener("click", () => toggleDrawer(ui.escalateForm, ui.escalateButton, ui.transferForm, ui.transferButton));
for (const [form, button] of [
  [ui.transferForm, ui.transferButton],
  [ui.escalateForm, ui.escalateButton],
]) {
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    form.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });
}
for (const cancel of document.querySelectorAll("[data-cancel]")) {
  cancel.addEventListener("click", () => {
    $(cancel.dataset.cancel).hidden = true;
    ui.transferButton.setAttribute("aria-expanded", "false");
    ui.escalateButton.setAttribute("aria-expanded", "false");
  });
}

ui.transferForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const conv = current();
  const [kind, id] = ui.transferTarget.value.split(":");
  if (!conv) return;
  if (!id) return showError("Choose a queue or an agent to transfer to.");
  const body = { note: ui.transferNote.value.trim() };
  body[kind === "queue" ? "queue_id" : "agent_id"] = id;
  const target = ui.transferTarget.selectedOptions[0].textContent;
  const done = await act($("transfer-submit"), async () => {
    await api("POST", `/api/v1/conversations/${encodeURIComponent(conv.id)}/transfer`, body);
    return true;
  });
  if (done) {
    ui.transferForm.hidden = true;
    ui.transferNote.value = "";
    notice(`Transferred ${(conv.contact && conv.contact.name) || "the conversation"} to ${target}.`);
    removeConversation(conv.id);
  }
});

ui.escalateForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const conv = current();
  if (!conv) return;
  const done = await act($("escalate-submit"), async () => {
    await api("POST", `/api/v1/conversations/${encodeURIComponent(conv.id)}/escalate`, { note: ui.escalateNote.value.trim() });
    return true;
  });
  if (done) {
    ui.escalateForm.hidden = true;
    ui.escalateNote.value = "";
    notice(`Escalated ${(conv.contact && conv.contact.name) || "the conversation"} to the team leader.`);
    removeConversation(conv.id);
  }
});

ui.endButton.addEventListener("click", async () => {
  const conv = current();
  if (!conv) return;
  const done = await act(ui.endButton, async () => {
    await api("POST", `/api/v1/conversations/${encodeURIComponent(conv.id)}/end`);
    return true;
  });
  if (done) {
    conv.ended = true;
    renderPane();
  }
});

ui.closeButton.addEventListener("click", () => {
  const conv = current();
  if (conv && !conv.needs_wrap_up) removeConversation(conv.id);
});

ui.wrapForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const conv = current();
  if (!conv) return;
  if (!ui.wrapCode.value) return showError("Choose a disposition.");
  const done = await act($("wrapup-submit"), async () => {
    await api("POST", `/api/v1/conversations/${encodeURIComponent(conv.id)}/wrap-up`, {
      code: ui.wrapCode.value,
      notes: ui.wrapNotes.value.trim(),
    });
    return true;
  });
  if (done) {
    delete ui.wrapForm.dataset.conversationId;
    notice(`Wrap-up saved for ${(conv.contact && conv.contact.name) || "the conversation"}.`);
    removeConversation(conv.id);
  }
});

// ------------------------------------------------------------------ socket

function addMessage(conversationId, m) {
  const conv = state.conversations.get(conversationId);
  if (!conv) return;
  if ((conv.messages || []).some((x) => x.id === m.id)) return;
  conv.messages = [...(conv.messages || []), m];
  if (m.author === "contact") conv.typingUntil = 0;
  if (conversationId !== state.selected && m.author !== "agent") conv.unread = (conv.unread || 0) + 1;
  renderList();
  if (conversationId === state.selected) {
    renderPane();
    refreshTimeline();
  }
}
let timelineTimer = null;
function refreshTimeline() {
  clearTimeout(timelineTimer);
  timelineTimer = setTimeout(() => contactPanel.refreshNewest(), 400);
}

const handlers = {
  snapshot(frame) {
    socket.healthy();
    state.agent = frame.agent;
    state.reasons = frame.reasons || [];
    state.queues = new Map((frame.queues || []).map((q) => [q.id, q]));
    state.agents = frame.agents || [];
    state.offers = new Map((frame.offers || []).map((o) => [o.id, o]));
    const previous = state.selected;
    state.conversations = new Map();
    state.order = [];
    state.selected = null;
    renderedPane = null;
    delete ui.wrapForm.dataset.conversationId;
    for (const c of frame.conversations || []) upsertConversation(c);
    if (previous && state.conversations.has(previous)) state.selected = previous;
    renderPresenceOptions();
    renderTransferTargets();
    renderAgent();
    renderOffers();
    renderList();
    renderPane();
  },
  agent(frame) {
    state.agent = frame.agent;
    renderAgent();
  },
  reasons(frame) {
    state.reasons = frame.reasons || [];
    renderPresenceOptions();
    renderAgent();
  },
  offer(frame) {
    state.offers.set(frame.offer.id, frame.offer);
    renderOffers();
  },
  offer_gone(frame) {
    offerGone(frame.offer_id, frame.reason);
  },
  assigned(frame) {
    upsertConversation(frame.conversation);
  },
  message(frame) {
    addMessage(frame.conversation_id, frame);
  },
  delivery(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    const m = conv && (conv.messages || []).find((x) => x.id === frame.message_id);
    if (!m) return;
    m.delivery = frame.delivery;
    if (frame.conversation_id !== state.selected) return;
    const shown = ui.messages.querySelector(`[data-id="${CSS.escape(m.id)}"]`);
    if (shown) shown.replaceWith(messageElement(m));
  },
  message_redacted(frame) {
    // A later message showed this one held the start of a card number.
    const conv = state.conversations.get(frame.conversation_id);
    const m = conv && (conv.messages || []).find((x) => x.id === frame.id);
    if (!m) return;
    m.text = frame.text;
    if (frame.conversation_id !== state.selected) return;
    const shown = ui.messages.querySelector(`[data-id="${CSS.escape(m.id)}"]`);
    if (shown) shown.replaceWith(messageElement(m));
  },
  typing(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    if (!conv) return;
    conv.typingUntil = Date.now() + 3000;
    renderTyping();
  },
  contact_left(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    if (!conv) return;
    conv.left = true;
    conv.ended = true;
    renderList();
    if (frame.conversation_id === state.selected) renderPane();
  },
  contact_away(frame) {
    // The customer's page went away past the grace period (away), or is back.
    const conv = state.conversations.get(frame.conversation_id);
    if (!conv) return;
    conv.contact_away = frame.away;
    if (frame.conversation_id === state.selected) renderPane();
    else notice(frame.away ? "A customer has left their chat page." : "A customer is back in their chat.");
  },
  ended(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    if (!conv) return;
    conv.ended = true;
    renderList();
    if (frame.conversation_id === state.selected) renderPane();
  },
  wrap_up(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    if (conv) conv.ended = true;
    state.acwUntil = frame.acw_until;
    renderAcw();
    renderList();
    renderPane();
  },
  released(frame) {
    removeConversation(frame.conversation_id);
  },
  error(frame) {
    showError(frame.detail || frame.code);
  },
};

const socket = new LiveSocket("/ws/agent", {
  onState: (s, seconds) => showConnection(ui.conn, s, seconds),
  onRetry: checkSignedIn,
  onFrame: (frame) => (handlers[frame.type] || (() => {}))(frame),
});
socket.start();
syncClock();

setInterval(() => {
  tickCountdowns();
  renderAcw();
  renderTyping();
}, 1000);
