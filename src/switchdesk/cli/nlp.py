"""`switchdesk intents train|classify` and `switchdesk sentiment` (docs/nlp.md)."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

intents_app = typer.Typer(
    help="Intent detection: train on labelled messages, classify new ones.",
    no_args_is_help=True,
)

BANKING77 = "banking77"
"""The name that stands for the bundled Banking77 training set (CC-BY-4.0, PolyAI)."""


def bundled_banking77() -> Path:
    return Path(str(resources.files("switchdesk") / "data" / "banking77" / "train.csv"))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@intents_app.command("train")
def train(
    csv_path: Annotated[
        str,
        typer.Argument(
            metavar="CSV",
            help="UTF-8 CSV with text,category columns; 'banking77' for the bundled set",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the model file")],
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Below this confidence a guess is unsure")
    ] = 0.5,
    validate: Annotated[
        bool, typer.Option(help="Measure on a held-out fifth before fitting on everything")
    ] = True,
) -> None:
    """Train a model; prints one JSON object with what was measured."""
    from switchdesk.adapters.nlp.intents import IntentModel, TrainingDataError, read_examples

    path = bundled_banking77() if csv_path == BANKING77 else Path(csv_path)
    if not path.is_file():
        raise _fail(f"{path}: no such file")
    try:
        examples = read_examples(path)
    except TrainingDataError as exc:
        raise _fail(str(exc)) from exc
    model, report = IntentModel.train(examples, threshold=threshold, validate=validate)
    model.save(out)
    typer.echo(json.dumps({"model": str(out), "threshold": threshold, **report.as_dict()}))


@intents_app.command("classify")
def classify(
    model_path: Annotated[Path, typer.Option("--model", help="A model file from train")],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Lines classified at once")] = 256,
) -> None:
    """Read one message per line on stdin; write one JSON line per message with intent,
    confidence and unsure (an empty line gets intent null)."""
    from switchdesk.adapters.nlp.intents import IntentModel

    try:
        model = IntentModel.load(model_path)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    pending: list[str] = []

    def flush() -> None:
        texts = [t for t in pending if t.strip()]
        guesses = iter(model.classify(texts))
        for line in pending:
            if line.strip():
                sys.stdout.write(json.dumps(next(guesses).as_dict()) + "\n")
            else:
                sys.stdout.write(
                    json.dumps({"intent": None, "confidence": 0.0, "unsure": True}) + "\n"
                )
        sys.stdout.flush()
        pending.clear()

    for line in sys.stdin:
        pending.append(line.rstrip("\r\n"))
        if len(pending) >= batch:
            flush()
    flush()


def sentiment() -> None:
    """Read one message per line on stdin; write one JSON line per message with its
    score (-1..1) and tone, then the conversation's trend."""
    from switchdesk.adapters.nlp.sentiment import VaderSentiment
    from switchdesk.domain.nlp.sentiment import trend

    scorer = VaderSentiment()
    scores: list[float] = []
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        result = scorer.score(text)
        if text.strip():
            scores.append(result.score)
        current = trend(scores)
        sys.stdout.write(
            json.dumps(
                {
                    "score": round(result.score, 4),
                    "tone": result.tone.value,
                    "trend": None if current is None else round(current, 4),
                }
            )
            + "\n"
        )
    sys.stdout.flush()
