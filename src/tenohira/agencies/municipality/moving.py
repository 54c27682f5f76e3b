"""Moving house between municipalities: the day counting and the refusals (転出・転入).

Pure decisions over dates and what the city holds; the intake and the hub exchange of the
move-out facts (転出証明情報) call these. Every refusal is a bilingual problem (RFC 9457) that
says what to do instead, so nothing the resident filed is lost.

The periods, as understood (sources: ../shared/domain/next-life-events.md §1; articles not
re-checked against e-Gov this time, marked ``UNCONFIRMED`` where the notes mark them):

- 転出届 (住民基本台帳法 第24条): "あらかじめ" — before the move. Online (マイナポータル) it is
  taken from 30 days before the planned move; municipalities also take it up to 14 days after
  the move [M2][M10][M12]. Both ends are accepted here, one day outside is refused.
- 転入届 (第22条): within 14 days of moving in, the day of moving in counted as day 1
  (UNCONFIRMED: the catalogue's reading, as the birth notification's 戸籍法 43), a last day on a
  closed day of the offices moving to the next open day (地方自治法 第4条の2 第4項,
  UNCONFIRMED article).
- 特例転入 (第24条の2, card holders): the move-in must also come within 30 days of the planned
  move-out date given in the 転出届, or the card lapses and the paper 転出証明書 is needed
  [M10][M11]. The earlier of the two limits is the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from tenohira.core.problems import FieldError, Problem

MOVE_OUT_DAYS_BEFORE = 30  # online 転出届 from 30 days before the move [M2][M3][M4]
MOVE_OUT_DAYS_AFTER = 14  # and up to 14 days after it (practice, [M10][M12])
MOVE_IN_DAYS = 14  # 住民基本台帳法 第22条
SPECIAL_MOVE_IN_DAYS = 30  # 第24条の2: within 30 days of the planned move-out date [M10][M11]


def closed(day: date) -> bool:
    """行政機関の休日: Saturdays, Sundays, national holidays, 29 December – 3 January."""
    if day.weekday() >= 5 or day in holidays.country_holidays("JP", years=day.year):
        return True
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def next_open_day(day: date) -> date:
    """``day`` if the offices are open, else the first open day after it."""
    while closed(day):
        day += timedelta(days=1)
    return day


def _within(start: date, days: int) -> date:
    """The last day of ``days`` days counting ``start`` as day 1, moved past closed days."""
    return next_open_day(start + timedelta(days=days - 1))


@dataclass(frozen=True)
class MoveOutWindow:
    """When a 転出届 for a move on ``move_date`` is taken."""

    opens: date
    closes: date

    def admits(self, filed_on: date) -> bool:
        return self.opens <= filed_on <= self.closes


def move_out_window(move_date: date) -> MoveOutWindow:
    """From 30 days before the (planned) move to 14 days after it (counting the move day)."""
    return MoveOutWindow(
        opens=move_date - timedelta(days=MOVE_OUT_DAYS_BEFORE),
        closes=_within(move_date, MOVE_OUT_DAYS_AFTER),
    )


def special_move_in_until(planned_move_out: date) -> date:
    """The last day of the special move-in (第24条の2): 30 days from the planned move-out date."""
    return _within(planned_move_out, SPECIAL_MOVE_IN_DAYS)


def move_in_deadline(moved_in: date, planned_move_out: date) -> date:
    """The last day of the 転入届: 14 days from moving in (第22条) and, for the special move-in,
    30 days from the planned move-out date (第24条の2); the earlier one."""
    return min(_within(moved_in, MOVE_IN_DAYS), _within(planned_move_out, SPECIAL_MOVE_IN_DAYS))


def _ja_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _en_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def check_move_out(move_date: date, filed_on: date) -> MoveOutWindow:
    """The window of a 転出届 filed on ``filed_on``; a problem if the filing is outside it."""
    window = move_out_window(move_date)
    if window.admits(filed_on):
        return window
    early = filed_on < window.opens
    raise Problem(
        status=422,
        slug="move-out-outside-window",
        title="The move-out notification cannot be filed online on this day",
        title_ja="この日には転出届をオンラインで受け付けられません",
        detail=(
            f"Online it is taken from {_en_date(window.opens)} to {_en_date(window.closes)}. "
            + ("Please file again from then." if early else "Please come to the city office counter.")
        ),
        detail_ja=(
            f"オンラインでは{_ja_date(window.opens)}から{_ja_date(window.closes)}まで受け付けます。"
            + ("その日になってから届け出てください。" if early else "市区町村の窓口でお手続きください。")
        ),
        errors=[
            FieldError(
                "move_date",
                "The move date is too far ahead" if early else "The move was too long ago",
                "引っ越しの日が先すぎます" if early else "引っ越しの日から日数がたちすぎています",
            )
        ],
        extra={"opens": window.opens.isoformat(), "closes": window.closes.isoformat()},
    )


def move_out_already_filed(reference: str, destination: str) -> Problem:
    """A second 転出届 for a person whose move-out is on file (the first one stands)."""
    return Problem(
        status=409,
        slug="move-out-already-filed",
        title="A move-out notification is already on file for this person",
        title_ja="この方の転出届はすでに受け付けています",
        detail=f"The first notification stands (to {destination}). To change it, contact the city office.",
        detail_ja=f"最初の届出（{destination}への転出）が有効です。変更するときは市区町村にご連絡ください。",
        extra={"reference": reference},
    )


def no_move_out_facts() -> Problem:
    """A 転入届 at a city that holds no move-out facts (転出証明情報) for the person."""
    return Problem(
        status=422,
        slug="move-in-without-move-out",
        title="No move-out notification from your previous city has reached us",
        title_ja="前の住所地からの転出の届出が届いていません",
        detail=(
            "File the move-out notification at your previous city first (or bring its paper "
            "move-out certificate to the counter); then file this again."
        ),
        detail_ja="先に前の住所地で転出届を出してください（紙の転出証明書があれば窓口へお持ちください）。そのあと、もう一度届け出てください。",
    )


def check_move_in(moved_in: date, planned_move_out: date, filed_on: date) -> date:
    """The deadline of a 転入届 filed on ``filed_on``; a problem if the filing is late or early."""
    if moved_in > filed_on:
        raise Problem(
            status=422,
            slug="move-in-before-moving",
            title="A move-in notification is filed after moving in",
            title_ja="転入届は引っ越してから届け出てください",
            errors=[
                FieldError("moved_in", "The day of moving in is in the future", "転入した日が未来の日付です")
            ],
        )
    deadline = move_in_deadline(moved_in, planned_move_out)
    if filed_on > deadline:
        raise Problem(
            status=422,
            slug="move-in-after-deadline",
            title="The deadline for filing the move-in online has passed",
            title_ja="転入届をオンラインで出せる期限を過ぎています",
            detail=(
                f"The last day was {_en_date(deadline)}. Please come to the city office counter with "
                "your card; a late notification is still taken there (the card may have lapsed)."
            ),
            detail_ja=(
                f"期限は{_ja_date(deadline)}でした。カードを持って市区町村の窓口へお越しください。"
                "期限後の届出も窓口で受け付けます（カードが失効していることがあります）。"
            ),
            extra={"deadline": deadline.isoformat()},
        )
    return deadline


def address_not_in_city(district: str, city_ja: str, city_en: str) -> Problem:
    """A new address whose 町字 is not in the city's address list."""
    return Problem(
        status=422,
        slug="address-not-in-city",
        title=f"This address is not in {city_en}'s address list",
        title_ja=f"この住所は{city_ja}の住所の一覧にありません",
        detail="Check the town and block of the new address (choose it from the list).",
        detail_ja="新しい住所の町名・丁目を確かめてください（一覧から選んでください）。",
        errors=[
            FieldError(
                "new_address_district",
                "Not a town or block of this city",
                "この市区町村の町名・丁目ではありません",
            )
        ],
        extra={"district": district},
    )
