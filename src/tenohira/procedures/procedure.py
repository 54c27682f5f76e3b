"""What one catalogue entry says: the pydantic model of a procedure data file.

The same shape is described for editors and reviewers by ``catalogue.schema.json``; a file
must pass both (the JSON Schema catches typos in keys, pydantic gives typed objects and the
cross-field checks the schema cannot express).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

LifeEvent = Literal["birth", "move", "death", "company_founding"]
LIFE_EVENTS: tuple[LifeEvent, ...] = ("birth", "move", "death", "company_founding")

# Hub member ids of the agencies that decide or hold data. "palm" is the resident's own
# side (facts read from their card's signing certificate), never an agency.
Member = Literal[
    "municipality",
    "hospital",
    "insurer",
    "employer",
    "hello-work",
    "pension-office",
    "tax-office",
    "legal-affairs-bureau",
    "family-court",
    "labour-standards-office",
    "prefecture",
    "palm",
]

FieldType = Literal[
    "date",
    "time",
    "name_kanji",
    "name_kana",
    "address",
    "agency_code",
    "bank_account",
    "amount",
    "sex",
    "weight_g",
    "choice",
    "text",
    "boolean",
    "count",
    "relation",
    "phone",
    "corporate_number",
    "credential",
    "document",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    """A text in Japanese, English and easy Japanese (やさしい日本語)."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)
    easy_ja: str = Field(min_length=1)

    def in_language(self, language: str) -> str:
        """The text in ``language`` ("ja", "en" or "easy_ja"); Japanese for anything else."""
        return {"en": self.en, "easy_ja": self.easy_ja}.get(language, self.ja)


class Filer(_Strict):
    """Who may file (in order of duty where the law sets one)."""

    role: str = Field(pattern=r"^[a-z_]+$")
    ja: str
    en: str


class LegalBasis(_Strict):
    """A law and its articles; ``confirmed`` is false where we could not check the article."""

    law: str
    law_en: str
    articles: list[str] = Field(default_factory=list)
    url: HttpUrl | None = None
    confirmed: bool = True
    note: str | None = None


DeadlineKind = Literal["period", "none", "before_event", "during_hospital_stay", "per_ordinance"]


class Deadline(_Strict):
    """When the filing is due, relative to the event.

    ``period`` counts ``days``/``months``/``years`` from the event: ``event_day_is_day_1``
    (初日算入, 戸籍法 43) or ``from_next_day`` (初日不算入, 民法 140), then moves to the next
    business day if ``holiday_shift``. The other kinds have no computable date.
    """

    kind: DeadlineKind
    days: int | None = Field(default=None, ge=1)
    months: int | None = Field(default=None, ge=1)
    years: int | None = Field(default=None, ge=1)
    counting: Literal["event_day_is_day_1", "from_next_day"] = "event_day_is_day_1"
    holiday_shift: bool = True
    description: Names
    confirmed: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _period_has_length(self) -> Deadline:
        lengths = [v for v in (self.days, self.months, self.years) if v is not None]
        if self.kind == "period" and len(lengths) != 1:
            raise ValueError("a period deadline needs exactly one of days, months, years")
        if self.kind != "period" and lengths:
            raise ValueError(f"a {self.kind!r} deadline has no length")
        return self


class Prefill(_Strict):
    """Where a field's value is already held (once only): a hub member and its service."""

    member: Member
    service: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$")


class Choice(_Strict):
    value: str
    ja: str
    en: str


class FieldSpec(_Strict):
    """One input of the procedure, with a standard type and where it can be prefilled from."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    required: bool = True
    label: Names
    prefill: Prefill | None = None
    choices: list[Choice] | None = None
    # a date that may not be earlier than the date field named here (a leave ends after it starts)
    not_before: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    # a date that may not be after the day it is checked (a date of birth: the agencies refuse it)
    not_in_future: bool = False
    # a number's bounds as the deciding agency takes them (the babies of one birth: 1 to 5)
    minimum: int | None = None
    maximum: int | None = None

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> FieldSpec:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("a choice field needs choices, and only a choice field has them")
        return self

    @model_validator(mode="after")
    def _not_in_future_only_for_dates(self) -> FieldSpec:
        if self.not_in_future and self.type != "date":
            raise ValueError("only a date field can be not_in_future")
        return self

    @model_validator(mode="after")
    def _bounds_only_for_numbers(self) -> FieldSpec:
        bounded = self.minimum is not None or self.maximum is not None
        if bounded and self.type not in ("count", "amount", "weight_g"):
            raise ValueError("only a number field has a minimum or a maximum")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("the minimum is greater than the maximum")
        return self


class Decision(_Strict):
    """How the application is decided: by rules as code (with the benefit id), by staff
    review, or by acceptance of a notification (届出: registered once formally complete)."""

    method: Literal["rules", "staff", "acceptance", "notice"]
    benefit: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @model_validator(mode="after")
    def _rules_name_a_benefit(self) -> Decision:
        if (self.method == "rules") != (self.benefit is not None):
            raise ValueError("rules decisions name a benefit, and only they do")
        return self


class Amount(_Strict):
    """An amount mentioned by the procedure, with when it applies and where it comes from."""

    label: Names
    yen: int = Field(ge=0)
    unit: Literal["once", "per_month", "per_day", "per_child", "per_child_per_month"]
    effective_from: date
    effective_to: date | None = None
    source: HttpUrl | str
    confirmed: bool = True
    note: str | None = None


class Source(_Strict):
    title: str
    url: HttpUrl | None = None


class Schedule(_Strict):
    """For notices: the child's age window (in months) the check-up or vaccination is for."""

    from_age_months: int = Field(ge=0)
    to_age_months: int | None = Field(default=None, ge=0)


class Procedure(_Strict):
    """One catalogue entry: a procedure (or a notice the municipality sends)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["procedure", "notice"] = "procedure"
    coverage: Literal["full", "minimal"] = "full"
    names: Names
    summary: Names
    life_events: list[LifeEvent] = Field(min_length=1)
    deciding_agency: Member
    filers: list[Filer] = Field(min_length=1)
    legal_basis: list[LegalBasis] = Field(min_length=1)
    deadline: Deadline
    fields: list[FieldSpec] = Field(default_factory=list)
    decision: Decision
    amounts: list[Amount] = Field(default_factory=list)
    schedule: Schedule | None = None
    sources: list[Source] = Field(default_factory=list)
    confirmed: bool = True
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError("field names must be unique")
        unconfirmed = (
            any(not b.confirmed for b in self.legal_basis)
            or not self.deadline.confirmed
            or any(not a.confirmed for a in self.amounts)
        )
        if unconfirmed and self.confirmed:
            raise ValueError("an entry with an unconfirmed fact must say confirmed: false")
        if not self.confirmed and not self.notes:
            raise ValueError("an unconfirmed entry needs a note saying what could not be confirmed")
        return self

    @property
    def filer(self) -> Filer:
        """The first (primary) filer, for code that needs only one."""
        return self.filers[0]

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (KeyError if the procedure has none)."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)
