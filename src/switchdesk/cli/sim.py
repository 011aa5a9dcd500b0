"""``switchdesk sim run scenario.yaml``: tomorrow's traffic through the routing engine.

Reads a YAML scenario (``docs/simulation.md``), runs its replications with a progress bar,
prints the overall figures with their confidence intervals, and with ``--out DIR``
writes ``intervals.csv``, ``overall.csv``, ``result.json`` and ``chart.png`` (service
level and staffing per interval). ``--json`` prints the JSON result instead and shows
no progress bar.

Arrival replays may read a CSV file, relative to the scenario file::

    arrivals:
      kind: replay_counts          # or replay_timestamps
      csv: ../data/calls.csv
      column: Calls                # counts, or timestamps (seconds, HH:MM[:SS], ISO)
      date_column: DateTime        # optional: keep only the rows of one day
      date: "2003-10-22"
      interval_seconds: 300
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from switchdesk.domain.errors import SwitchdeskError
from switchdesk.simulation import (
    Scenario,
    SimulationResult,
    expected_calls,
    parse_clock,
    scenario_from_dict,
    simulate,
    validate_scenario,
)

sim_app = typer.Typer(
    help="Discrete-event simulation: traffic through the real routing engine.",
    no_args_is_help=True,
    add_completion=False,
)

_CSV_KEYS = ("csv", "column", "date_column", "date")


@sim_app.callback()
def _sim() -> None:
    """Discrete-event simulation: traffic through the real routing engine."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


def _clock_of(text: str) -> float:
    """Seconds of the day from seconds, HH:MM[:SS] or an ISO date-time."""
    value = text.strip()
    if "T" in value or " " in value:
        value = value.replace("T", " ").split(" ", 1)[1].rstrip("Z")
        value = value.split("+", 1)[0]
    return parse_clock(value, "timestamp")


def _read_csv_arrivals(spec: Mapping[str, Any], base: Path, where: str) -> dict[str, Any]:
    resolved = {k: v for k, v in spec.items() if k not in _CSV_KEYS}
    path = (base / str(spec["csv"])).resolve()
    column = spec.get("column")
    if not column:
        _fail(f"{where}: a csv replay needs 'column'")
    date_column = spec.get("date_column")
    date = spec.get("date")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            values = []
            for row in reader:
                if date is not None and not str(row[str(date_column)]).startswith(str(date)):
                    continue
                values.append(row[str(column)])
    except OSError as error:
        _fail(f"{where}: cannot read {path}: {error.strerror}")
    except KeyError as error:
        _fail(f"{where}: {path.name} has no column {error}")
    if not values:
        _fail(f"{where}: no rows in {path.name}" + (f" for date {date}" if date else ""))
    kind = resolved.get("kind")
    try:
        if kind == "replay_counts":
            resolved["counts"] = [int(float(v)) for v in values]
        elif kind == "replay_timestamps":
            resolved["times"] = [_clock_of(v) for v in values]
        else:
            _fail(f"{where}: csv works with kind replay_counts or replay_timestamps")
    except (ValueError, SwitchdeskError) as error:
        _fail(f"{where}: bad value in {path.name}: {error}")
    return resolved


def load_scenario_data(path: Path) -> dict[str, Any]:
    """The plain scenario of a YAML file, with CSV replays read in."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror}")
    except yaml.YAMLError as error:
        _fail(f"{path} is not valid YAML: {error}")
    if not isinstance(data, dict):
        _fail(f"{path}: a scenario is a mapping (queues, agents, traffic...)")
    for index, stream in enumerate(data.get("traffic") or ()):
        arrivals = stream.get("arrivals") if isinstance(stream, dict) else None
        if isinstance(arrivals, dict) and "csv" in arrivals:
            stream["arrivals"] = _read_csv_arrivals(
                arrivals, path.parent, f"traffic[{index}].arrivals"
            )
    return data


def load_scenario(path: Path) -> Scenario:
    """A checked scenario from a YAML file (exits with a message when invalid)."""
    try:
        scenario = scenario_from_dict(load_scenario_data(path))
        validate_scenario(scenario)
    except SwitchdeskError as error:
        _fail(f"{path}: {error.detail}")
    return scenario


def _run(scenario: Scenario, replications: int, seed: int | None, quiet: bool) -> SimulationResult:
    if quiet:
        return simulate(scenario, replications=replications, seed=seed)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    total = max(1, round(expected_calls(scenario) * replications))
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("calls"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("calls", total=total)

        def on_calls(n: int) -> None:
            progress.advance(task, n)

        return simulate(scenario, replications=replications, seed=seed, on_calls=on_calls)


def _fmt(value: float | None, name: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if name.startswith("sl") or name.endswith("rate") or name in ("wait_probability", "occupancy"):
        return f"{value * 100:.2f} %"
    if name.endswith("seconds"):
        return f"{value:.2f} s"
    return f"{value:.2f}"


def summary_text(result: SimulationResult) -> str:
    """Overall figures as aligned text: name, mean, +- half-width."""
    confidence = f"{result.confidence * 100:g} %"
    lines = [
        f"scenario {result.scenario}: {result.replications} replication(s), "
        f"{result.calls_simulated} calls, {result.calls_per_second:,.0f} calls/s",
        f"headline: {result.labels.get(result.formula.value.lower(), result.formula.value)}",
        f"{'figure':<24}{'mean':>14}  +- ({confidence} Student-t)",
    ]

    def add(name: str, estimate: Any) -> None:
        half = "" if estimate.half_width is None else _fmt(estimate.half_width, name)
        lines.append(f"{name:<24}{_fmt(estimate.mean, name):>14}  {half}")

    for name, estimate in result.overall.items():
        add(name, estimate)
    for group, figures in result.groups.items():
        for name, estimate in figures.items():
            add(f"{name}_{group}", estimate)
    if len(result.streams) > 1:
        key = result.formula.value.lower()
        lines.append("per stream (means): offered, service level, ASA, abandonment rate")
        for stream, figures in result.streams.items():
            lines.append(
                f"  {stream:<22}{_fmt(figures['offered'].mean, 'offered'):>10}"
                f"{_fmt(figures[key].mean, key):>11}"
                f"{_fmt(figures['asa_seconds'].mean, 'asa_seconds'):>11}"
                f"{_fmt(figures['abandonment_rate'].mean, 'abandonment_rate'):>10}"
            )
    return "\n".join(lines)


def intervals_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Interval rows as CSV (columns of the first row first, then any others)."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return buffer.getvalue()


def overall_csv(result: SimulationResult) -> str:
    """Overall figures as CSV: scope (all, stream, group), name, figure, mean, interval."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scope", "name", "figure", "mean", "half_width", "low", "high"])
    sections: list[tuple[str, str, Mapping[str, Any]]] = [("all", "all", result.overall)]
    sections += [("stream", name, figures) for name, figures in result.streams.items()]
    sections += [("group", name, figures) for name, figures in result.groups.items()]
    for scope, name, figures in sections:
        for figure, estimate in figures.items():
            values = (estimate.mean, estimate.half_width, estimate.low, estimate.high)
            writer.writerow([scope, name, figure, *("" if v is None else v for v in values)])
    return buffer.getvalue()


def write_chart(result: SimulationResult, path: Path) -> None:
    """PNG: service level per interval (top), agents available per group and offered
    contacts per interval (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result.intervals if r["stream"] == "all"]
    labels = [r["start"] for r in rows]
    x = list(range(len(rows)))
    key = result.formula.value.lower()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True)
    levels = [math.nan if r[key] is None else r[key] * 100 for r in rows]
    top.plot(x, levels, marker="o", markersize=3, label=result.labels.get(key, key))
    top.set_ylabel("service level (%)")
    top.set_ylim(0, 105)
    top.grid(alpha=0.3)
    top.legend(loc="lower right", fontsize=8)
    top.set_title(f"{result.scenario}: {result.replications} replication(s)")
    for group in result.groups:
        bottom.step(x, [r[f"agents_{group}"] for r in rows], where="mid", label=f"agents {group}")
    bottom.set_ylabel("agents available")
    bottom.grid(alpha=0.3)
    offered = bottom.twinx()
    offered.bar(x, [r["offered"] for r in rows], alpha=0.2, color="grey", label="offered")
    offered.set_ylabel("offered per interval")
    handles, names = bottom.get_legend_handles_labels()
    more, more_names = offered.get_legend_handles_labels()
    bottom.legend(handles + more, names + more_names, loc="upper left", fontsize=8)
    step = max(1, len(x) // 16)
    bottom.set_xticks(x[::step], labels[::step], rotation=45)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario YAML file.", exists=False, dir_okay=False)
]


@sim_app.command("run")
def run_command(
    scenario_path: ScenarioArg,
    replications: Annotated[
        int | None, typer.Option("--replications", "-r", min=1, help="Override the scenario's.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Override the scenario's.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Directory for intervals.csv, overall.csv, result.json, chart.png."
        ),
    ] = None,
    chart: Annotated[bool, typer.Option("--chart/--no-chart", help="Write chart.png.")] = True,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON (no progress bar).")
    ] = False,
) -> None:
    """Simulate a scenario through the routing engine and report per interval and overall."""
    scenario = load_scenario(scenario_path)
    count = replications or scenario.settings.replications
    try:
        result = _run(scenario, count, seed, quiet=json_output)
    except SwitchdeskError as error:
        _fail(f"{scenario_path}: {error.detail}")
    data = result.to_dict()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "intervals.csv").write_text(intervals_csv(result.intervals), encoding="utf-8")
        (out / "overall.csv").write_text(overall_csv(result), encoding="utf-8")
        (out / "result.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        if chart:
            write_chart(result, out / "chart.png")
    if json_output:
        typer.echo(json.dumps(data))
        return
    typer.echo(summary_text(result))
    if out is not None:
        typer.echo(
            f"wrote {out / 'intervals.csv'}, {out / 'result.json'}"
            + (f", {out / 'chart.png'}" if chart else "")
        )
