// The contact card's timeline across channels, its possible duplicates and the merge
// (docs/channels.md, "Contacts across channels"), and the delivery status shown under a
// reply. The panel keeps its own DOM node: the desk re-renders the card around it.
import { api, h, dateTime } from "./live.js";

const PAGE = 20;

export const CHANNEL_LABEL = {
  web_chat: "Chat",
  chat: "Chat",
  email: "Email",
  whatsapp: "WhatsApp",
  messenger: "Messenger",
  sms: "SMS",
  voice: "Phone",
};

const EVENT_TEXT = {
  created: "Conversation started",
  accepted: "Accepted by an agent",
  transferred: "Transferred",
  escalated: "Escalated",
  ended: "Resolved",
  wrapped_up: "Wrapped up",
  reopened: "Reopened",
  abandoned: "Left before an answer",
  automatic: "Automatic mail stored",
  opted_out: "Opted out (STOP)",
  opted_in: "Opted back in",
  bounced: "Mail bounced",
  delivery_delayed: "Mail delayed",
  address_deliverable: "Address works again",
  rated: "Rated",
  contact_merged: "Contacts merged",
  identity_linked: "Same phone number: linked to this contact",
};

const DELIVERY_TEXT = {
  queued: "Queued",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Failed",
};

/** The line under an outbound reply: its delivery status (and, failed, why). */
export function deliveryElement(d) {
  if (!d) return null;
  let text = DELIVERY_TEXT[d.status] || d.status;
  if (d.status === "failed") text += `: ${d.error_text || "not delivered"}${d.error_code ? ` (${d.error_code})` : ""}`;
  else if (d.retrying) text += " (retrying)";
  return h("span", { class: `delivery ${d.status}`, dataset: { testid: "delivery-status", status: d.status } }, text);
}

function badge(kind) {
  return h("span", { class: `channel-badge ${kind}`, dataset: { testid: "channel-badge" } }, CHANNEL_LABEL[kind] || kind);
}

function itemElement(item) {
  const head = [badge(item.channel_kind), " ", h("time", { datetime: item.at }, dateTime(item.at))];
  const body =
    item.type === "message"
      ? [
          h("span", { class: "who" }, item.internal ? `${item.author_name} · internal note` : item.author_name),
          h("span", { class: "text" }, item.text.length > 300 ? `${item.text.slice(0, 300)}…` : item.text),
          deliveryElement(item.delivery),
        ]
      : [h("span", { class: "event" }, EVENT_TEXT[item.kind] || item.kind.replace(/_/g, " "))];
  return h(
    "li",
    { class: `timeline-item ${item.type}`, dataset: { testid: "timeline-item", channel: item.channel_kind, type: item.type } },
    h("div", { class: "timeline-head" }, ...head),
    item.subject && item.channel_kind === "email" ? h("div", { class: "muted subject" }, item.subject) : null,
    ...body,
  );
}

export class ContactPanel {
  /** ``mayMerge``: the user holds contacts.merge; ``onMerged(card)`` after a merge. */
  constructor({ mayMerge, onMerged, onError }) {
    this.mayMerge = mayMerge;
    this.onMerged = onMerged || (() => {});
    this.onError = onError || (() => {});
    this.contactId = null;
    this.items = [];
    this.cursor = null;
    this.duplicates = [];
    this.loading = false;
    this.status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    this.el = h("section", { class: "card-timeline", "aria-labelledby": "timeline-title" });
  }

  /** Show ``contactId``'s timeline (fetched once per contact; ``refresh`` fetches again). */
  show(contactId, refresh = false) {
    if (!contactId) {
      this.contactId = null;
      this.el.replaceChildren();
      return;
    }
    if (contactId === this.contactId && !refresh) return;
    this.contactId = contactId;
    this.items = [];
    this.cursor = null;
    this.duplicates = [];
    this.render();
    this.load(false);
    this.loadDuplicates();
  }

  async load(older) {
    const id = this.contactId;
    if (!id || this.loading) return;
    this.loading = true;
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (older && this.cursor) params.set("cursor", this.cursor);
    try {
      const page = await api("GET", `/api/v1/contacts/${encodeURIComponent(id)}/timeline?${params}`);
      if (id !== this.contactId) return;
      const first = this.items.length;
      this.items = older ? [...this.items, ...page.items] : page.items;
      this.cursor = page.next_cursor;
      this.render();
      if (older) {
        this.status.textContent = `${page.items.length} older items shown.`;
        const next = this.el.querySelectorAll("[data-testid=timeline-item]")[first];
        if (next) next.focus();
      }
    } catch (err) {
      this.onError(err.detail || String(err));
    } finally {
      this.loading = false;
    }
  }

  /** Fetch the newest page again (a message arrived), keeping the older pages shown. */
  async refreshNewest() {
    const id = this.contactId;
    if (!id || this.loading) return;
    this.loading = true;
    try {
      const page = await api("GET", `/api/v1/contacts/${encodeURIComponent(id)}/timeline?limit=${PAGE}`);
      if (id !== this.contactId) return;
      const fresh = new Set(page.items.map((i) => i.id));
      const kept = this.items.filter((i) => !fresh.has(i.id));
      const overlaps = kept.length < this.items.length;
      this.items = overlaps ? [...page.items, ...kept] : page.items;
      if (!overlaps) this.cursor = page.next_cursor; // else the older pages' cursor holds
      this.render();
    } catch (err) {
      this.onError(err.detail || String(err));
    } finally {
      this.loading = false;
    }
  }

  async loadDuplicates() {
    const id = this.contactId;
    try {
      const found = await api("GET", `/api/v1/contacts/${encodeURIComponent(id)}/duplicates`);
      if (id !== this.contactId) return;
      this.duplicates = found.items || [];
      this.render();
    } catch (err) {
      this.onError(err.detail || String(err));
    }
  }

  async merge(other, button) {
    button.disabled = true;
    try {
      const card = await api("POST", `/api/v1/contacts/${encodeURIComponent(this.contactId)}/merge`, {
        other_contact_id: other.id,
      });
      this.status.textContent = `${other.name} merged into this contact.`;
      this.onMerged(card, other.id);
      this.show(card.id, true);
    } catch (err) {
      button.disabled = false;
      this.onError(err.detail || String(err));
    }
  }

  render() {
    const dupes = this.duplicates.length
      ? h(
          "div",
          { class: "card-duplicates", id: "card-duplicates" },
          h("h3", {}, "Possible duplicates"),
          h(
            "ul",
            {},
            ...this.duplicates.map((d) =>
              h(
                "li",
                { dataset: { testid: "duplicate", id: d.id } },
                h("strong", {}, d.name),
                " ",
                h("span", { class: "muted" }, (d.identities || []).filter((i) => i.kind !== "chat_visitor").map((i) => i.value).join(", ")),
                h("div", { class: "muted" }, (d.reason_text || d.reasons || []).join("; ")),
                this.mayMerge
                  ? h(
                      "button",
                      {
                        type: "button",
                        class: "secondary",
                        dataset: { testid: "merge-button" },
                        "aria-label": `Merge ${d.name} into this contact`,
                        onclick: (event) => this.merge(d, event.currentTarget),
                      },
                      "Merge",
                    )
                  : null,
              ),
            ),
          ),
        )
      : null;
    const list = this.items.length
      ? h(
          "ol",
          { class: "card-timeline-list", id: "card-timeline", "aria-label": "Timeline across channels, newest first" },
          ...this.items.map((item) => {
            const li = itemElement(item);
            li.tabIndex = -1;
            return li;
          }),
        )
      : h("p", { class: "muted", id: "card-timeline" }, this.loading || !this.contactId ? "Loading…" : "Nothing yet.");
    const older = this.cursor
      ? h("button", { type: "button", class: "secondary", id: "timeline-older", onclick: () => this.load(true) }, "Show older")
      : null;
    this.el.replaceChildren(dupes || "", h("h3", { id: "timeline-title" }, "Timeline"), list, older || "", this.status);
  }
}
