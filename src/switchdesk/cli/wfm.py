"""``switchdesk wfm``: Erlang C/A figures for a staffing level, and staffing for targets.

Durations accept ``30m``, ``240s``, ``1h`` or bare seconds. Shares accept ``0.85`` or
``85%``. Bad values end with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm import (
    QueueFigures,
    StaffingTargets,
    Workload,
    erlang_a_figures,
    erlang_c_figures,
    exact_fraction,
    required_agents,
    scheduled_headcount,
)

wfm_app = typer.Typer(
    help="Workforce-management math: Erlang C and Erlang A figures, and staffing.",
    no_args_is_help=True,
    add_completion=False,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(s|sec|secs|m|min|mins|h|hr|hrs)?\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_TARGET = re.compile(r"^\s*([^/]+)/([^/]+)\s*$")

T = TypeVar("T")

MAX_AGENTS = 1_000_000


def parse_duration_seconds(text: str) -> Fraction:
    """``30m`` -> 1800, ``240s`` -> 240, ``1h`` -> 3600, ``15`` -> 15 (exact)."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration; use e.g. 30m, 240s, 1h or 15")
    unit = (match.group(2) or "s")[0].lower()
    return Fraction(match.group(1)) * _UNIT_SECONDS[unit]


def parse_share(text: str) -> Fraction:
    """``0.85`` or ``85%`` -> 17/20, in [0, 1]."""
    stripped = text.strip()
    try:
        if stripped.endswith("%"):
            share = exact_fraction(stripped[:-1], name="share") / 100
        else:
            share = exact_fraction(stripped, name="share")
    except ValidationFailed:
        raise ValueError(f"{text!r} is not a share; use e.g. 0.85 or 85%") from None
    if not 0 <= share <= 1:
        raise ValueError(f"{text!r} must lie between 0 and 1 (or 0% and 100%)")
    return share


def parse_target(text: str) -> tuple[float, Fraction]:
    """``80/20`` -> (0.8, 20 seconds): percent answered within a threshold."""
    match = _TARGET.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a service-level target; use e.g. 80/20")
    percent_text = match.group(1).strip().removesuffix("%")
    try:
        percent = exact_fraction(percent_text, name="target")
    except ValidationFailed:
        raise ValueError(f"{text!r}: {match.group(1)!r} is not a percentage") from None
    if not 0 < percent < 100:
        raise ValueError(f"{text!r}: the percentage must lie strictly between 0 and 100")
    return float(percent / 100), parse_duration_seconds(match.group(2))


def _calls(text: str) -> Fraction:
    try:
        calls = exact_fraction(text, name="calls")
    except ValidationFailed:
        raise ValueError(f"{text!r} is not a number of calls") from None
    if calls < 0:
        raise ValueError(f"calls must be at least 0, got {text}")
    return calls


def _option_parser(parse: Callable[[str], T]) -> Callable[[str | None], T | None]:
    def callback(value: str | None) -> T | None:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None

    return callback


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


_calls_option = _option_parser(_calls)
_duration_option = _option_parser(parse_duration_seconds)
_share_option = _option_parser(parse_share)
_target_option = _option_parser(parse_target)

CallsOption = Annotated[
    Any,
    typer.Option(
        "--calls", help="Calls offered in the interval.", callback=_calls_option, metavar="N"
    ),
]
IntervalOption = Annotated[
    Any,
    typer.Option("--interval", help="Interval length (30m, 1800s...).", callback=_duration_option),
]
AhtOption = Annotated[
    Any,
    typer.Option("--aht", help="Average handle time (240s, 4m...).", callback=_duration_option),
]
PatienceOption = Annotated[
    Any,
    typer.Option(
        "--patience",
        help="Mean patience before abandoning (180s...): Erlang A instead of Erlang C.",
        callback=_duration_option,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@wfm_app.command("erlang")
def erlang_command(
    agents: Annotated[
        int, typer.Option("--agents", help="Agents on the queue.", min=1, max=MAX_AGENTS)
    ],
    calls: CallsOption = None,
    aht: AhtOption = None,
    interval: IntervalOption = "30m",
    threshold: Annotated[
        Any,
        typer.Option(
            "--threshold", help="Service-level threshold (20s...).", callback=_duration_option
        ),
    ] = "20s",
    patience: PatienceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Figures for a given number of agents: P(wait), service level, ASA, occupancy."""
    if calls is None:
        _fail("give the calls offered in the interval with --calls")
    if aht is None:
        _fail("give the average handle time with --aht (e.g. 240s)")
    try:
        workload = Workload(calls=calls, interval_seconds=interval, handle_time_seconds=aht)
        figures = _figures(workload, agents, float(threshold), patience)
    except ValidationFailed as error:
        _fail(error.detail)
    row = _figures_row(figures, with_abandon=patience is not None)
    if json_output:
        typer.echo(json.dumps(row))
    else:
        typer.echo(_key_value_table(row))


@wfm_app.command("staff")
def staff_command(
    calls: CallsOption = None,
    aht: AhtOption = None,
    interval: IntervalOption = "30m",
    target: Annotated[
        Any,
        typer.Option(
            "--target",
            help="Service level: percent answered within a threshold, e.g. 80/20.",
            callback=_target_option,
        ),
    ] = None,
    patience: PatienceOption = None,
    max_occupancy: Annotated[
        Any,
        typer.Option(
            "--max-occupancy", help="Highest occupancy (0.85 or 85%).", callback=_share_option
        ),
    ] = None,
    max_abandon: Annotated[
        Any,
        typer.Option(
            "--max-abandon",
            help="Highest abandonment probability (0.05 or 5%); needs --patience.",
            callback=_share_option,
        ),
    ] = None,
    max_asa: Annotated[
        Any,
        typer.Option("--max-asa", help="Highest ASA (30s...).", callback=_duration_option),
    ] = None,
    shrinkage: Annotated[
        Any,
        typer.Option(
            "--shrinkage",
            help="Share of paid time not on contacts (0.3 or 30%): sets 'scheduled'.",
            callback=_share_option,
        ),
    ] = None,
    intervals: Annotated[
        Path | None,
        typer.Option(
            "--intervals",
            help="CSV with columns interval_start, calls and aht_seconds (optional with --aht).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Fewest agents meeting every target, and the headcount to schedule under shrinkage."""
    if max_abandon is not None and patience is None:
        _fail("--max-abandon needs --patience (Erlang C has no abandonment)")
    if shrinkage is not None and shrinkage >= 1:
        _fail("--shrinkage must be below 1 (100%)")
    try:
        targets = StaffingTargets(
            service_level=None if target is None else target[0],
            threshold_seconds=None if target is None else float(target[1]),
            max_asa_seconds=None if max_asa is None else float(max_asa),
            max_abandon_probability=None if max_abandon is None else float(max_abandon),
            max_occupancy=max_occupancy,
        )
    except ValidationFailed as error:
        _fail(error.detail)

    if intervals is not None:
        if calls is not None:
            _fail("give either --calls or --intervals, not both")
        planned = _read_intervals(intervals, default_aht=aht, interval_seconds=interval)
    else:
        if calls is None:
            _fail("give the calls offered with --calls, or a CSV of intervals with --intervals")
        if aht is None:
            _fail("give the average handle time with --aht (e.g. 240s)")
        planned = [_PlannedInterval(None, calls, aht)]

    rows: list[dict[str, Any]] = []
    for plan in planned:
        where = "" if plan.start is None else f"interval {plan.start}: "
        try:
            workload = Workload(
                calls=plan.calls, interval_seconds=interval, handle_time_seconds=plan.aht
            )
            result = required_agents(
                workload, targets, patience_seconds=None if patience is None else float(patience)
            )
            scheduled = scheduled_headcount(result.agents, shrinkage or 0)
        except ValidationFailed as error:
            _fail(where + error.detail)
        figures = _figures_row(result.figures, with_abandon=patience is not None)
        row: dict[str, Any] = {} if plan.start is None else {"interval_start": plan.start}
        row["calls"] = _number(plan.calls)
        row["aht_seconds"] = _number(plan.aht)
        row["load_erlangs"] = figures.pop("load_erlangs")
        row["agents"] = figures.pop("agents")
        row["scheduled"] = scheduled
        row.update(figures)
        rows.append(row)

    if json_output:
        typer.echo(json.dumps({"intervals": rows} if intervals is not None else rows[0]))
    elif intervals is not None:
        typer.echo(_column_table(rows))
    else:
        typer.echo(_key_value_table(rows[0]))


@dataclass(frozen=True)
class _PlannedInterval:
    start: str | None
    calls: Fraction
    aht: Fraction


def _read_intervals(
    path: Path, *, default_aht: Fraction | None, interval_seconds: Fraction
) -> list[_PlannedInterval]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = fields
            if "calls" not in fields:
                _fail(f"{path}: the CSV needs a 'calls' column (found: {', '.join(fields)})")
            aht_column = next((n for n in ("aht_seconds", "aht") if n in fields), None)
            if aht_column is None and default_aht is None:
                _fail(f"{path}: the CSV needs an 'aht_seconds' column, or give --aht")
            planned: list[_PlannedInterval] = []
            for line, record in enumerate(reader, start=2):
                start = (record.get("interval_start") or str(line - 1)).strip()
                try:
                    calls = _calls((record.get("calls") or "").strip())
                    aht_text = (record.get(aht_column) or "").strip() if aht_column else ""
                    aht = parse_duration_seconds(aht_text) if aht_text else default_aht
                except ValueError as error:
                    _fail(f"{path}, line {line}: {error}")
                if aht is None:
                    _fail(f"{path}, line {line}: no aht_seconds and no --aht")
                planned.append(_PlannedInterval(start, calls, aht))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        _fail(f"cannot read {path}: {error}")
    if not planned:
        _fail(f"{path}: no intervals in the file")
    return planned


def _figures(
    workload: Workload, agents: int, threshold_seconds: float, patience: Fraction | None
) -> QueueFigures:
    if patience is None:
        return erlang_c_figures(
            agents=agents,
            load_erlangs=workload.load_erlangs,
            handle_time_seconds=float(workload.handle_time_seconds),
            threshold_seconds=threshold_seconds,
        )
    return erlang_a_figures(
        agents=agents,
        load_erlangs=workload.load_erlangs,
        handle_time_seconds=float(workload.handle_time_seconds),
        patience_seconds=float(patience),
        threshold_seconds=threshold_seconds,
    )


def _figures_row(figures: QueueFigures, *, with_abandon: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "model": figures.model,
        "load_erlangs": figures.load_erlangs,
        "agents": figures.agents,
        "p_wait": figures.wait_probability,
        "threshold_seconds": figures.threshold_seconds,
        "service_level": figures.service_level,
        "asa_seconds": _finite(figures.asa_seconds),
    }
    if with_abandon:
        row["p_abandon"] = figures.abandon_probability
    row["occupancy"] = figures.occupancy
    return row


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


_PROBABILITIES = frozenset({"p_wait", "service_level", "p_abandon", "occupancy"})


def _format(key: str, value: Any) -> str:
    """Probabilities to 4 decimals, seconds and Erlangs to 2; ``-`` for none or infinite."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if key in _PROBABILITIES else f"{value:.2f}"
    return str(value)


def _key_value_table(row: dict[str, Any]) -> str:
    width = max(len(key) for key in row)
    return "\n".join(f"{key:<{width}}  {_format(key, value)}" for key, value in row.items())


def _column_table(rows: Sequence[dict[str, Any]]) -> str:
    columns = list(rows[0])
    cells = [[_format(column, row.get(column)) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[index]) for line in cells))
        for index, column in enumerate(columns)
    ]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)
