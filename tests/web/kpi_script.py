"""A user's own small script over the raw export (csv and json only; it does not import
switchdesk): what a customer would write to check our figures or compute a variant.

It follows each interaction's stay in each queue from the routing rows, reads reasons and
survey answers from the conversation rows, and counts the day's totals.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any


def rows_of_csv(text: str) -> list[dict[str, Any]]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        row["payload"] = json.loads(row["payload"])
        row["at_epoch"] = float(row["at_epoch"])
        rows.append(row)
    return rows


def rows_of_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def totals(rows: list[dict[str, Any]], t: float = 20.0, s: float = 5.0) -> dict[str, Any]:
    legs: list[dict[str, Any]] = []
    current: dict[str, dict[str, Any]] = {}
    answered_by: dict[tuple[str, str], dict[str, Any]] = {}
    acw_start: dict[tuple[str, str], float] = {}
    contact_of: dict[str, str] = {}
    arrival: dict[str, float] = {}
    reason: dict[str, str] = {}
    scores: list[int] = []

    def start(ix: str, queue: str, at: float) -> None:
        leg = {"queue": queue, "in": at, "answered": None, "end": None, "how": "waiting"}
        leg["talk"] = leg["acw"] = 0.0
        legs.append(leg)
        current[ix] = leg

    def end(ix: str, how: str, at: float) -> None:
        leg = current.pop(ix, None)
        if leg is None:
            return
        leg["end"], leg["how"] = at, how
        if leg["answered"] is not None and how in ("handled", "transferred"):
            leg["talk"] = at - leg["answered"]

    for row in rows:
        at, kind, p = row["at_epoch"], row["type"], row["payload"]
        conv = row["conversation_id"]
        if row["source"] == "conversation":
            if kind == "wrapped_up":
                reason[conv] = p["code"]
            elif kind == "rated":
                scores.append(int(p["score"]))
            continue
        ix = p.get("interaction_id")
        if kind == "interaction_enqueued":
            start(ix, p["queue_id"], at)
            contact_of[conv] = p["contact_id"]
            arrival.setdefault(conv, at)
        elif kind == "interaction_transferred":
            was = current.get(ix)
            end(ix, "transferred" if was and was["answered"] is not None else "flowed", at)
            start(ix, p["to_queue_id"], at)
        elif kind == "offer_accepted" and current[ix]["answered"] is None:
            current[ix]["answered"] = at
            answered_by[(p["agent_id"], ix)] = current[ix]
        elif kind == "interaction_completed":
            end(ix, "handled", at)
        elif kind == "interaction_abandoned":
            end(ix, "abandoned", at)
        elif kind == "after_contact_work_started":
            acw_start[(p["agent_id"], ix)] = at
        elif kind == "after_contact_work_ended":
            key = (p["agent_id"], ix)
            if key in acw_start and key in answered_by:
                answered_by[key]["acw"] += at - acw_start.pop(key)

    answered = [leg for leg in legs if leg["answered"] is not None]
    abandoned = [leg for leg in legs if leg["how"] == "abandoned"]
    handled = [leg for leg in legs if leg["how"] in ("handled", "transferred")]
    a, ab = len(answered), len(abandoned)
    a_t = sum(1 for leg in answered if leg["answered"] - leg["in"] <= t)
    ab_t = sum(1 for leg in abandoned if leg["end"] - leg["in"] <= t)
    ab_s = sum(1 for leg in abandoned if leg["end"] - leg["in"] <= s)

    # FCR per conversation with a reason: a first contact unless the same contact came
    # on the same reason in the 7 days before; resolved if not again in the 7 days after.
    week = 7 * 86400
    reasoned = [(contact_of[c], r, arrival[c]) for c, r in reason.items() if c in contact_of]
    first = resolved = 0
    for contact, why, at in reasoned:
        others = [x for k, w, x in reasoned if k == contact and w == why]
        if any(at - week <= x < at for x in others):
            continue
        first += 1
        if not any(at < x <= at + week for x in others):
            resolved += 1

    def ratio(n: float, d: float) -> float | None:
        return None if d == 0 else n / d

    return {
        "offered": len(legs),
        "answered": a,
        "abandoned": ab,
        "SL1": ratio(a_t, a + ab),
        "SL2": ratio(a_t, a),
        "SL3": ratio(a_t, a + ab - ab_t),
        "SL4": ratio(a_t + ab_t, a + ab),
        "SL5": ratio(a_t, a + ab - ab_s),
        "asa": ratio(sum(leg["answered"] - leg["in"] for leg in answered), a),
        "aht": ratio(sum(leg["talk"] + leg["acw"] for leg in handled), len(handled)),
        "abandonment": ratio(ab, a + ab),
        "transfers": sum(1 for leg in legs if leg["how"] == "transferred"),
        "csat": ratio(sum(1 for x in scores if x >= 4), len(scores)),
        "fcr": ratio(resolved, first),
    }
