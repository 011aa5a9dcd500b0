"""``switchdesk sim run``, invoked directly on ``sim_app``."""

import json
from pathlib import Path

from typer.testing import CliRunner

from switchdesk.cli.sim import sim_app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SMALL = """
name: small
simulation: {start: "09:00", end: "10:00", interval_seconds: 1800, replications: 3, seed: 5}
queues: [{id: q, after_contact_work_seconds: 10}]
agents: [{id: team, count: 4, capacity: {total: 100, costs: {voice: 100}}}]
traffic:
  - id: calls
    queue_id: q
    arrivals: {rates_per_hour: [60, 90]}
    handle_time: {kind: exponential, mean_seconds: 120}
    patience: {kind: exponential, mean_seconds: 90}
"""


def write(tmp_path, text, name="scenario.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output_holds_overall_figures_with_intervals_and_no_progress_bar(tmp_path):
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, SMALL)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "small"
    assert data["replications"] == 3
    assert data["formula"] == "SL5"
    overall = data["overall"]
    for name in ("offered", "sl1", "sl2", "sl3", "sl4", "sl5", "asa_seconds", "aht_seconds"):
        assert overall[name]["mean"] is not None, name
    assert overall["sl1"]["low"] <= overall["sl1"]["mean"] <= overall["sl1"]["high"]
    assert [row["start"] for row in data["intervals"]] == ["09:00", "09:30"]
    assert data["groups"]["team"]["agents"]["mean"] == 4
    assert "simulating" not in result.stdout


def test_the_table_output_names_the_headline_formula(tmp_path):
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, SMALL)), "-r", "2"])
    assert result.exit_code == 0, result.output
    assert "SL5 (T = 20 s, S = 5 s): A_T / (A + Ab - Ab_S)" in result.stdout
    assert "2 replication(s)" in result.stdout
    assert "occupancy_team" in result.stdout


def test_out_writes_interval_and_overall_csv_result_json_and_a_png_chart(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, SMALL)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = (out / "intervals.csv").read_text().splitlines()
    assert lines[0].startswith("start,stream,offered,answered,abandoned")
    assert "agents_team" in lines[0] and "occupancy_team" in lines[0]
    assert len(lines) == 3
    assert json.loads((out / "result.json").read_text())["scenario"] == "small"
    overall = (out / "overall.csv").read_text().splitlines()
    assert overall[0] == "scope,name,figure,mean,half_width,low,high"
    assert any(line.startswith("all,all,sl5,") for line in overall)
    assert any(line.startswith("stream,calls,asa_seconds,") for line in overall)
    assert any(line.startswith("group,team,occupancy,") for line in overall)
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replays_read_csv_files_next_to_the_scenario(tmp_path):
    (tmp_path / "times.csv").write_text(
        "when\n2003-10-22T09:00:05Z\n09:00:10\n32420\n", encoding="utf-8"
    )
    (tmp_path / "counts.csv").write_text(
        "day,n\n2003-10-21,9\n2003-10-22,2\n2003-10-22,3\n", encoding="utf-8"
    )
    text = SMALL.replace(
        "    arrivals: {rates_per_hour: [60, 90]}",
        "    arrivals: {kind: replay_timestamps, csv: times.csv, column: when}",
    ) + (
        "  - id: counted\n"
        "    queue_id: q\n"
        "    arrivals: {kind: replay_counts, csv: counts.csv, column: n,\n"
        "               date_column: day, date: 2003-10-22, interval_seconds: 1800}\n"
        "    handle_time: 60\n"
    )
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, text)), "--json", "-r", "1"])
    assert result.exit_code == 0, result.output
    streams = json.loads(result.stdout)["streams"]
    assert streams["calls"]["offered"]["mean"] == 3
    assert streams["counted"]["offered"]["mean"] == 5


def test_a_bad_scenario_ends_with_a_one_line_message_and_exit_code_2(tmp_path):
    bad = SMALL.replace("queue_id: q", "queue_id: nowhere")
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, bad))])
    assert result.exit_code == 2
    assert "unknown queue 'nowhere'" in result.output
    assert "Traceback" not in result.output


def test_a_bad_routing_expression_is_reported_with_its_position(tmp_path):
    bad = SMALL.replace("{id: q, after", "{id: q, eligibility: 'agent.x >= AND', after")
    result = runner.invoke(sim_app, ["run", str(write(tmp_path, bad))])
    assert result.exit_code == 2
    assert "position" in result.output


def test_a_missing_file_and_invalid_yaml_are_reported(tmp_path):
    missing = runner.invoke(sim_app, ["run", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    broken = runner.invoke(sim_app, ["run", str(write(tmp_path, "queues: [\n"))])
    assert broken.exit_code == 2
    assert "not valid YAML" in broken.output


def test_every_example_scenario_runs(tmp_path):
    for path in sorted(EXAMPLES.glob("*/scenario.yaml")):
        result = runner.invoke(sim_app, ["run", str(path), "--json", "-r", "1"])
        assert result.exit_code == 0, (path, result.output)
        assert json.loads(result.stdout)["overall"]["offered"]["mean"] > 0, path
