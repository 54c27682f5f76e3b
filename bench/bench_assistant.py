"""Understanding benchmark: intent, language and slot accuracy on the labelled sets, the
confusions, latency, and a keyword-only baseline measured in the same run.

    .venv/bin/python -m bench assistant

Sets (kept apart from the training file src/tenohira/assistant/nlu/data/train.tsv):
- tests/assistant/data/eval.jsonl — the evaluation set (used while developing, so errors on it
  guided rules and training data);
- tests/assistant/data/holdout.jsonl — written after development and never tuned on.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.report import percentile, write
from tenohira.assistant.nlu.baseline import keyword_intent
from tenohira.assistant.nlu.classifier import IntentClassifier, load_training, training_text
from tenohira.assistant.nlu.evaluation import EVAL_TODAY, Example, evaluate, load_examples
from tenohira.assistant.nlu.understand import understand

DATA = Path(__file__).resolve().parent.parent / "tests" / "assistant" / "data"


def _score(examples: list[Example], classifier: IntentClassifier) -> dict[str, object]:
    def ours(text: str) -> tuple[str, str | None, dict[str, object]]:
        u = understand(text, today=EVAL_TODAY, classifier=classifier)
        return u.intent, u.language, u.slots

    report = evaluate(examples, ours)
    baseline = evaluate(examples, lambda text: (keyword_intent(text), None, {}))
    summary = report.summary()
    summary["baseline_keyword_intent_accuracy"] = round(baseline.intent_accuracy, 4)
    summary["error_rate_ratio_baseline_over_ours"] = round(
        (1 - baseline.intent_accuracy) / max(1 - report.intent_accuracy, 1e-9), 2
    )
    summary["errors"] = report.errors[:20]
    return summary


def main() -> None:
    t0 = time.perf_counter()
    classifier = IntentClassifier.train(load_training(training_text()))
    train_seconds = time.perf_counter() - t0

    results: dict[str, object] = {"train_seconds_cold": round(train_seconds, 3)}
    for name in ("eval", "holdout"):
        results[name] = _score(load_examples(DATA / f"{name}.jsonl"), classifier)

    texts = [e.text for e in load_examples(DATA / "eval.jsonl")]
    understand(texts[0], today=EVAL_TODAY, classifier=classifier)  # warm
    ours_ms, base_ms = [], []
    for text in texts * 3:
        t = time.perf_counter()
        understand(text + " ", today=EVAL_TODAY, classifier=classifier)  # +" " defeats the reading cache
        ours_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        keyword_intent(text + " ")
        base_ms.append((time.perf_counter() - t) * 1000)
    results["latency_ms"] = {
        "ours_p50": round(percentile(ours_ms, 50), 3),
        "ours_p95": round(percentile(ours_ms, 95), 3),
        "baseline_p50": round(percentile(base_ms, 50), 3),
        "baseline_p95": round(percentile(base_ms, 95), 3),
    }
    write("assistant", results)


if __name__ == "__main__":
    main()
