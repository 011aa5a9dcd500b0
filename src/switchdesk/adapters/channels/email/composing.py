"""Outbound mail from a channel-neutral :class:`OutboundMessage`: our Message-ID pattern,
threading headers (In-Reply-To, References trimmed to the newest 20), a ``reply+`` Reply-To,
and the loop-protection headers on automatic mail only."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from switchdesk.domain.conversations.channels import OutboundMessage

MAX_REFERENCES = 20


def message_id_for(conversation_id: str, message_id: str, our_domain: str) -> str:
    """Our Message-ID for one of our messages: ``<{conversation_id}.{message_id}@{domain}>``."""
    return f"<{conversation_id}.{message_id}@{our_domain}>"


def reply_address_for(conversation_id: str, our_domain: str) -> str:
    """The ``reply+{conversation_id}@{domain}`` address that threads even without headers."""
    return f"reply+{conversation_id}@{our_domain}"


def _subject(message: OutboundMessage) -> str:
    subject = " ".join(message.subject.split())
    replying = bool(message.in_reply_to or message.references)
    if replying and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}" if subject else "Re:"
    return subject


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def compose_mail(
    message: OutboundMessage,
    *,
    from_address: str,
    from_name: str,
    our_domain: str,
    now: datetime | None = None,
) -> EmailMessage:
    """The mail for ``message`` (UTF-8 safe: headers and body may hold any text)."""
    mail = EmailMessage()
    mail["Message-ID"] = message_id_for(message.conversation_id, message.message_id, our_domain)
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["From"] = Address(display_name=from_name, addr_spec=from_address)
    to = message.to.value
    mail["To"] = Address(display_name=message.to_name, addr_spec=to) if message.to_name else to
    mail["Reply-To"] = reply_address_for(message.conversation_id, our_domain)
    mail["Subject"] = _subject(message)
    references = list(dict.fromkeys(message.references))
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
        if message.in_reply_to not in references:
            references.append(message.in_reply_to)
    if references:
        mail["References"] = " ".join(references[-MAX_REFERENCES:])
    if message.automatic:
        mail["Auto-Submitted"] = "auto-generated"
        mail["X-Auto-Response-Suppress"] = "All"
    body = message.text
    if message.quoted:
        body = f"{body.rstrip()}\n\n{_quote(message.quoted)}"
    mail.set_content(body + "\n", charset="utf-8")
    return mail
