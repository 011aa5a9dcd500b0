"""The demo's helper commands against a running ``switchdesk demo``: a customer's mail, the
center's acknowledgement at the SMTP sink, the customer's threaded answer in the same
conversation; and a demo seeded without serving starts no fakes."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import httpx

from tests.demo_process import LiveDemo, cli, run_demo


def _wait_for_outbox(demo: LiveDemo, seconds: float = 20.0) -> list[dict[str, str]]:
    deadline = time.monotonic() + seconds
    while True:
        entries: list[dict[str, str]] = json.loads(demo.cli("demo-outbox", "--json"))
        if entries:
            return entries
        assert time.monotonic() < deadline, "nothing reached the demo's SMTP sink"
        time.sleep(0.3)


def test_demo_mail_and_its_reply_make_one_conversation_and_the_outbox_lists_the_answer(
    tmp_path: Path,
) -> None:
    with run_demo(tmp_path) as demo:
        sent = demo.cli(
            "demo-mail", "My meter reads 4711", "--sender", "max@example.com", "--name", "Max"
        )
        assert re.fullmatch(r"sent <[^>]+@example\.com> to support@northwind\.example\n", sent)

        [acknowledgement] = _wait_for_outbox(demo)
        assert acknowledgement["channel"] == "email"
        assert acknowledgement["to"] == "Max <max@example.com>"
        assert acknowledgement["subject"] == "Re: My contract"
        assert "Thank you for writing to Northwind Energy" in acknowledgement["text"]

        answered = demo.cli("demo-mail", "--reply", "Thanks!", "--sender", "max@example.com")
        ours = re.search(r"a reply to <([0-9a-f]+)\.[0-9a-f]+@northwind\.example>", answered)
        assert ours, answered
        conversation_id = ours.group(1)

        env = dict(os.environ, SWITCHDESK_DATABASE_URL=f"sqlite:///{demo.database}")
        token = json.loads(cli("tokens", "issue", "lead", "--name", "t", "--json", env=env).stdout)
        headers = {"authorization": f"Bearer {token['secret']}"}
        deadline = time.monotonic() + 20
        while True:
            answer = httpx.get(
                f"{demo.url}/api/v1/conversations/{conversation_id}", headers=headers
            )
            assert answer.status_code == 200, answer.text
            detail = answer.json()
            texts = [m["text"] for m in detail["messages"] if m["author"] == "contact"]
            if len(texts) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert texts[0] == "My meter reads 4711"
        assert texts[1].startswith("Thanks!")
        assert detail["channel_kind"] == "email" and detail["subject"] == "My contract"


def test_a_demo_seeded_without_serving_starts_no_fakes_and_leaves_no_secrets(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    seeded = json.loads(cli("demo", "--no-serve", "--json", "--database", str(db)).stdout)
    assert "fakes" not in seeded
    assert not db.with_suffix(".fakes.json").exists()
    assert not (tmp_path / "demo-outbox").exists()
