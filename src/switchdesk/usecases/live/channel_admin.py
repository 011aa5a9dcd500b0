"""Channel administration: adding a channel of any kind and changing it, its address and
settings checked for the kind (``domain/conversations/channel_settings.py``), whether the
server holds each secret it names, and the audit entries (field names, never values)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from switchdesk.domain.accounts.model import AuditAction, AuditEntry
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.channel_settings import (
    check_address,
    check_settings,
    secret_names,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind
from switchdesk.domain.errors import Conflict, NotFound, ValidationFailed
from switchdesk.usecases.channel_ports import SecretSource
from switchdesk.usecases.live import configuration
from switchdesk.usecases.live.configuration import ConfigurationCore
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.ports import UnitOfWorkFactory
from switchdesk.usecases.principal import Principal

NAME_MAX_CHARS = 200


def add_channel(
    core: ConfigurationCore,
    accounts: UnitOfWorkFactory,
    now: Callable[[], float],
    actor: Principal,
    *,
    kind: ChannelKind,
    slug: str,
    name: str,
    queue_id: str,
    address: str,
    settings: dict[str, Any] | None,
    greeting: str,
) -> Channel:
    """Create a channel of any kind, its address and settings checked for the kind."""
    actor.require(Permission.ROUTING_CONFIGURE)
    checked = check_settings(kind, settings or {})
    channel = configuration.create_channel(
        core,
        actor,
        slug=slug,
        name=name,
        queue_id=queue_id,
        greeting=greeting if kind is ChannelKind.WEB_CHAT else "",
        kind=kind,
        address=check_address(kind, address),
        settings=checked,
    )
    _audit(accounts, now(), actor, AuditAction.CHANNEL_CREATED, channel, sorted(checked))
    return channel


def update_channel(
    core: ConfigurationCore,
    accounts: UnitOfWorkFactory,
    now: Callable[[], float],
    actor: Principal,
    channel_id: str,
    *,
    name: str | None,
    queue_id: str | None,
    enabled: bool | None,
    address: str | None,
    settings: dict[str, Any] | None,
    greeting: str | None,
) -> Channel:
    """Change what is given (``settings`` replaces the settings as a whole); the slug and
    kind stay (webhook URLs carry the slug)."""
    actor.require(Permission.ROUTING_CONFIGURE)
    found = core.channel_by_id(channel_id)
    if found is None or not actor.sees_client_account(found.client_account_id):
        raise NotFound(f"channel {channel_id!r} not found")
    kind = found.kind
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > NAME_MAX_CHARS:
            raise ValidationFailed("a channel name has 1 to 200 characters", field="name")
        changes["name"] = name.strip()
    if enabled is not None:
        changes["enabled"] = enabled
    if greeting is not None and kind is ChannelKind.WEB_CHAT:
        changes["greeting"] = greeting.strip()
    if address is not None:
        changes["address"] = check_address(kind, address)
    if settings is not None:
        changes["settings"] = check_settings(kind, settings)
    if queue_id is not None:
        queue = core.queue_map.get(queue_id)
        if queue is None or not actor.sees_client_account(queue.client_account_id):
            raise NotFound(f"queue {queue_id!r} not found")
        if queue.client_account_id != found.client_account_id:
            raise ValidationFailed(
                "a channel's new queue belongs to the same client account",
                code="channel_queue_invalid",
                field="queue_id",
            )
        changes["queue_id"] = queue_id

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> tuple[Channel, list[str]]:
        current = core.channel_by_id(channel_id)
        if current is None:
            raise NotFound(f"channel {channel_id!r} not found")
        new_address = changes.get("address", current.address)
        if new_address and any(
            c.kind is kind and c.address == new_address and c.id != current.id
            for c in core.channel_map.values()
        ):
            raise Conflict(
                f"another {kind.value} channel has the address {new_address!r}",
                code="channel_address_taken",
            )
        updated = replace(current, **changes)
        changed = [k for k in changes if k != "settings" and getattr(current, k) != changes[k]]
        if "settings" in changes:
            old, new = dict(current.settings), changes["settings"]
            changed += [
                f"settings.{k}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
            ]
        uow.put_channel(updated)
        core.channel_map[updated.slug] = updated
        return updated, changed

    updated, changed = core.writer.run(body)
    _audit(accounts, now(), actor, AuditAction.CHANNEL_UPDATED, updated, changed)
    return updated


def delete_channel(
    core: ConfigurationCore,
    accounts: UnitOfWorkFactory,
    now: Callable[[], float],
    actor: Principal,
    channel_id: str,
) -> Channel:
    """Remove a channel with no open conversations (past ones keep their history); one
    with open conversations is refused with 409 ``channel_in_use``: disable it instead,
    which takes no new contacts and lets the open ones finish. Audited."""
    actor.require(Permission.ROUTING_CONFIGURE)
    found = core.channel_by_id(channel_id)
    if found is None or not actor.sees_client_account(found.client_account_id):
        raise NotFound(f"channel {channel_id!r} not found")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> Channel:
        current = core.channel_by_id(channel_id)
        if current is None:
            raise NotFound(f"channel {channel_id!r} not found")
        open_count = sum(1 for c in uow.open_conversations() if c.channel_id == channel_id)
        if open_count:
            what = "conversation" if open_count == 1 else "conversations"
            raise Conflict(
                f"channel {current.name!r} has {open_count} open {what}: disable it "
                f"instead (it takes no new contacts), and delete it once they are closed",
                code="channel_in_use",
                open_conversations=open_count,
            )
        uow.remove_channel(channel_id)
        core.channel_map.pop(current.slug, None)
        return current

    removed = core.writer.run(body)
    _audit(accounts, now(), actor, AuditAction.CHANNEL_DELETED, removed, [])
    return removed


def secret_status(source: SecretSource | None, channel: Channel) -> dict[str, bool]:
    """For each secret role the channel names: whether the server has it (never the
    value)."""
    return {
        role: source is not None and bool(source.get(name))
        for role, name in secret_names(channel.settings).items()
    }


def _audit(
    accounts: UnitOfWorkFactory,
    now: float,
    actor: Principal,
    action: AuditAction,
    channel: Channel,
    fields: list[str],
) -> None:
    detail = {"kind": channel.kind.value, "slug": channel.slug, "fields": fields}
    at = datetime.fromtimestamp(now, UTC)
    with accounts() as uow:
        uow.audit.append(AuditEntry(at, action, actor.name, f"channel:{channel.id}", detail))
        uow.commit()
