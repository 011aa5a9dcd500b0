"""`switchdesk intents train` and `classify` as a user runs them: a CSV of labelled
messages in, a model file out, one JSON line per message back; bad input refused with a
message and exit code 2, nothing written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import joblib
import pytest

from tests.conftest import SWITCHDESK

FIXTURE = Path(__file__).parents[1] / "adapters" / "nlp" / "fixtures" / "intents_small.csv"


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SWITCHDESK, *args], input=stdin, capture_output=True, text=True, timeout=240
    )


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("intents") / "small.joblib"
    done = _run("intents", "train", str(FIXTURE), "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["examples"] == 60 and report["intents"] == 6
    assert report["validation_examples"] == 12  # a stratified fifth held out
    assert report["accuracy"] is not None and report["accuracy"] >= 0.5
    return out


def test_classify_writes_one_json_line_per_message_with_intent_and_confidence(
    model: Path,
) -> None:
    lines = [
        "I have lost my card on the train",
        "how can I top up my balance by transfer",
        "",
        "what is the exchange rate for yen",
        "my new card still hasn't arrived",
    ]
    done = _run("intents", "classify", "--model", str(model), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o["intent"] for o in out] == [
        "lost_card",
        "top_up",
        None,
        "exchange_rate",
        "card_arrival",
    ]
    for o in out:
        assert 0.0 <= o["confidence"] <= 1.0
        assert o["unsure"] is (o["confidence"] < 0.5)
    assert out[2] == {"intent": None, "confidence": 0.0, "unsure": True}


def test_a_message_about_nothing_the_model_knows_is_less_confident(model: Path) -> None:
    done = _run(
        "intents",
        "classify",
        "--model",
        str(model),
        stdin="my card has disappeared, I lost it\nthe weather is lovely and warm\n",
    )
    known, unknown = (json.loads(line) for line in done.stdout.splitlines())
    assert known["intent"] == "lost_card"
    assert unknown["confidence"] < known["confidence"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("words,label\nhello,greet\n", "must name the columns text and category"),
        ("text,category\nhello,greet\nhi,greet\n", "at least two categories"),
        ("text,category\nhello,\n", "line 2: text and category must not be empty"),
    ],
)
def test_a_csv_that_cannot_train_is_refused_with_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(content, encoding="utf-8")
    out = tmp_path / "model.joblib"
    done = _run("intents", "train", str(csv_path), "--out", str(out))
    assert done.returncode == 2
    assert message in done.stderr
    assert not out.exists()


def test_a_csv_that_is_not_utf8_or_missing_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text,category\ncaf\xe9,food\nbar,drink\n".encode("latin-1"))
    done = _run("intents", "train", str(latin), "--out", str(tmp_path / "m"))
    assert done.returncode == 2 and "not UTF-8" in done.stderr
    missing = _run("intents", "train", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "m"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_model_file_from_elsewhere_or_another_scikit_learn_is_refused(
    model: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign.joblib"
    joblib.dump({"something": "else"}, foreign)
    done = _run("intents", "classify", "--model", str(foreign), stdin="hello\n")
    assert done.returncode == 2 and "not an intent model made by switchdesk" in done.stderr
    payload = joblib.load(model)
    payload["sklearn"] = "0.1"
    old = tmp_path / "old.joblib"
    joblib.dump(payload, old)
    done = _run("intents", "classify", "--model", str(old), stdin="hello\n")
    assert done.returncode == 2 and "train it again" in done.stderr
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"not a pickle at all")
    assert _run("intents", "classify", "--model", str(garbage)).returncode == 2


def test_sentiment_scores_each_line_and_follows_the_trend() -> None:
    done = _run(
        "sentiment",
        stdin="Thanks, that fixed it :)\n"
        "My card still hasn't arrived and nobody answers. Terrible service!!\n"
        "This is the worst bank ever, I am furious\n",
    )
    assert done.returncode == 0, done.stderr
    happy, angry, furious = (json.loads(line) for line in done.stdout.splitlines())
    assert happy["tone"] == "positive" and happy["score"] > 0.5
    assert angry["tone"] == "negative" and angry["score"] < -0.3
    assert happy["trend"] == happy["score"]
    assert furious["trend"] < angry["trend"] < happy["trend"]
