"""Operations metrics in the Prometheus text format (version 0.0.4), from the live
center's supervisor snapshot: queues (waiting, longest wait, agents by state, today's
answered, abandoned and service level) and agents by presence and activity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, object]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


class _Family:
    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self.samples: list[tuple[dict[str, object], float]] = []

    def add(self, value: float | None, **labels: object) -> None:
        if value is not None:
            self.samples.append((labels, float(value)))

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for labels, value in self.samples:
            yield f"{self.name}{_labels(labels)} {value:g}"


def render_metrics(snapshot: Mapping[str, Any], now: float) -> str:
    """The text exposition of ``snapshot`` (``views.supervisor_snapshot``) at ``now``."""
    waiting = _Family("switchdesk_queue_waiting", "Contacts waiting in the queue.")
    longest = _Family(
        "switchdesk_queue_longest_wait_seconds", "Wait so far of the oldest waiting contact."
    )
    agents = _Family("switchdesk_queue_agents", "Member agents of the queue by state.")
    answered = _Family("switchdesk_queue_answered_today", "Contacts answered today (UTC day).")
    abandoned = _Family("switchdesk_queue_abandoned_today", "Contacts abandoned today (UTC day).")
    service = _Family(
        "switchdesk_queue_service_level_today", "Answered within T / (answered + abandoned)."
    )
    for q in snapshot.get("queues", []):
        labels = {"queue_id": q["id"], "queue": q["name"]}
        waiting.add(q["waiting"], **labels)
        since = q.get("oldest_waiting_since")
        longest.add(0.0 if since is None else max(0.0, now - since), **labels)
        for state in ("available", "busy", "not_ready"):
            agents.add(q[f"agents_{state}"], **labels, state=state)
        answered.add(q["answered_today"], **labels)
        abandoned.add(q["abandoned_today"], **labels)
        service.add(q.get("service_level_today"), **labels)
    by_state = _Family("switchdesk_agents", "Agents by presence and routing activity.")
    counts = Counter((a["presence"], a["activity"]) for a in snapshot.get("agents", []))
    for (presence, activity), n in sorted(counts.items()):
        by_state.add(n, presence=presence, activity=activity)
    families = (waiting, longest, agents, answered, abandoned, service, by_state)
    return "\n".join(line for f in families for line in f.lines()) + "\n"
