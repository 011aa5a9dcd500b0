"""Inbound mail to channel-neutral values: an :class:`InboundMessage`, a :class:`Bounce`,
or an :class:`Unparseable` marker carrying the raw bytes. Never raises on any input.

stdlib ``email`` with ``policy.default``; text decoded with ``errors="replace"`` and an
unknown charset falls back to latin-1, so the text is kept. Loop protection follows the
reference's list (Auto-Submitted, Precedence, List-*, empty Return-Path, MAILER-DAEMON,
multipart/report, mail from our own domain).
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from switchdesk.domain.conversations.attachments import ATTACHMENT_MAX_BYTES, admitted
from switchdesk.domain.conversations.channels import Bounce, InboundAttachment, InboundMessage
from switchdesk.domain.conversations.model import Identity, IdentityKind

from .composing import message_id_for

__all__ = [
    "ParsedMail",
    "Unparseable",
    "html_to_text",
    "is_automatic",
    "message_id_for",
    "parse_mail",
    "split_quote",
]

DEFAULT_MAX_ATTACHMENT_BYTES = ATTACHMENT_MAX_BYTES
"""Larger attachments (and those past the per-message total,
``MESSAGE_ATTACHMENTS_MAX_BYTES``) come as ``too_large``: name and size, no bytes."""


@dataclass(frozen=True, slots=True)
class Unparseable:
    """A mail that could not be turned into a message: keep ``raw`` for an operator."""

    reason: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """Exactly one of ``message``, ``bounce``, ``unparseable`` is set."""

    message: InboundMessage | None = None
    bounce: Bounce | None = None
    unparseable: Unparseable | None = None


_MSGID = re.compile(r"<[^<>\s]+>")


def _header(msg: Message, name: str) -> str:
    """A header's decoded value, or "" (a malformed header never raises)."""
    try:
        value = msg.get(name)
    except Exception:
        value = None
    if value is None:
        raw = _raw_header(msg, name)
        return raw
    try:
        return str(value).strip()
    except Exception:
        return _raw_header(msg, name)


def _raw_header(msg: Message, name: str) -> str:
    for key, value in getattr(msg, "_headers", []):
        if key.lower() == name.lower():
            return str(value).strip()
    return ""


def _all_headers(msg: Message, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except Exception:
        return [_raw_header(msg, name)] if _raw_header(msg, name) else []
    out: list[str] = []
    for v in values:
        with contextlib.suppress(Exception):
            out.append(str(v))
    return out


def _unescape(value: str) -> str:
    """Undo the parser's surrogateescape of undecoded 8-bit bytes (taken as UTF-8)."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value.encode("utf-8", "replace").decode("utf-8", "replace")


def _clean(value: str) -> str:
    """Storable text: valid UTF-8 (no lone surrogates) and no NUL characters."""
    return _unescape(value).replace("\x00", "")


def _display_name(msg: Message) -> tuple[str, str]:
    """(display name, address) of From, the name's RFC 2047 words joined as RFC 2047 says
    (adjacent encoded words carry no space, even when split mid-character)."""
    raw = _unescape(_raw_header(msg, "From"))
    name, addr = parseaddr(raw.replace("\r", "").replace("\n", ""))
    if not addr:
        name, addr = parseaddr(_header(msg, "From"))
        return name, addr
    try:
        decoded = str(make_header(decode_header(name)))
    except Exception:
        decoded = name
    return " ".join(decoded.split()), addr


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def _charset_ok(charset: str) -> bool:
    try:
        "".encode(charset)
    except (LookupError, TypeError, ValueError):
        return False
    return True


def _part_text(part: Message) -> str:
    """The decoded text of a text part: its charset if known, else latin-1; replacing."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(payload, bytes):
        return str(payload)
    charset = part.get_content_charset() or "us-ascii"
    if not _charset_ok(charset):
        charset = "latin-1"
    try:
        text = payload.decode(charset, errors="replace")
    except Exception:
        text = payload.decode("latin-1", errors="replace")
    if charset.lower() in ("us-ascii", "ascii") and any(b > 127 for b in payload):
        # Undeclared 8-bit: most likely UTF-8.
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _HtmlText(HTMLParser):
    _BLOCK = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body (stdlib parser; tags dropped)."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]+>", " ", html).strip()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return ""
    if isinstance(name, tuple):  # pragma: no cover - compat32 style
        name = email.utils.collapse_rfc2231_value(name)
    return str(name)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    if _filename(part):
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _body(
    msg: Message, max_bytes: int
) -> tuple[str, str, list[InboundAttachment], list[dict[str, Any]]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[InboundAttachment] = []
    dropped: list[dict[str, Any]] = []
    broken: list[str] = []
    found: list[tuple[str, str, bytes]] = []
    sizes: list[int] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            # A multipart whose boundary was never found: keep its text rather than nothing.
            payload = part.get_payload()
            if isinstance(payload, str):
                lines = [x for x in payload.splitlines() if not x.startswith("--")]
                broken.append(_unescape("\n".join(lines)))
            continue
        if _is_attachment(part):
            try:
                data = part.get_payload(decode=True)
            except Exception:
                data = None
            if not isinstance(data, bytes):
                raw = part.get_payload()
                data = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
            name = _clean(_filename(part) or "attachment")
            sizes.append(len(data))
            found.append((name, ctype, data))
        elif ctype == "text/html":
            html.append(_part_text(part))
        elif part.get_content_maintype() == "text":
            plain.append(_part_text(part))
    for (name, ctype, data), ok in zip(
        found, admitted(sizes, per_attachment=max_bytes), strict=True
    ):
        if ok:
            attachments.append(InboundAttachment(name, ctype, data))
        else:  # name and size only; the raw mail is kept whole (see intake.py)
            dropped.append({"name": name, "size": len(data)})
            attachments.append(InboundAttachment(name, ctype, size=len(data), too_large=True))
    html_text = "\n".join(html)
    text = "\n".join(plain) if plain else (html_to_text(html_text) if html_text else "")
    if not text and broken:
        text = "\n".join(broken).strip()
    return text.strip("\n"), html_text, attachments, dropped


_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})


def is_automatic(msg: Message, sender: str, our_domain: str) -> bool:
    """The reference's loop-protection list, plus mail from our own domain."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return True
    if _header(msg, "Precedence").lower() in _PRECEDENCE:
        return True
    suppress = {v.strip().lower() for v in _header(msg, "X-Auto-Response-Suppress").split(",") if v}
    if suppress & {"all", "oof"}:
        return True
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if name in msg:
            return True
    if "Return-Path" in msg and _header(msg, "Return-Path").strip() in ("<>", ""):
        return True
    local, _, domain = sender.partition("@")
    if local in ("mailer-daemon", "postmaster"):
        return True
    if our_domain and domain == our_domain.lower():
        return True
    return msg.get_content_type() == "multipart/report"


def _hint(ids: list[str], recipients: list[str], our_domain: str) -> str | None:
    domain = re.escape(our_domain.lower())
    ours = re.compile(rf"^<([^<>@\s]+)\.([^<>@.\s]+)@{domain}>$", re.IGNORECASE)
    for mid in ids:
        m = ours.match(mid)
        if m:
            return m.group(1)
    plus = re.compile(rf"^reply\+([^@\s]+)@{domain}$", re.IGNORECASE)
    for addr in recipients:
        m = plus.match(addr)
        if m:
            return m.group(1)
    return None


def _addresses(msg: Message, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values.extend(_all_headers(msg, name))
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    return [addr.strip().lower() for _, addr in pairs if addr]


def _bounce(msg: Message, channel_id: str, received_at: datetime) -> Bounce | None:
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type") or "").lower() != "delivery-status":
        return None
    status = recipient = diagnostic = ""
    original: str | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            # One block per recipient: report the first permanent failure, else the first.
            blocks = [b for b in _status_blocks(part) if b.get("status", "").strip()]
            blocks.sort(key=lambda b: not b["status"].strip().startswith("5"))
            if blocks and not status:
                status = blocks[0]["status"].strip()
                recipient = blocks[0].get("final-recipient") or blocks[0].get(
                    "original-recipient", ""
                )
                diagnostic = blocks[0].get("diagnostic-code", "")
        elif ctype in ("text/rfc822-headers", "message/rfc822") and original is None:
            original = _original_id(part)
    if not status:
        return None
    if ";" in recipient:
        recipient = recipient.split(";", 1)[1]
    status = status.split()[0] if status.split() else status
    return Bounce(
        channel_id=channel_id,
        recipient=recipient.strip().lower(),
        permanent=status.startswith("5"),
        status_code=status,
        original_external_id=original,
        at=received_at,
        diagnostic=diagnostic.strip(),
    )


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The per-message and per-recipient field groups of a message/delivery-status part."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):  # parsed by the email package into header blocks
        for sub in payload:
            if isinstance(sub, Message):
                blocks.append({k.lower(): str(v) for k, v in sub.items()})
        return blocks
    text = payload if isinstance(payload, str) else ""
    for chunk in re.split(r"\r?\n\s*\r?\n", text):
        fields = email.message_from_string(chunk.strip() + "\n\n", policy=policy.compat32)
        blocks.append({k.lower(): str(v) for k, v in fields.items()})
    return blocks


def _original_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        ids = _ids(_header(payload[0], "Message-ID"))
        return ids[0] if ids else None
    text = payload if isinstance(payload, str) else ""
    if part.get("Content-Transfer-Encoding"):
        text = _part_text(part)
    m = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


def parse_mail(
    raw: bytes,
    *,
    channel_id: str,
    our_domain: str,
    received_at: datetime,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> ParsedMail:
    """One raw RFC 5322 mail to a message, a bounce, or an unparseable marker."""
    try:
        return _parse(raw, channel_id, our_domain, received_at, max_attachment_bytes)
    except Exception as exc:
        return ParsedMail(unparseable=Unparseable(f"{type(exc).__name__}: {exc}", raw))


def _parse(
    raw: bytes, channel_id: str, our_domain: str, received_at: datetime, max_bytes: int
) -> ParsedMail:
    if not raw or not raw.strip():
        return ParsedMail(unparseable=Unparseable("empty message", raw))
    msg = email.message_from_bytes(raw, policy=policy.default)
    if not isinstance(msg, EmailMessage) or not msg.keys():
        return ParsedMail(unparseable=Unparseable("no headers", raw))

    bounce = _bounce(msg, channel_id, received_at)
    if bounce is not None:
        original = [bounce.original_external_id] if bounce.original_external_id else []
        hint = _hint(original, [], our_domain) if our_domain else None
        return ParsedMail(bounce=replace(bounce, conversation_hint=hint))

    name, addr = _display_name(msg)
    sender = addr.strip().lower()
    if "@" not in sender:
        return ParsedMail(unparseable=Unparseable("no usable From address", raw))

    ids = _ids(_header(msg, "Message-ID"))
    external_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()}@missing-id>"

    replies: list[str] = []
    for mid in _ids(_header(msg, "In-Reply-To")) + list(reversed(_ids(_header(msg, "References")))):
        if mid not in replies:
            replies.append(mid)

    recipients = _addresses(msg, "To", "Cc", "Delivered-To")
    text, html, attachments, dropped = _body(msg, max_bytes)
    extra: dict[str, Any] = {}
    if dropped:
        extra["dropped_attachments"] = dropped
    defects = [type(d).__name__ for p in msg.walk() for d in getattr(p, "defects", [])]
    if defects:
        extra["defects"] = sorted(set(defects))

    return ParsedMail(
        message=InboundMessage(
            channel_id=channel_id,
            sender=Identity(IdentityKind.EMAIL, sender),
            sender_name=_clean(name.strip()),
            text=_clean(text),
            external_id=external_id,
            received_at=received_at,
            subject=_clean(_header(msg, "Subject")),
            html=_clean(html),
            replies_to=tuple(replies),
            conversation_hint=_hint(replies, recipients, our_domain),
            automatic=is_automatic(msg, sender, our_domain),
            attachments=tuple(attachments),
            extra=extra,
        )
    )


_QUOTE_HEADER = re.compile(
    r"^\s*(On\s.+\swrote:|-{2,}\s*Original Message\s*-{2,}|_{5,})\s*$",
    re.IGNORECASE,
)


def split_quote(text: str) -> tuple[str, str]:
    """Split ``text`` into the new reply and the quoted tail ("On ... wrote:", ``>`` lines,
    "-----Original Message-----"); ``("", "")``-safe: the reply is never lost."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        starts_quote = bool(_QUOTE_HEADER.match(line))
        if not starts_quote and line.lower().lstrip().startswith("from:"):
            # Outlook's quote header without the "Original Message" line.
            starts_quote = (
                i > 0 and not lines[i - 1].strip() and _looks_like_header_block(lines[i:])
            )
        # "On ... wrote:" split over two lines (Gmail wraps long ones).
        if (
            not starts_quote
            and line.lstrip().startswith("On ")
            and i + 1 < len(lines)
            and lines[i + 1].rstrip().endswith("wrote:")
        ):
            starts_quote = True
        if not starts_quote and line.lstrip().startswith(">"):
            rest = [x for x in lines[i:] if x.strip()]
            starts_quote = all(x.lstrip().startswith(">") for x in rest)
        if starts_quote:
            reply = "\n".join(lines[:i]).rstrip()
            if not reply:
                return text.strip(), ""
            return reply, "\n".join(lines[i:]).strip()
    return text.strip(), ""


def _looks_like_header_block(lines: list[str]) -> bool:
    head = [x.lower() for x in lines[:6]]
    return sum(x.startswith(("from:", "sent:", "to:", "subject:", "date:")) for x in head) >= 3
