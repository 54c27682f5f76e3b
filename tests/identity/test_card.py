"""The card simulator: PIN and password rules of real cards."""

from __future__ import annotations

import pytest

from tenohira.identity import Card, CardLocked, CardSimulator, InvalidSecretFormat, WrongSecret
from tenohira.identity.card import check_password_format, check_pin_format

from .conftest import PASSWORD, PIN, IssueFn


def test_simulator_implements_the_card_interface(offline_card: CardSimulator) -> None:
    sim = offline_card
    assert isinstance(sim, Card)


def test_wrong_pin_counts_down_to_lock_after_three(offline_card: CardSimulator) -> None:
    sim = offline_card
    for left in (2, 1):
        with pytest.raises(WrongSecret) as exc:
            sim.authenticate("9999", b"challenge")
        assert exc.value.tries_left == left
        assert exc.value.extra["tries_left"] == left
        assert f"あと{left}回" in (exc.value.detail_ja or "")
    with pytest.raises(CardLocked) as locked:
        sim.authenticate("9999", b"challenge")
    assert locked.value.which == "pin"
    # Locked: even the right PIN is refused, and the message says how to unlock.
    with pytest.raises(CardLocked) as again:
        sim.authenticate(PIN, b"challenge")
    problem = again.value
    assert problem.status == 423
    assert "municipality counter" in (problem.detail or "") and "supporter" in (problem.detail or "")
    assert "窓口" in (problem.detail_ja or "") and "サポーター" in (problem.detail_ja or "")
    # The lock is on the authentication PIN only: signing still works.
    assert sim.sign(PASSWORD, b"data")


def test_wrong_password_counts_down_to_lock_after_five(offline_card: CardSimulator) -> None:
    sim = offline_card
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongSecret) as exc:
            sim.sign("WRONG1", b"data")
        assert exc.value.tries_left == left and exc.value.which == "password"
    with pytest.raises(CardLocked):
        sim.sign("WRONG1", b"data")
    with pytest.raises(CardLocked):
        sim.sign(PASSWORD, b"data")
    assert sim.is_locked("password") and not sim.is_locked("pin")


def test_correct_entry_resets_the_counter(offline_card: CardSimulator) -> None:
    sim = offline_card
    for _ in range(2):
        with pytest.raises(WrongSecret):
            sim.authenticate("0000", b"c")
    assert sim.tries_left("pin") == 1
    sim.authenticate(PIN, b"c")
    assert sim.tries_left("pin") == 3
    with pytest.raises(WrongSecret) as exc:
        sim.authenticate("0000", b"c")
    assert exc.value.tries_left == 2


def test_counters_persist_in_the_card_directory(offline_card: CardSimulator) -> None:
    sim = offline_card
    with pytest.raises(WrongSecret):
        sim.authenticate("0000", b"c")
    reopened = CardSimulator.open(sim.directory)
    assert reopened.tries_left("pin") == 2
    with pytest.raises(WrongSecret) as exc:
        reopened.authenticate("0000", b"c")
    assert exc.value.tries_left == 1


def test_counter_unlock_resets(offline_card: CardSimulator) -> None:
    sim = offline_card
    for _ in range(2):
        with pytest.raises(WrongSecret):
            sim.authenticate("0000", b"c")
    with pytest.raises(CardLocked):
        sim.authenticate("0000", b"c")
    sim.reset_counter("pin")
    assert sim.authenticate(PIN, b"c")


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "１２３４", "", "12 4"])
def test_pin_format(pin: str) -> None:
    with pytest.raises(InvalidSecretFormat) as exc:
        check_pin_format(pin)
    assert exc.value.errors[0].field == "pin" and exc.value.errors[0].message_ja


@pytest.mark.parametrize("password", ["ABC12", "A" * 17, "abc123", "ABC-123", "ＡＢＣ１２３", ""])
def test_password_format(password: str) -> None:
    with pytest.raises(InvalidSecretFormat):
        check_password_format(password)


@pytest.mark.parametrize("password", ["ABC123", "A" * 16, "123456", "HANAKO2026"])
def test_password_format_accepts(password: str) -> None:
    check_password_format(password)


def test_malformed_pin_is_not_counted_as_a_try(offline_card: CardSimulator) -> None:
    # The holder's app checks the format before asking the chip, as real readers do.
    sim = offline_card
    with pytest.raises(InvalidSecretFormat):
        sim.authenticate("12", b"c")
    assert sim.tries_left("pin") == 3


async def test_issue_refuses_bad_pin_or_password_and_existing_card(issue: IssueFn) -> None:
    with pytest.raises(InvalidSecretFormat):
        await issue(pin="12345")
    with pytest.raises(InvalidSecretFormat):
        await issue(password="short")
    card, _ = await issue()
    from tenohira.core import Problem

    with pytest.raises(Problem) as exc:
        await issue(out_dir=card.out_dir)
    assert exc.value.slug == "card-dir-exists"
