"""IVR flows, versioned: every edit that changes a flow stores it as a new version, and a
call keeps the version it started with. Flows are checked before they are stored (the
validator names each bad node) against the center's queues and the server's transfer
allow-list."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.domain.voice.flows import NAME, Flow, FlowProblem, check_flow, parse_flow
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.voice.ports import FlowStore, StoredFlow


class FlowLibrary:
    def __init__(
        self,
        store: FlowStore,
        queue_names: Callable[[], Collection[str]],
        allow_list: Collection[str],
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._queue_names = queue_names
        self._allow_list = frozenset(allow_list)
        self._now = now

    @property
    def allow_list(self) -> frozenset[str]:
        return self._allow_list

    def check(self, actor: Principal, document: Any) -> list[FlowProblem]:
        actor.require(Permission.ROUTING_CONFIGURE)
        return self._problems(document)

    def _problems(self, document: Any) -> list[FlowProblem]:
        if not isinstance(document, Mapping):
            return [FlowProblem("", "flow_invalid", "a flow is a mapping")]
        return check_flow(document, queues=self._queue_names(), allow_list=self._allow_list)

    def put(self, actor: Principal, name: str, document: Mapping[str, Any]) -> StoredFlow:
        """Store ``document`` as flow ``name``'s next version (unchanged: the current one)."""
        actor.require(Permission.ROUTING_CONFIGURE)
        if document.get("name") != name:
            raise ValidationFailed(
                "the flow's name must be the one in the URL", code="ivr_flow_name_mismatch"
            )
        parse_flow(document, queues=self._queue_names(), allow_list=self._allow_list)
        latest = self._store.latest(name)
        if latest is not None and dict(latest.document) == dict(document):
            return latest
        by = actor.user.id if actor.user is not None else actor.name
        return self._store.add(name, document, self._now(), by)

    def list(self, actor: Principal) -> list[StoredFlow]:
        actor.require(Permission.ROUTING_CONFIGURE)
        return self._store.all_latest()

    def get(self, actor: Principal, name: str, version: int | None = None) -> StoredFlow:
        actor.require(Permission.ROUTING_CONFIGURE)
        found = self._find(name, version)
        if found is None:
            raise NotFound(f"no flow {name!r}" + (f" version {version}" if version else ""))
        return found

    def _find(self, name: str, version: int | None) -> StoredFlow | None:
        if not NAME.fullmatch(name):
            return None
        if version is None:
            return self._store.latest(name)
        return self._store.version(name, version)

    def for_call(
        self, name: str, version: int | None, queue_names: Collection[str]
    ) -> tuple[Flow, int] | None:
        """A flow ready to run (``version`` None: the newest), checked against the queues
        the call's channel may use; None when it is missing or no longer valid."""
        stored = self._find(name, version)
        if stored is None:
            return None
        try:
            flow = parse_flow(stored.document, queues=queue_names, allow_list=self._allow_list)
        except ValidationFailed:
            return None
        return flow, stored.version
