"""The download's Content-Disposition: an ASCII fallback name and the real one in UTF-8,
neither able to break out of the header."""

from __future__ import annotations

from switchdesk.web.routes.attachments import content_disposition


def test_a_utf8_name_gets_an_ascii_fallback_and_a_filename_star() -> None:
    value = content_disposition("Rechnung März €.pdf")
    assert value == (
        'attachment; filename="Rechnung Marz _.pdf"; '
        "filename*=UTF-8''Rechnung%20M%C3%A4rz%20%E2%82%AC.pdf"
    )


def test_quotes_semicolons_and_line_breaks_cannot_break_the_header() -> None:
    value = content_disposition('a"; filename="evil.html\r\nX-Injected: 1.txt')
    assert "\r" not in value and "\n" not in value
    fallback = value.split("filename*=")[0]
    assert fallback.count('"') == 2
    assert value.startswith('attachment; filename="a_; filename=_evil.html__X-Injected_ 1.txt"')


def test_a_name_of_only_other_scripts_still_has_a_fallback() -> None:
    assert content_disposition("請求書.pdf").startswith('attachment; filename="___.pdf"')
    assert content_disposition("").startswith('attachment; filename="attachment"')
