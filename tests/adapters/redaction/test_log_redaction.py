"""No card number reaches a log, whoever logs it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from switchdesk.adapters.redaction.logs import install_log_redaction


@pytest.fixture
def redacting() -> Iterator[None]:
    previous = install_log_redaction()
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def test_a_card_number_in_a_log_message_or_its_arguments_is_redacted(
    redacting: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("switchdesk.test.some_library")
    with caplog.at_level(logging.INFO):
        log.info("body was %s", {"text": "card 4111 1111 1111 1111 cvv 123"})
        log.warning("plain 5555555555554444")
        log.info("nothing to hide: order %d", 1234)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "body was {'text': 'card [card ending 1111] cvv [security code]'}",
        "plain [card ending 4444]",
        "nothing to hide: order 1234",
    ]
    assert "4111" not in caplog.text and "5555555555554444" not in caplog.text


def test_without_the_factory_installed_the_message_is_untouched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The control: proves the test above is not passing because of caplog itself.
    with caplog.at_level(logging.INFO):
        logging.getLogger("switchdesk.test.other").info("plain 5555555555554444")
    assert caplog.records[-1].getMessage() == "plain 5555555555554444"
