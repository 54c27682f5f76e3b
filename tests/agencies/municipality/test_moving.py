"""The day counting and the refusals of a move between cities (転出・転入), on both sides of
each boundary."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.agencies.municipality import moving
from tenohira.core.problems import Problem

# Thursday 2026-01-15 (no holiday near): day 14 counting it is Wednesday 2026-01-28.
MOVE = date(2026, 1, 15)


def _slug(call: object) -> str:
    with pytest.raises(Problem) as caught:
        call()  # type: ignore[operator]
    body = caught.value.body()
    assert body["title"] and body["title_ja"]  # bilingual, always
    return caught.value.slug


def test_move_out_window_both_ends() -> None:
    window = moving.move_out_window(MOVE)
    assert window.opens == date(2025, 12, 16)  # 30 days before
    assert window.closes == date(2026, 1, 28)  # the 14th day counting the move day
    moving.check_move_out(MOVE, date(2025, 12, 16))
    moving.check_move_out(MOVE, date(2026, 1, 28))
    assert _slug(lambda: moving.check_move_out(MOVE, date(2025, 12, 15))) == "move-out-outside-window"
    assert _slug(lambda: moving.check_move_out(MOVE, date(2026, 1, 29))) == "move-out-outside-window"


def test_move_out_refusal_says_what_to_do_without_iso_dates_in_sentences() -> None:
    with pytest.raises(Problem) as caught:
        moving.check_move_out(MOVE, date(2026, 2, 1))
    body = caught.value.body()
    assert "2026年1月28日" in body["detail_ja"] and "窓口" in body["detail_ja"]
    assert "28 January 2026" in body["detail"]
    assert "2026-01-28" not in body["detail"] + body["detail_ja"]
    assert body["closes"] == "2026-01-28" and body["errors"][0]["field"] == "move_date"


def test_move_in_fourteen_days_counting_the_day_of_moving_in() -> None:
    # moved in 15 January, planned move-out the same day: the 14-day limit is the earlier one
    assert moving.move_in_deadline(MOVE, MOVE) == date(2026, 1, 28)
    assert moving.check_move_in(MOVE, MOVE, date(2026, 1, 28)) == date(2026, 1, 28)
    assert _slug(lambda: moving.check_move_in(MOVE, MOVE, date(2026, 1, 29))) == "move-in-after-deadline"


def test_move_in_last_day_on_a_closed_day_moves_to_the_next_open_day() -> None:
    # moved in Sunday 2026-04-19: day 14 is Saturday 2 May; 3–6 May are holidays (憲法記念日,
    # みどりの日, こどもの日, 振替休日), so the last day is Thursday 7 May
    moved_in = date(2026, 4, 19)
    assert moving.move_in_deadline(moved_in, moved_in) == date(2026, 5, 7)
    moving.check_move_in(moved_in, moved_in, date(2026, 5, 7))
    late = _slug(lambda: moving.check_move_in(moved_in, moved_in, date(2026, 5, 8)))
    assert late == "move-in-after-deadline"


def test_move_in_year_end_break_is_closed() -> None:
    moved_in = date(2026, 12, 16)  # day 14: Tuesday 29 December → Monday 4 January
    assert moving.move_in_deadline(moved_in, moved_in) == date(2027, 1, 4)


def test_special_move_in_thirty_days_from_the_planned_move_out() -> None:
    # move-out planned 1 February (Sunday), moved in only on 25 February: 30 days from the planned
    # date end on Tuesday 2 March, before the 14-day limit (10 March)
    planned, moved_in = date(2026, 2, 1), date(2026, 2, 25)
    assert moving.move_in_deadline(moved_in, planned) == date(2026, 3, 2)
    moving.check_move_in(moved_in, planned, date(2026, 3, 2))
    late = _slug(lambda: moving.check_move_in(moved_in, planned, date(2026, 3, 3)))
    assert late == "move-in-after-deadline"


def test_move_in_before_moving_in_is_refused() -> None:
    assert _slug(lambda: moving.check_move_in(MOVE, MOVE, date(2026, 1, 14))) == "move-in-before-moving"


def test_the_other_refusals_are_bilingual_problems() -> None:
    for problem, status in (
        (moving.no_move_out_facts(), 422),
        (moving.move_out_already_filed("MO1", "ゆびさき町"), 409),
        (moving.address_not_in_city("9900279999999", "ゆびさき町", "Yubisaki Town"), 422),
    ):
        body = problem.body()
        assert problem.status == status and body["title"] and body["title_ja"]
        assert body.get("detail") and body.get("detail_ja")
    unknown = moving.address_not_in_city("x", "ゆびさき町", "Yubisaki Town")
    assert unknown.errors[0].field == "new_address_district"
