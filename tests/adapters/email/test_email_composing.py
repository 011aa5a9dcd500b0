"""Outbound mail composition: our Message-ID, threading headers, loop protection."""

from __future__ import annotations

import email
from email import policy

from switchdesk.adapters.channels.email.composing import compose_mail, message_id_for
from switchdesk.domain.conversations.channels import OutboundMessage
from switchdesk.domain.conversations.model import Identity, IdentityKind

DOMAIN = "help.example.org"


def outbound(**kw: object) -> OutboundMessage:
    fields: dict[str, object] = dict(
        delivery_id="d-1",
        message_id="m-2",
        conversation_id="c-1",
        channel_id="ch-1",
        to=Identity(IdentityKind.EMAIL, "anna@example.com"),
        to_name="",
        text="Hello",
        subject="Question",
    )
    fields.update(kw)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def compose(message: OutboundMessage) -> email.message.EmailMessage:
    built = compose_mail(
        message, from_address="s@help.example.org", from_name="", our_domain=DOMAIN
    )
    # Round trip through bytes, as the wire does.
    return email.message_from_bytes(built.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def test_the_message_id_follows_our_pattern() -> None:
    assert message_id_for("c-1", "m-2", DOMAIN) == "<c-1.m-2@help.example.org>"
    assert compose(outbound())["Message-ID"] == "<c-1.m-2@help.example.org>"


def test_a_first_mail_has_no_threading_headers_and_no_re_prefix() -> None:
    m = compose(outbound())
    assert m["Subject"] == "Question"
    assert m["In-Reply-To"] is None and m["References"] is None
    assert m["Reply-To"] == "reply+c-1@help.example.org"


def test_a_reply_adds_re_once_and_trims_references_to_the_newest_20() -> None:
    refs = tuple(f"<r{i}@x>" for i in range(30))
    m = compose(outbound(subject="Re: Question", in_reply_to="<last@x>", references=refs))
    assert m["Subject"] == "Re: Question"
    ids = str(m["References"]).split()
    assert len(ids) == 20
    assert ids[-1] == "<last@x>" and ids[0] == "<r11@x>"
    assert m["In-Reply-To"] == "<last@x>"
    assert compose(outbound(in_reply_to="<a@x>"))["Subject"] == "Re: Question"


def test_only_automatic_mail_carries_the_loop_protection_headers() -> None:
    auto = compose(outbound(automatic=True))
    assert auto["Auto-Submitted"] == "auto-generated"
    assert auto["X-Auto-Response-Suppress"] == "All"
    human = compose(outbound())
    assert human["Auto-Submitted"] is None and human["X-Auto-Response-Suppress"] is None


def test_the_previous_message_is_quoted_and_non_ascii_text_survives() -> None:
    m = compose(
        outbound(text="Grüße 🎉", subject="Ärger", to_name="Zoë", quoted="line one\n\nline two")
    )
    assert m["Subject"] == "Ärger"
    assert m["To"] == "Zoë <anna@example.com>"
    body = m.get_content()
    assert body.startswith("Grüße 🎉\n\n> line one\n>\n> line two")
