"""Templates in Japanese and English, dates in the Japanese era, amounts in yen."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tenohira.notify import InvalidNotification, render, template_names
from tenohira.notify.templates import english_date, japanese_date

DEFAULTS = {"municipality": "手のひら市", "municipality_en": "Tenohira City"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 11, 26), "令和8年（2026年）11月26日"),
        (date(2019, 5, 1), "令和元年（2019年）5月1日"),
        (date(2019, 4, 30), "平成31年（2019年）4月30日"),
        (date(1989, 1, 8), "平成元年（1989年）1月8日"),
        (date(1989, 1, 7), "昭和64年（1989年）1月7日"),
        ("2026-12-10", "令和8年（2026年）12月10日"),
        # timestamps show in Japan time; a naive one is UTC, as the database stores it
        (datetime(2026, 11, 26, 0, 5), "令和8年（2026年）11月26日 09:05"),
    ],
)
def test_japanese_era_dates(value: date | str, text: str) -> None:
    assert japanese_date(value) == text


def test_english_dates() -> None:
    assert english_date(date(2026, 11, 26)) == "26 November 2026"


def test_notice_in_both_languages() -> None:
    params = {
        "procedure_name": "児童手当",
        "deadline": "2026-12-10",
        "amount": 15000,
        "per_month": True,
        "explanation": "3歳未満のお子さんがいるため",
        "url": "http://127.0.0.1:8000/notices",
    }
    subject, body = render("procedure_notice", "ja", params, DEFAULTS)
    assert subject == "【手のひら市】児童手当の手続きのお知らせ"
    assert "令和8年（2026年）12月10日までに" in body and "15,000円（月額）" in body
    subject, body = render(
        "procedure_notice", "en", {**params, "procedure_name": "Child allowance"}, DEFAULTS
    )
    assert subject == "[Tenohira City] Action needed: Child allowance"
    assert "10 December 2026" in body and "¥15,000 per month" in body
    # easy Japanese falls back to Japanese until an easy template exists
    assert render("procedure_notice", "easy_ja", params, DEFAULTS)[0].startswith("【手のひら市】")


def test_decision_texts() -> None:
    params = {
        "procedure_name": "児童手当",
        "application_id": "A-1",
        "decision": "approved",
        "amount": 15000,
        "per_month": True,
        "reason": "要件を満たしています",
        "legal_basis": "児童手当法第7条",
    }
    _, body = render("application_decided", "ja", params, DEFAULTS)
    assert "認定（支給）します" in body and "児童手当法第7条" in body
    _, body = render("application_decided", "en", {**params, "decision": "rejected"}, DEFAULTS)
    assert "not approved" in body


def test_bad_requests() -> None:
    with pytest.raises(InvalidNotification):
        render("procedure_notice", "fr", {}, DEFAULTS)
    with pytest.raises(InvalidNotification):
        render("no_such_template", "ja", {}, DEFAULTS)
    with pytest.raises(InvalidNotification):  # a missing parameter is an error, never a blank
        render("procedure_notice", "ja", {"deadline": None}, DEFAULTS)
    with pytest.raises(InvalidNotification):
        render("generic", "ja", {"subject": "two\nlines", "body": "x"}, DEFAULTS)


def test_every_template_exists_in_japanese_and_english() -> None:
    for name in template_names():
        for lang in ("ja", "en"):
            with pytest.raises(InvalidNotification, match=r"undefined|subject"):
                render(name, lang, {}, {})
