"""Bodies of the municipality's hub services (pydantic at the edge)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class BasicFacts(BaseModel):
    """基本4情報 and the reading of the name."""

    name: str
    name_kana: str
    address: str
    postal_code: str
    birth_date: date
    sex: str


class HouseholdMember(BaseModel):
    relation: str = Field(description="続柄 to the head: head, spouse, child, parent")
    name: str
    name_kana: str
    birth_date: date
    sex: str
    is_subject: bool
    insurance: str
    employment_insured: bool
    annual_income: int
    expecting_due_date: date | None = None


class Household(BaseModel):
    address: str
    members: list[HouseholdMember]


class ResidentTaxStatus(BaseModel):
    fiscal_year: int
    income_year: int
    status: str = Field(description="non_taxable | per_capita_only | taxable")
    reason: str
    total_income: int
    dependants: int
    per_capita_limit: int
    income_levy_limit: int
    legal_basis: str


class EligibilityFacts(BaseModel):
    """What an eligibility check needs from the municipality, in one answer."""

    household: Household
    resident_tax_status: ResidentTaxStatus


class PresentationNonce(BaseModel):
    nonce: str
    audience: str = Field(description="the aud the Key Binding JWT must carry")
    expires_at: str


class BirthNotificationIn(BaseModel):
    """出生届: what no agency knows yet (the name and its reading) and the hospital's certificate."""

    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(max_length=40, description="子の名 (常用/人名用 kanji, hiragana, katakana)")
    given_name_kana: str = Field(max_length=60, description="よみかた (katakana; hiragana is converted)")
    birth_certificate: str = Field(
        max_length=20_000, description="出生証明書 presented as SD-JWT with Key Binding JWT (RFC 9901)"
    )
    nonce: str = Field(max_length=200, description="from the presentation-nonce service")


class RegisteredChild(BaseModel):
    name: str
    name_kana: str
    birth_date: date
    sex: str


class BirthNotificationOut(BaseModel):
    notification_id: str
    child: RegisteredChild
    filed_on: date
    deadline: date
    late: bool = Field(description="filed after the 14-day deadline: accepted, flagged for the registrar")
    child_ticket: str | None = Field(
        default=None, description="hub introduction ticket by which the caller learns its code for the child"
    )
