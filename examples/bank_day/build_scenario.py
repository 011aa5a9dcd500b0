"""Build ``examples/bank_day/scenario.yaml`` from one real day of the bank call data.

Reads ``../shared/data/bank_calls/bank_calls.csv`` (relative to the repository root; 5-minute
counts of calls handled by a North American commercial bank in 2003, from the R package
fpp3 via Rdatasets, GPL-3; see that folder's README). The CSV itself is not copied into this
repository: only derived figures of one day (30-minute arrival rates, and a staffing
profile computed from them with Erlang A for 80 % within 20 s) are written to the YAML.

Run from the repository root::

    .venv/bin/python examples/bank_day/build_scenario.py [--date 2003-10-22]

The data has no handle time or patience: the scenario assumes an average handle time of
240 s (lognormal, sd 180 s), 30 s of after-contact work and exponential patience with a
mean of 180 s, and says so in its header.
"""

from __future__ import annotations

import argparse
import csv
from collections import OrderedDict
from pathlib import Path

from switchdesk.domain.wfm import StaffingTargets, Workload, required_agents

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "bank_calls" / "bank_calls.csv"
TARGET = Path(__file__).resolve().parent / "scenario.yaml"
HANDLE_SECONDS = 240
ACW_SECONDS = 30
PATIENCE_SECONDS = 180
INTERVAL_SECONDS = 1800


def half_hour_counts(path: Path, date: str) -> OrderedDict[str, int]:
    """Calls per half hour from 07:00 to 21:00 (the lone 21:00 bin is dropped)."""
    counts: OrderedDict[str, int] = OrderedDict()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stamp = row["DateTime"]
            if not stamp.startswith(date):
                continue
            clock = stamp[11:16]
            if clock >= "21:00":
                continue
            hour, minute = clock.split(":")
            key = f"{hour}:{'00' if int(minute) < 30 else '30'}"
            counts[key] = counts.get(key, 0) + int(row["Calls"])
    if not counts:
        raise SystemExit(f"no rows for {date} in {path}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2003-10-22", help="a weekday of 2003 in the data")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args()
    counts = half_hour_counts(args.source, args.date)
    rates = [count * 3600 // INTERVAL_SECONDS for count in counts.values()]
    targets = StaffingTargets(service_level=0.8, threshold_seconds=20)
    staffing = [
        required_agents(
            Workload.from_counts(
                calls=count,
                interval_seconds=INTERVAL_SECONDS,
                handle_time_seconds=HANDLE_SECONDS + ACW_SECONDS,
            ),
            targets,
            patience_seconds=PATIENCE_SECONDS,
        ).agents
        for count in counts.values()
    ]
    starts = list(counts)
    lines = [
        f"# One real day ({args.date}, {sum(counts.values())} calls) of a North American",
        "# commercial bank's call center, as 30-minute arrival rates.",
        "# Derived by examples/bank_day/build_scenario.py from bank_calls.csv (5-minute counts of",
        "# calls handled, 2003): R package fpp3 (Hyndman & Athanasopoulos) via Rdatasets,",
        "# originally from Jonathan Weinberg (Weinberg, Brown & Stroud 2007, JASA). Licence of the",
        "# source data: GPL-3. The counts below are derived from it; the CSV is not in this repo.",
        f"# Assumed (the data has none): handle time lognormal mean {HANDLE_SECONDS} s sd 180 s,",
        f"# after-contact work {ACW_SECONDS} s, exponential patience mean {PATIENCE_SECONDS} s.",
        "# Staffing per interval: fewest agents for 80 % answered within 20 s by Erlang A",
        "# (switchdesk.domain.wfm.required_agents) with handle time incl. after-contact work.",
        "# Regenerate: .venv/bin/python examples/bank_day/build_scenario.py --date " + args.date,
        f"name: bank day {args.date}",
        "description: >-",
        f"  Real half-hourly arrivals of {args.date} (bank_calls, GPL-3 source) through one voice",
        "  queue, staffed per interval from Erlang A.",
        "simulation:",
        f'  start: "{starts[0]}"',
        '  end: "21:00"',
        f"  interval_seconds: {INTERVAL_SECONDS}",
        "  replications: 5",
        "  seed: 2003",
        "  confidence: 0.95",
        "  threshold_seconds: 20",
        "  short_abandon_seconds: 5",
        "  formula: SL5",
        "routing:",
        "  max_missed_offers: 3",
        "queues:",
        "  - id: retail",
        "    strategy: longest_idle",
        f"    after_contact_work_seconds: {ACW_SECONDS}",
        "    offer_timeout_seconds: 20",
        "agents:",
        "  - id: retail",
        "    attributes: {skills: {retail: 3}, languages: [en]}",
        "    capacity: {total: 100, costs: {voice: 100}}",
        f"    staffing_interval_seconds: {INTERVAL_SECONDS}",
        "    # agents per half hour from " + starts[0],
        "    staffing: [" + ", ".join(map(str, staffing)) + "]",
        "traffic:",
        "  - id: retail_calls",
        "    queue_id: retail",
        "    channel_kind: voice",
        "    arrivals:",
        "      kind: poisson",
        f"      interval_seconds: {INTERVAL_SECONDS}",
        "      # calls per hour in each half hour from " + starts[0],
        "      rates_per_hour: [" + ", ".join(map(str, rates)) + "]",
        f"    handle_time: {{kind: lognormal, mean_seconds: {HANDLE_SECONDS}, sd_seconds: 180}}",
        f"    patience: {{kind: exponential, mean_seconds: {PATIENCE_SECONDS}}}",
    ]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {len(rates)} intervals, {sum(counts.values())} calls")


if __name__ == "__main__":
    main()
