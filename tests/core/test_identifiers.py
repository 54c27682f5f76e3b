import pytest

from tenohira.core import (
    InvalidIdentifier,
    corporate_number_check_digit,
    individual_number_check_digit,
    local_government_code_check_digit,
    validate_corporate_number,
    validate_individual_number,
    validate_local_government_code,
)


def test_individual_number_example_from_the_facts_page() -> None:
    assert individual_number_check_digit("12345678901") == 8
    assert validate_individual_number("123456789018") == "123456789018"


@pytest.mark.parametrize("wrong", ["123456789010", "123456789019", "123456789017"])
def test_individual_number_wrong_check_digit_is_refused(wrong: str) -> None:
    with pytest.raises(InvalidIdentifier) as e:
        validate_individual_number(wrong)
    assert e.value.status == 422
    assert e.value.errors[0].field == "individual_number"
    assert "検査用数字" in e.value.errors[0].message_ja


@pytest.mark.parametrize(
    "bad", ["", "12345678901", "1234567890188", "12345678901a", "１２３４５６７８９０１８"]
)
def test_individual_number_malformed_is_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate_individual_number(bad)


def test_corporate_number_example_from_the_facts_page() -> None:
    assert corporate_number_check_digit("010705000725") == 7
    assert validate_corporate_number("7010705000725") == "7010705000725"
    with pytest.raises(InvalidIdentifier):
        validate_corporate_number("6010705000725")


@pytest.mark.parametrize("code", ["011002", "131016", "271004", "990019"])
def test_local_government_codes(code: str) -> None:
    assert local_government_code_check_digit(code[:5]) == int(code[5])
    assert validate_local_government_code(code) == code


def test_local_government_code_wrong_check_digit() -> None:
    with pytest.raises(InvalidIdentifier):
        validate_local_government_code("131017")
