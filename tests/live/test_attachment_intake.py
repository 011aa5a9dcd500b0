"""Attachments through the conversation core (SQLite and PostgreSQL): stored with their
message under the limits, bytes in the blob store before the commit, messaging media
recorded as not fetched, and views and downloads that follow the conversation's rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from switchdesk.adapters.memory.blobs import MemoryBlobStore
from switchdesk.domain.conversations.channels import InboundAttachment, InboundMessage
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.domain.errors import NotFound
from tests.live.conftest import Center

MIB = 1024 * 1024


def email_channel(center: Center) -> str:
    return center.live.create_channel(
        center.op,
        slug="north-mail",
        name="Northwind mail",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address="help@northwind.example",
    ).id


def mail(channel_id: str, external_id: str, *files: InboundAttachment) -> InboundMessage:
    return InboundMessage(
        channel_id=channel_id,
        sender=Identity(IdentityKind.EMAIL, "ann@example.org"),
        sender_name="Ann Example",
        text="See attached",
        external_id=external_id,
        received_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        subject="Files",
        attachments=files,
    )


def only_conversation(center: Center) -> str:
    [conv_id] = center.live.waiting(center.queues["support"])
    return conv_id


def count(center: Center, table: str) -> int:
    with center.engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def test_attachments_are_stored_in_order_up_to_the_per_message_total(center: Center) -> None:
    inbox = email_channel(center)
    sizes = [9 * MIB, 9 * MIB, 5 * MIB, 1024]  # the third would pass 20 MiB in all
    files = [InboundAttachment(f"f{n}.bin", "application/zip", bytes([n]) * s) for n, s in
             enumerate(sizes)]  # fmt: skip
    center.live.receive([mail(inbox, "<m1@example.org>", *files)]).result()
    conv_id = only_conversation(center)
    [message] = center.live.conversation_detail(center.op, conv_id)["messages"]
    got = [(a["filename"], a["state"], a["size"]) for a in message["attachments"]]
    assert got == [
        ("f0.bin", "stored", 9 * MIB),
        ("f1.bin", "stored", 9 * MIB),
        ("f2.bin", "too_large", 5 * MIB),
        ("f3.bin", "stored", 1024),
    ]
    blobs = center.live.blobs
    assert isinstance(blobs, MemoryBlobStore)
    assert len(blobs) == 3


def test_the_message_pushed_to_the_customer_feed_carries_its_attachments(
    center: Center,
) -> None:
    inbox = email_channel(center)
    file = InboundAttachment("a.txt", "text/plain", b"hello")
    center.live.receive([mail(inbox, "<m1@example.org>", file)]).result()
    conv_id = only_conversation(center)
    [pushed] = center.recorder.of_type(f"conversation:{conv_id}", "message")
    assert [a["filename"] for a in pushed["attachments"]] == ["a.txt"]
    assert pushed["attachments"][0]["url"].startswith("/api/v1/attachments/")


def test_a_blob_store_that_fails_leaves_no_message_and_no_attachment_row(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = email_channel(center)
    blobs = center.live.blobs
    assert blobs is not None

    def full(data: bytes) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(blobs, "put", full)
    with pytest.raises(OSError):
        center.live.receive(
            [mail(inbox, "<m1@example.org>", InboundAttachment("a.pdf", "application/pdf", b"%"))]
        ).result()
    assert (count(center, "attachments"), count(center, "messages")) == (0, 0)
    assert center.live.waiting(center.queues["support"]) == []
    monkeypatch.undo()
    # The provider's retry goes through once the store works again.
    center.live.receive(
        [mail(inbox, "<m1@example.org>", InboundAttachment("a.pdf", "application/pdf", b"%"))]
    ).result()
    assert count(center, "attachments") == 1


def test_whatsapp_media_is_recorded_not_fetched_with_its_media_id(center: Center) -> None:
    wa = center.live.create_channel(
        center.op,
        slug="north-wa",
        name="Northwind WhatsApp",
        queue_id=center.queues["support"],
        kind=ChannelKind.WHATSAPP,
        address="106540352242922",
    ).id
    photo = InboundAttachment("image", "image/jpeg", media_ref="media-4711")
    message = InboundMessage(
        wa,
        Identity(IdentityKind.WHATSAPP, "447700900123"),
        "Ann",
        "[image] my broken phone",
        "wamid.1",
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        attachments=(photo,),
    )
    center.live.receive([message]).result()
    conv_id = only_conversation(center)
    [view] = center.live.conversation_detail(center.op, conv_id)["messages"]
    [file] = view["attachments"]
    assert (file["state"], file["size"], file["url"]) == ("not_fetched", -1, None)
    with center.engine.connect() as conn:
        assert conn.execute(text("select media_ref from attachments")).scalar_one() == "media-4711"
    with pytest.raises(NotFound):
        center.live.attachment_download(center.users["ana"], file["id"])


def test_downloads_follow_the_conversations_client_account_and_survive_a_restart(
    center: Center,
) -> None:
    inbox = email_channel(center)
    file = InboundAttachment("a.pdf", "application/pdf", b"%PDF-1.4")
    center.live.receive([mail(inbox, "<m1@example.org>", file)]).result()
    conv_id = only_conversation(center)
    [view] = center.live.conversation_detail(center.op, conv_id)["messages"]
    attachment_id = view["attachments"][0]["id"]

    restarted = center.restart()
    found, data = restarted.live.attachment_download(restarted.users["ana"], attachment_id)
    assert (found.filename, data) == ("a.pdf", b"%PDF-1.4")
    with pytest.raises(NotFound):  # Bluebird's agent does not see Northwind's conversation
        restarted.live.attachment_download(restarted.users["ben"], attachment_id)
    with pytest.raises(NotFound):
        restarted.live.attachment_download(restarted.users["ana"], "no-such-id")
