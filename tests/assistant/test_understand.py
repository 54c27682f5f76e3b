"""Understanding whole utterances, the labelled set, and the command line."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tenohira.assistant import understand
from tenohira.assistant.cli import app as cli_app
from tenohira.assistant.nlu.baseline import keyword_intent
from tenohira.assistant.nlu.classifier import IntentClassifier, _cache_path, load_or_train, load_training
from tenohira.assistant.nlu.classifier import training_text as read_training
from tenohira.assistant.nlu.evaluation import EVAL_TODAY, evaluate, load_examples
from tenohira.assistant.nlu.llm import known_intents

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("子供が生まれたのだけど、役所にはどんな手続きが必要なの？", "birth"),
        ("来月引っ越します", "move"),
        ("父が亡くなりました", "death"),
        ("会社を作りたい", "company_founding"),
        ("We just had a baby", "birth"),
        ("児童手当の申請はどうなった？", "status"),
        ("人と話したい", "human_help"),
        ("はい", "affirm"),
        ("いいえ", "deny"),
        ("出生届を出したい", "birth_notification"),
        ("ゴミの出し方", "other"),
    ],
)
def test_the_issues_examples(classifier: IntentClassifier, text: str, intent: str) -> None:
    assert understand(text, today=TODAY, classifier=classifier).intent == intent


def test_status_names_the_procedure(classifier: IntentClassifier) -> None:
    u = understand("児童手当の申請はどうなった？", today=TODAY, classifier=classifier)
    assert u.slots["procedure"] == "child_allowance_claim"


def test_correction_of_the_reading(classifier: IntentClassifier) -> None:
    u = understand("いいえ、読みはハルトです", today=TODAY, classifier=classifier)
    assert u.intent == "deny"
    assert u.slots["correction"] == {"field": "name_kana", "value": "ハルト"}


def test_slots_together(classifier: IntentClassifier) -> None:
    u = understand("昨日、娘が生まれました。名前は𠮷乃（よしの）です", today=TODAY, classifier=classifier)
    assert u.intent == "birth"
    assert u.slots["date"] == "2026-11-25"
    assert u.slots["name"] == "𠮷乃"
    assert u.slots["name_kana"] == "ヨシノ"
    assert u.slots["name_permitted"] is False
    assert u.slots["name_invalid_characters"] == ["𠮷"]


@pytest.mark.parametrize(
    "text", ["", "   ", "\x00\x01", "<script>alert(1)</script>", "あ" * 5000, "\udc80生まれ\ud800た"]
)
def test_odd_input_is_understood_as_something(classifier: IntentClassifier, text: str) -> None:
    u = understand(text, today=TODAY, classifier=classifier)
    assert u.intent in known_intents()


def test_every_intent_is_a_known_one(classifier: IntentClassifier) -> None:
    for example in load_examples(DATA / "eval.jsonl"):
        assert example.intent in known_intents(), example


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def test_evaluation_sets_are_separate_from_training() -> None:
    training = {_key(u) for _, u in load_training(read_training())}
    eval_set = load_examples(DATA / "eval.jsonl")
    holdout = load_examples(DATA / "holdout.jsonl")
    assert len(eval_set) >= 300
    assert not training & {_key(e.text) for e in eval_set}
    assert not training & {_key(e.text) for e in holdout}
    assert not {_key(e.text) for e in eval_set} & {_key(e.text) for e in holdout}
    languages = {e.language for e in eval_set}
    assert languages == {"ja", "easy_ja", "en"}


def test_accuracy_on_the_evaluation_set(classifier: IntentClassifier) -> None:
    def ours(text: str) -> tuple[str, str | None, dict[str, object]]:
        u = understand(text, today=EVAL_TODAY, classifier=classifier)
        return u.intent, u.language, u.slots

    examples = load_examples(DATA / "eval.jsonl")
    report = evaluate(examples, ours)
    baseline = evaluate(examples, lambda t: (keyword_intent(t), None, {}))
    assert report.intent_accuracy >= 0.95, report.errors
    assert report.slot_accuracy >= 0.9, report.errors
    assert report.intent_accuracy > baseline.intent_accuracy


def test_classifier_is_cached_on_disk_and_retrained_when_data_changes(tmp_path: Path) -> None:
    first = load_or_train(tmp_path)
    cached = list(tmp_path.glob("nlu-intents-*.pkl"))
    assert len(cached) == 1
    assert cached[0] == _cache_path(tmp_path, read_training())
    second = load_or_train(tmp_path)
    assert second.ranked("会社を作りたい")[0][0] == first.ranked("会社を作りたい")[0][0] == "company_founding"
    assert _cache_path(tmp_path, read_training() + "other\tnew line\n") != cached[0]
    cached[0].write_bytes(b"not a pickle")
    assert load_or_train(tmp_path).ranked("はい")[0][0] == "affirm"  # a broken cache retrains


def test_cli_understand_json() -> None:
    result = CliRunner().invoke(
        cli_app,
        ["understand", "令和8年11月20日に生まれました", "--json", "--today", "2026-11-26", "--no-llm"],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == {"intent", "language", "slots"}
    assert body["intent"] == "birth"
    assert body["language"] == "ja"
    assert body["slots"]["date"] == "2026-11-20"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_gives_a_known_intent(classifier: IntentClassifier, text: str) -> None:
    u = understand(text, today=TODAY, classifier=classifier)
    assert u.intent in known_intents()
    assert u.language in ("ja", "easy_ja", "en")
    json.dumps(u.as_dict(), ensure_ascii=False).encode("utf-8")  # always serialisable
