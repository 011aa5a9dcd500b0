"""The ``wfm`` commands, invoked directly on ``wfm_app``."""

import json

import pytest
from typer.testing import CliRunner

from switchdesk.cli.wfm import parse_duration_seconds, parse_share, parse_target, wfm_app

runner = CliRunner()

EXAMPLE = ["--calls", "360", "--interval", "30m", "--aht", "240s"]


def invoke(*arguments):
    return runner.invoke(wfm_app, list(arguments))


def test_erlang_prints_the_worked_example_as_an_aligned_table():
    result = invoke("erlang", *EXAMPLE, "--agents", "55", "--threshold", "15s")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["load_erlangs"] == "48.00"
    assert lines["threshold_seconds"] == "15.00"
    assert lines["agents"] == "55"
    assert lines["p_wait"] == "0.2387"
    assert lines["service_level"] == "0.8459"
    assert lines["asa_seconds"] == "8.18"
    assert lines["occupancy"] == "0.8727"
    assert "p_abandon" not in lines
    values_start = {line.index(line.split()[1]) for line in result.stdout.splitlines()}
    assert len(values_start) == 1


def test_erlang_json_gives_the_figures_with_their_units():
    result = invoke("erlang", *EXAMPLE, "--agents", "55", "--threshold", "15s", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["model"] == "erlang_c"
    assert figures["load_erlangs"] == 48.0
    assert round(figures["p_wait"], 4) == 0.2387
    assert round(figures["asa_seconds"], 2) == 8.18
    assert round(100 * figures["service_level"], 2) == 84.59


def test_erlang_with_patience_uses_erlang_a_and_reports_abandonment():
    result = invoke(
        "erlang",
        "--calls",
        "100",
        "--interval",
        "30m",
        "--aht",
        "3m",
        "--agents",
        "14",
        "--threshold",
        "20",
        "--patience",
        "5m",
        "--json",
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["model"] == "erlang_a"
    assert round(figures["p_wait"], 6) == 0.145260
    assert round(figures["p_abandon"], 6) == 0.013984
    assert round(figures["service_level"], 6) == 0.916792
    assert round(figures["occupancy"], 6) == 0.704297


def test_erlang_with_too_few_agents_reports_an_unstable_queue_without_infinity_in_json():
    result = invoke("erlang", *EXAMPLE, "--agents", "40", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["p_wait"] == 1.0
    assert figures["service_level"] == 0.0
    assert figures["asa_seconds"] is None


def test_staff_finds_54_agents_for_80_20_and_schedules_for_shrinkage():
    result = invoke("staff", *EXAMPLE, "--target", "80/20", "--shrinkage", "0.3", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["agents"] == 54
    assert figures["scheduled"] == 78
    assert figures["service_level"] >= 0.8


def test_staff_schedules_30_for_21_agents_at_30_percent_shrinkage():
    # 21 agents exactly: 147 calls of 4 min over 30 min is 19.6 Erlangs; cap at 0.95 -> 21
    result = invoke(
        "staff",
        "--calls",
        "147",
        "--aht",
        "4m",
        "--max-occupancy",
        "0.95",
        "--shrinkage",
        "30%",
        "--json",
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["agents"] == 21
    assert figures["scheduled"] == 30


def test_staff_table_lists_agents_and_scheduled_first():
    result = invoke("staff", *EXAMPLE, "--target", "80/20")
    assert result.exit_code == 0, result.output
    keys = [line.split()[0] for line in result.stdout.splitlines()]
    assert keys[:5] == ["calls", "aht_seconds", "load_erlangs", "agents", "scheduled"]


def test_staff_meets_every_target_with_patience():
    result = invoke(
        "staff",
        *EXAMPLE,
        "--target",
        "80/20",
        "--patience",
        "180s",
        "--max-abandon",
        "0.01",
        "--max-asa",
        "10s",
        "--max-occupancy",
        "0.85",
        "--json",
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["model"] == "erlang_a"
    assert figures["p_abandon"] <= 0.01
    assert figures["asa_seconds"] <= 10
    assert figures["occupancy"] <= 0.85
    assert figures["service_level"] >= 0.8


def test_staff_occupancy_cap_on_an_exact_load_adds_no_agent():
    result = invoke("staff", "--calls", "425", "--aht", "180", "--max-occupancy", "0.85", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agents"] == 50


def write_intervals(tmp_path, text):
    path = tmp_path / "intervals.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_staff_reads_intervals_from_csv_and_prints_one_row_each(tmp_path):
    path = write_intervals(
        tmp_path,
        "interval_start,calls,aht_seconds\n08:00,120,240\n08:30,360,240\n09:00,0,240\n",
    )
    result = invoke("staff", "--intervals", path, "--target", "80/20", "--shrinkage", "0.3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:6] == [
        "interval_start",
        "calls",
        "aht_seconds",
        "load_erlangs",
        "agents",
        "scheduled",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["08:00", "08:30", "09:00"]
    assert lines[2].split()[4:6] == ["54", "78"]
    assert lines[3].split()[4] == "0"
    assert len({len(line) for line in lines}) == 1  # aligned columns


def test_staff_csv_json_has_one_entry_per_interval_and_may_take_aht_from_the_option(tmp_path):
    path = write_intervals(tmp_path, "interval_start,calls\n08:00,360\n08:30,180\n")
    result = invoke("staff", "--intervals", path, "--aht", "4m", "--target", "80/20", "--json")
    assert result.exit_code == 0, result.output
    intervals = json.loads(result.stdout)["intervals"]
    assert [row["interval_start"] for row in intervals] == ["08:00", "08:30"]
    assert intervals[0]["agents"] == 54


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interval_start,volume\n08:00,3\n", "'calls' column"),
        ("interval_start,calls\n08:00,3\n", "aht_seconds"),
        ("interval_start,calls,aht_seconds\n08:00,many,240\n", "line 2"),
        ("interval_start,calls,aht_seconds\n08:00,10,fast\n", "line 2"),
        ("interval_start,calls,aht_seconds\n", "no intervals"),
    ],
)
def test_a_bad_csv_gives_a_clear_error_and_exit_code_2(tmp_path, content, message):
    path = write_intervals(tmp_path, content)
    result = invoke("staff", "--intervals", path, "--target", "80/20")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["erlang", *EXAMPLE[:4], "--aht", "4x", "--agents", "50"], "not a duration"),
        (["erlang", *EXAMPLE, "--agents", "0"], "--agents"),
        (["erlang", *EXAMPLE, "--agents", "1000000001"], "--agents"),
        (["erlang", "--calls", "-3", "--aht", "240", "--agents", "5"], "at least 0"),
        (["erlang", "--calls", "ten", "--aht", "240", "--agents", "5"], "not a number of calls"),
        (["erlang", "--calls", "10", "--aht", "0s", "--agents", "5"], "handle_time_seconds"),
        (["erlang", "--aht", "240", "--agents", "5"], "--calls"),
        (["staff", *EXAMPLE, "--target", "80"], "not a service-level target"),
        (["staff", *EXAMPLE, "--target", "120/20"], "between 0 and 100"),
        (["staff", *EXAMPLE, "--max-occupancy", "1.5"], "between 0 and 1"),
        (["staff", *EXAMPLE, "--shrinkage", "100%"], "below 1"),
        (["staff", *EXAMPLE, "--target", "80/20", "--max-abandon", "0.05"], "--patience"),
        (["staff", *EXAMPLE], "at least one target"),
        (["staff", "--aht", "240", "--target", "80/20"], "--calls"),
        (["staff", *EXAMPLE, "--target", "80/20", "--intervals", "/nonexistent.csv"], "exist"),
    ],
)
def test_bad_values_give_a_clear_error_and_exit_code_2(arguments, message):
    result = invoke(*arguments)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_without_a_command_the_help_lists_erlang_and_staff():
    result = invoke()
    assert "erlang" in result.output
    assert "staff" in result.output


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("240s", 240), ("1h", 3600), ("15", 15), ("1.5m", 90), ("2 min", 120)],
)
def test_durations_accept_seconds_minutes_and_hours(text, seconds):
    assert parse_duration_seconds(text) == seconds


def test_shares_accept_decimals_and_percentages_exactly():
    assert parse_share("0.85") == parse_share("85%")
    assert float(parse_share("30%")) == 0.3


def test_targets_read_percent_over_threshold():
    level, threshold = parse_target("80/20")
    assert level == 0.8
    assert threshold == 20
    assert parse_target("90/30s")[1] == 30
