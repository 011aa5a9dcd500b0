"""The attachment rules: limits per attachment and per message, names kept for display
but never as paths, and active content never served as itself."""

from __future__ import annotations

from switchdesk.domain.conversations.attachments import (
    ATTACHMENT_MAX_BYTES,
    MESSAGE_ATTACHMENTS_MAX_BYTES,
    admitted,
    clean_content_type,
    clean_filename,
    served_type,
)
from switchdesk.domain.conversations.channels import InboundAttachment


def test_an_attachment_over_its_limit_is_refused_and_the_rest_still_fit() -> None:
    assert admitted([ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_BYTES + 1, 10]) == [True, False, True]


def test_the_message_total_admits_attachments_in_order_until_it_is_reached() -> None:
    half = MESSAGE_ATTACHMENTS_MAX_BYTES // 2
    assert admitted([half, half, 1], per_attachment=half) == [True, True, False]
    assert admitted([half, half + 1, half], per_attachment=half + 1) == [True, False, True]


def test_names_lose_paths_control_and_bidi_characters_but_keep_their_letters() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\kim\\Rechnung März.pdf") == "Rechnung März.pdf"
    assert clean_filename("evil\u202egpj.exe") == "evilgpj.exe"
    assert clean_filename("a\r\nb.txt") == "ab.txt"
    assert clean_filename("...") == "attachment"
    assert len(clean_filename("x" * 1000)) == 255


def test_content_types_are_plain_or_octet_stream() -> None:
    assert clean_content_type("Application/PDF; name=x.pdf") == "application/pdf"
    assert clean_content_type("not a type") == "application/octet-stream"
    assert clean_content_type("") == "application/octet-stream"


def test_active_content_is_served_as_octet_stream() -> None:
    for active in ["text/html", "image/svg+xml", "application/javascript", "TEXT/HTML"]:
        assert served_type(active) == "application/octet-stream"
    assert served_type("image/png") == "image/png"


def test_an_inbound_attachment_knows_its_size_with_or_without_its_bytes() -> None:
    assert InboundAttachment("a", "text/plain", b"abc").byte_size == 3
    assert InboundAttachment("a", "video/mp4", size=99, too_large=True).byte_size == 99
    assert InboundAttachment("a", "image/jpeg", media_ref="m1").byte_size == -1
