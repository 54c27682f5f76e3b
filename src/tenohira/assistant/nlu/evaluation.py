"""Scoring an understanding function against a labelled set: intent, language and slot accuracy."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

EVAL_TODAY = date(2026, 11, 26)  # the evaluation set's relative dates are against this day


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    slots: dict[str, Any]


@dataclass
class Report:
    total: int = 0
    intent_correct: int = 0
    language_correct: int = 0
    slots_expected: int = 0
    slots_correct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.total if self.total else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.total if self.total else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slots_correct / self.slots_expected if self.slots_expected else 0.0

    def summary(self, top: int = 15) -> dict[str, Any]:
        return {
            "utterances": self.total,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "language_accuracy": round(self.language_accuracy, 4),
            "slot_accuracy": round(self.slot_accuracy, 4),
            "slots_expected": self.slots_expected,
            "confusions": [
                {"expected": e, "got": g, "count": n} for (e, g), n in self.confusions.most_common(top)
            ],
        }


def load_examples(path: Path) -> list[Example]:
    """The labelled set: one JSON object per line (text, intent, language, slots)."""
    examples = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            examples.append(Example(data["text"], data["intent"], data["language"], data.get("slots", {})))
    return examples


def evaluate(
    examples: Iterable[Example], predict: Callable[[str], tuple[str, str | None, dict[str, Any]]]
) -> Report:
    """Score ``predict(text) -> (intent, language or None, slots)`` on ``examples``."""
    report = Report()
    for example in examples:
        intent, language, slots = predict(example.text)
        report.total += 1
        ok_intent = intent == example.intent
        report.intent_correct += ok_intent
        report.language_correct += language == example.language
        if not ok_intent:
            report.confusions[(example.intent, intent)] += 1
        wrong_slots = {}
        for key, expected in example.slots.items():
            report.slots_expected += 1
            if slots.get(key) == expected:
                report.slots_correct += 1
            else:
                wrong_slots[key] = {"expected": expected, "got": slots.get(key)}
        if not ok_intent or wrong_slots or language != example.language:
            report.errors.append(
                {"text": example.text, "expected": example.intent, "got": intent, "language": language,
                 "expected_language": example.language, "slots": wrong_slots}
            )  # fmt: skip
    return report
