"""Inbound mail parsing: each hand-written fixture gets a clear outcome; nothing raises."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from switchdesk.adapters.channels.email.composing import compose_mail
from switchdesk.adapters.channels.email.parsing import ParsedMail, parse_mail, split_quote
from switchdesk.domain.conversations.channels import InboundMessage, OutboundMessage
from switchdesk.domain.conversations.model import Identity, IdentityKind

FIXTURES = Path(__file__).parent / "fixtures"
DOMAIN = "help.example.org"
AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def parse(raw: bytes, **kw: object) -> ParsedMail:
    return parse_mail(raw, channel_id="ch-1", our_domain=DOMAIN, received_at=AT, **kw)  # type: ignore[arg-type]


def message(name: str) -> InboundMessage:
    parsed = parse((FIXTURES / name).read_bytes())
    assert parsed.message is not None, parsed
    return parsed.message


def test_an_outlook_reply_threads_to_our_message_id_and_keeps_the_sender() -> None:
    m = message("outlook_reply.eml")
    assert m.sender == Identity(IdentityKind.EMAIL, "anna.mueller@example.com")
    assert m.sender_name == "Müller, Anna"
    assert m.external_id == "<AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.com>"
    assert m.replies_to == (
        "<conv-1.msg-2@help.example.org>",
        "<conv-1.msg-1@help.example.org>",
        "<first@example.com>",
    )
    assert m.conversation_hint == "conv-1"
    assert not m.automatic
    assert m.text.startswith("Thanks, that works for me.")
    assert "<p>" in m.html
    reply, quoted = split_quote(m.text)
    assert reply == "Thanks, that works for me."
    assert quoted.startswith("-----Original Message-----")


def test_a_newsletter_with_list_unsubscribe_is_automatic() -> None:
    m = message("newsletter.eml")
    assert m.automatic
    assert m.conversation_hint is None


def test_an_exchange_out_of_office_reply_is_automatic() -> None:
    m = message("exchange_oof.eml")
    assert m.automatic
    assert m.conversation_hint == "conv-9"


def test_a_gmail_vacation_reply_is_automatic() -> None:
    assert message("gmail_vacation.eml").automatic


def test_a_5_1_1_delivery_report_is_a_permanent_bounce_of_our_message() -> None:
    parsed = parse((FIXTURES / "dsn_permanent.eml").read_bytes())
    assert parsed.message is None and parsed.bounce is not None
    b = parsed.bounce
    assert b.permanent
    assert b.status_code == "5.1.1"
    assert b.recipient == "nobody@nowhere.example"
    assert b.original_external_id == "<conv-7.msg-5@help.example.org>"
    assert "User unknown" in b.diagnostic
    assert b.channel_id == "ch-1" and b.at == AT
    assert b.conversation_hint == "conv-7"  # our Message-ID pattern names the conversation


def test_a_4_x_x_delivery_report_is_a_temporary_bounce() -> None:
    b = parse((FIXTURES / "dsn_temporary.eml").read_bytes()).bounce
    assert b is not None
    assert not b.permanent
    assert b.status_code == "4.4.1"
    assert b.recipient == "slow@busy.example"
    assert b.original_external_id == "<conv-8.msg-1@help.example.org>"
    assert b.conversation_hint == "conv-8"


def test_a_bounce_of_a_mail_that_is_not_ours_names_no_conversation() -> None:
    raw = (FIXTURES / "dsn_permanent.eml").read_bytes()
    b = parse_mail(raw, channel_id="ch-1", our_domain="other.example", received_at=AT).bounce
    assert b is not None and b.permanent and b.conversation_hint is None


def test_rfc_2047_words_split_across_encoded_words_are_joined() -> None:
    m = message("split_rfc2047.eml")
    assert m.subject == "Grüße aus München"
    assert m.sender_name == "Jürgen Grün"


def test_an_unknown_charset_falls_back_and_keeps_the_text() -> None:
    m = message("unknown_charset.eml")
    assert m.text == "Café price: 5¤"


def test_a_broken_boundary_still_yields_a_message_with_its_text() -> None:
    m = message("malformed_mime.eml")
    assert "survives a broken boundary" in m.text
    assert m.extra.get("defects")


def test_garbage_bytes_are_unparseable_with_the_raw_kept() -> None:
    raw = (FIXTURES / "garbage.eml").read_bytes()
    parsed = parse(raw)
    assert parsed.message is None and parsed.bounce is None
    assert parsed.unparseable is not None
    assert parsed.unparseable.raw == raw
    assert parsed.unparseable.reason


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n",
        b"From: nobody\r\n\r\nhi",
        b"Content-Type: multipart/mixed\r\n\r\n--",
        b"\xff" * 50,
    ],
)
def test_odd_inputs_never_raise(raw: bytes) -> None:
    parsed = parse(raw)
    assert (parsed.message, parsed.bounce, parsed.unparseable).count(None) == 2


def test_an_html_only_mail_is_converted_to_text_and_the_html_kept() -> None:
    m = message("html_only.eml")
    assert "Hello team," in m.text
    assert "my printer is broken." in m.text
    assert "alert" not in m.text and "color" not in m.text
    assert "<b>printer</b>" in m.html


def test_attachments_keep_rfc_2231_and_rfc_2047_names_type_and_bytes() -> None:
    m = message("attachments.eml")
    assert m.text == "See attached."
    names = [(a.filename, a.content_type) for a in m.attachments]
    assert names == [("Rechnung März.pdf", "application/pdf"), ("büro.png", "image/png")]
    assert m.attachments[0].data == b"%PDF-1.4\n"


def test_a_20_mb_attachment_comes_as_too_large_with_name_and_size_instead_of_failing() -> None:
    mail = EmailMessage()
    mail["From"] = "big@example.com"
    mail["To"] = "support@help.example.org"
    mail["Subject"] = "big"
    mail["Message-ID"] = "<big-1@example.com>"
    mail.set_content("Here is the video.")
    mail.add_attachment(
        b"\0" * (20 * 1024 * 1024), maintype="video", subtype="mp4", filename="v.mp4"
    )
    mail.add_attachment(b"small", maintype="text", subtype="plain", filename="note.txt")
    m = parse(mail.as_bytes()).message
    assert m is not None
    assert [(a.filename, a.too_large, a.byte_size) for a in m.attachments] == [
        ("v.mp4", True, 20 * 1024 * 1024),
        ("note.txt", False, 5),
    ]
    assert m.attachments[0].data == b""
    assert m.extra["dropped_attachments"] == [{"name": "v.mp4", "size": 20 * 1024 * 1024}]
    assert m.text == "Here is the video."


def test_a_missing_message_id_gets_a_stable_synthetic_one() -> None:
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nhello\r\n"
    first, second = parse(raw).message, parse(raw).message
    assert first is not None and second is not None
    assert first.external_id == second.external_id
    assert first.external_id.endswith("@missing-id>")


def test_a_reply_plus_recipient_gives_the_conversation_hint() -> None:
    raw = b"From: a@example.com\r\nTo: reply+conv-77@help.example.org\r\nSubject: x\r\n\r\nhi\r\n"
    m = parse(raw).message
    assert m is not None and m.conversation_hint == "conv-77"


def test_mail_from_our_own_domain_is_automatic() -> None:
    raw = b"From: support@help.example.org\r\nSubject: x\r\n\r\nloop\r\n"
    m = parse(raw).message
    assert m is not None and m.automatic


def test_an_empty_return_path_and_mailer_daemon_are_automatic() -> None:
    raw = b"Return-Path: <>\r\nFrom: x@example.com\r\n\r\nhi\r\n"
    assert parse(raw).message.automatic  # type: ignore[union-attr]
    raw = b"From: MAILER-DAEMON@example.com\r\n\r\nhi\r\n"
    assert parse(raw).message.automatic  # type: ignore[union-attr]
    raw = b"From: x@example.com\r\nAuto-Submitted: no\r\n\r\nhi\r\n"
    assert not parse(raw).message.automatic  # type: ignore[union-attr]


def test_our_composed_reply_is_recognised_when_the_customer_answers_it() -> None:
    out = OutboundMessage(
        delivery_id="d-1",
        message_id="msg-5",
        conversation_id="conv-3",
        channel_id="ch-1",
        to=Identity(IdentityKind.EMAIL, "anna@example.com"),
        to_name="Anna",
        text="Your order ships tomorrow.",
        subject="Order",
        in_reply_to="<cust-1@example.com>",
    )
    sent = compose_mail(
        out, from_address="support@help.example.org", from_name="Help", our_domain=DOMAIN
    )
    answer = EmailMessage()
    answer["From"] = "Anna <anna@example.com>"
    answer["To"] = str(sent["Reply-To"])
    answer["Subject"] = "Re: " + str(sent["Subject"])
    answer["Message-ID"] = "<cust-2@example.com>"
    answer["In-Reply-To"] = str(sent["Message-ID"])
    answer["References"] = f"{sent['References']} {sent['Message-ID']}"
    answer.set_content("Thanks!\n\nOn Tue, Anna wrote:\n> Your order ships tomorrow.\n")
    m = parse(answer.as_bytes()).message
    assert m is not None
    assert m.conversation_hint == "conv-3"
    assert m.replies_to == ("<conv-3.msg-5@help.example.org>", "<cust-1@example.com>")
    assert split_quote(m.text) == ("Thanks!", "On Tue, Anna wrote:\n> Your order ships tomorrow.")


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Yes please.\n\nOn Mon, 30 Nov 2026, Support wrote:\n> old", "Yes please."),
        ("Fine.\n> quoted\n> more", "Fine."),
        ("Ok\n\n-----Original Message-----\nFrom: x", "Ok"),
        ("No quote here.\nJust text.", "No quote here.\nJust text."),
        ("Sure.\n\nOn Mon, 30 Nov 2026 at 09:00, Support Team <s@x>\nwrote:\n> old", "Sure."),
    ],
)
def test_split_quote_separates_the_new_text_from_the_quoted_tail(text: str, reply: str) -> None:
    assert split_quote(text)[0] == reply


def test_an_outlook_quote_header_without_the_original_message_line_is_split() -> None:
    text = "Done.\n\nFrom: Support <s@x>\nSent: Monday\nTo: Anna\nSubject: Re: Order\n\nOld text"
    assert split_quote(text) == ("Done.", text.split("\n\n", 1)[1])
    # A "From:" line in the middle of a message is only text.
    assert split_quote("From: my side it works.\nThanks") == (
        "From: my side it works.\nThanks",
        "",
    )


def test_binary_data_in_a_header_does_not_lose_the_mail() -> None:
    raw = (
        b"From: Ivan <ivan@example.com>\r\nTo: support@help.example.org\r\n"
        b"Cc: \xff\xfe\x00 <broken\r\nSubject: \xc3\xa9t\xe9\r\nMessage-ID: <bin-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nStill here\r\n"
    )
    m = parse(raw).message
    assert m is not None
    assert m.text == "Still here"
    assert m.sender.value == "ivan@example.com"
    m.subject.encode("utf-8")  # storable: no lone surrogates


def test_nul_characters_and_stray_8_bit_bytes_become_storable_text() -> None:
    raw = b"From: x@example.com\r\nSubject: s\r\n\r\nStill\x00 here \xff\r\n"
    m = parse(raw).message
    assert m is not None
    assert m.text == "Still here \ufffd"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_every_fixture_parses_the_same_with_crlf_line_endings(name: str) -> None:
    lf = (FIXTURES / name).read_bytes()
    crlf = lf.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    a, b = parse(lf), parse(crlf)
    assert [x is None for x in (a.message, a.bounce, a.unparseable)] == [
        x is None for x in (b.message, b.bounce, b.unparseable)
    ]
    if a.message is not None and b.message is not None:
        assert b.message.text == a.message.text
        assert "\r" not in b.message.text
        assert b.message.automatic == a.message.automatic
        assert b.message.conversation_hint == a.message.conversation_hint
    if a.bounce is not None:
        assert b.bounce == a.bounce


def test_a_report_on_two_recipients_reports_the_permanent_failure() -> None:
    raw = (
        (FIXTURES / "dsn_temporary.eml")
        .read_bytes()
        .replace(
            b"Diagnostic-Code: smtp; 421 4.4.1 Connection timed out\n",
            b"Diagnostic-Code: smtp; 421 4.4.1 Connection timed out\n\n"
            b"Final-Recipient: rfc822; gone@busy.example\nAction: failed\nStatus: 5.1.1\n",
        )
    )
    b = parse(raw).bounce
    assert b is not None
    assert (b.recipient, b.permanent, b.status_code) == ("gone@busy.example", True, "5.1.1")
