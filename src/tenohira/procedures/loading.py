"""Loading and checking the catalogue data files, and the deadlines they imply."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import ValidationError

from tenohira.core.problems import FieldError, Problem
from tenohira.procedures.deadlines import add_months, next_business_day, period_end
from tenohira.procedures.procedure import LIFE_EVENTS, Procedure

CATALOGUE_PACKAGE = "tenohira.procedures"


class CatalogueError(Exception):
    """A catalogue data file is invalid; the message names the file and every problem."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class UnknownProcedure(Problem):
    """No procedure has that id (404 problem+json)."""

    def __init__(self, procedure_id: str) -> None:
        super().__init__(
            status=404,
            slug="unknown-procedure",
            title="Unknown procedure",
            title_ja="該当する手続きがありません",
            detail=f"no procedure has the id {procedure_id!r}",
            detail_ja=f"手続き「{procedure_id}」は見つかりません",
            errors=[FieldError("id", "unknown procedure id", "手続きIDが見つかりません")],
        )


@lru_cache(maxsize=1)
def catalogue_schema() -> dict[str, Any]:
    """The JSON Schema every data file must satisfy."""
    text = resources.files(CATALOGUE_PACKAGE).joinpath("catalogue.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _schema_errors(data: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        catalogue_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    found = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        found.append(f"{where}: {err.message}")
    return found


def parse_procedure(text: str, *, path: str = "<string>") -> Procedure:
    """Parse and check one data file's YAML text (schema first, then the pydantic model)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(path, [f"not YAML: {exc}"]) from exc
    # YAML reads an unquoted ISO date as a date; the schema speaks JSON, so compare as text.
    data = json.loads(json.dumps(data, default=str))
    problems = _schema_errors(data)
    if problems:
        raise CatalogueError(path, problems)
    try:
        procedure = Procedure.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(
            path, [f"{'/'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
        ) from exc
    stem = Path(path).stem
    if path != "<string>" and stem != procedure.id:
        raise CatalogueError(path, [f"the file must be named after its id ({procedure.id}.yaml)"])
    return procedure


def load_procedure_file(path: Path) -> Procedure:
    """Load one data file from disk."""
    return parse_procedure(path.read_text("utf-8"), path=str(path))


@dataclass(frozen=True)
class Catalogue:
    """Every procedure, in file-name order, looked up by id or by life event."""

    procedures: tuple[Procedure, ...]

    def __post_init__(self) -> None:
        ids = [p.id for p in self.procedures]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise CatalogueError("catalogue", [f"duplicate ids: {', '.join(duplicates)}"])

    def get(self, procedure_id: str) -> Procedure:
        """The procedure with ``procedure_id``; raises ``UnknownProcedure`` (404) if none."""
        for procedure in self.procedures:
            if procedure.id == procedure_id:
                return procedure
        raise UnknownProcedure(procedure_id)

    def __contains__(self, procedure_id: object) -> bool:
        return any(p.id == procedure_id for p in self.procedures)

    def all(self) -> list[Procedure]:
        """Every procedure."""
        return list(self.procedures)

    def ids(self) -> list[str]:
        """Every procedure id."""
        return [p.id for p in self.procedures]

    def for_event(self, event: str) -> list[Procedure]:
        """The procedures a life event makes relevant (``birth``, ``move``, ``death``,
        ``company_founding``), most urgent first (shortest deadline; notices last);
        ValueError for an unknown event."""
        if event not in LIFE_EVENTS:
            raise ValueError(f"unknown life event {event!r}; known: {', '.join(LIFE_EVENTS)}")
        return sorted((p for p in self.procedures if event in p.life_events), key=_urgency)


def _urgency(procedure: Procedure) -> tuple[int, int, str]:
    rule = procedure.deadline
    if rule.kind == "period":
        days = rule.days or (rule.months or 0) * 30 or (rule.years or 0) * 365
    elif rule.kind in ("during_hospital_stay", "before_event"):
        days = 0
    else:
        days = 10_000
    return (int(procedure.kind == "notice" or procedure.coverage == "minimal"), days, procedure.id)


def load_catalogue_from(paths: Iterable[Path]) -> Catalogue:
    """A catalogue of the given data files; every invalid file is reported at once."""
    procedures: list[Procedure] = []
    problems: list[str] = []
    for path in sorted(paths):
        try:
            procedures.append(load_procedure_file(path))
        except CatalogueError as exc:
            problems.append(str(exc))
    if problems:
        raise CatalogueError("catalogue", problems)
    return Catalogue(tuple(procedures))


def catalogue_dir() -> Path:
    """Where the packaged data files are."""
    return Path(str(resources.files(CATALOGUE_PACKAGE).joinpath("catalogue")))


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue (loaded and checked once per process)."""
    return load_catalogue_from(catalogue_dir().glob("*.yaml"))


def deadline_for(procedure: Procedure, event_date: date) -> date | None:
    """The last day to file ``procedure`` after an event on ``event_date``.

    None when the procedure has no computable deadline (none, during the hospital stay,
    per ordinance, or before the event). The counting rule is the entry's (初日算入 by
    default, as 戸籍法 43) and a last day on a closed day moves to the next business day.
    """
    rule = procedure.deadline
    if rule.kind != "period":
        return None
    end = period_end(
        event_date,
        days=rule.days or 0,
        months=rule.months or 0,
        years=rule.years or 0,
        event_day_is_day_1=rule.counting == "event_day_is_day_1",
    )
    return next_business_day(end) if rule.holiday_shift else end


def schedule_for(procedure: Procedure, birth_date: date) -> tuple[date, date | None] | None:
    """For a check-up or vaccination notice: the dates the child is in its age window."""
    if procedure.schedule is None:
        return None
    start = add_months(birth_date, procedure.schedule.from_age_months)
    months_to = procedure.schedule.to_age_months
    return start, (add_months(birth_date, months_to) if months_to is not None else None)
