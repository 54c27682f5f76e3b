"""The agency kit: how a reference agency system takes part in the hub, written once.

Neutral ground for the agencies (they never import each other). A member system is its data,
its services and its rules, plus these:

- :class:`LazyHubProvider` (its gate: the hub's signature on each request) and
  :func:`member_client` (its own calls through the hub, signed with its key);
- :func:`member_session` — the FastAPI dependency: the request's session is its unit of work;
- :func:`parse_body` — a hub body as a pydantic model, or a 422 problem with field errors;
- :func:`get_meta` / :func:`set_meta` — its key/value state (how far seeding got);
- :class:`IntakeDesk` — receiving signed applications: replay, envelope and card-signature
  checks, the published schema, signer-is-applicant, the decision (the agency's), stored once;
  and its route; :class:`SchemaShelf` — the intake schemas it publishes, data files beside it;
  :func:`trust_from` — the CA chain and CRL a desk verifies against;
- the pieces the desk is made of (:func:`verify_filing`, :func:`store_once`, …) for an agency
  whose intake differs.

Each agency is its own member with its own key, which hub bootstrap stores under
``data_dir/members/<id>/``; the app is built before bootstrap may have run, so the credentials
are loaded on first use.
"""

from __future__ import annotations

from tenohira.agencies.membership.filing import (
    Filing,
    IntakeIn,
    fetch_trust,
    not_handled,
    parse_body,
    parse_intake,
    same_person,
    signer_not_subject,
    store_once,
    stored_answer,
    verify_filing,
)
from tenohira.agencies.membership.gate import LazyHubProvider, close_member_clients, member_client
from tenohira.agencies.membership.kit import (
    Applicant,
    IntakeDesk,
    get_meta,
    member_app,
    member_session,
    schema_router,
    set_meta,
    trust_from,
)
from tenohira.agencies.membership.schemas import SchemaShelf

__all__ = [
    "Applicant",
    "Filing",
    "IntakeDesk",
    "IntakeIn",
    "LazyHubProvider",
    "SchemaShelf",
    "close_member_clients",
    "fetch_trust",
    "get_meta",
    "member_app",
    "member_client",
    "member_session",
    "not_handled",
    "parse_body",
    "parse_intake",
    "same_person",
    "schema_router",
    "set_meta",
    "signer_not_subject",
    "store_once",
    "stored_answer",
    "trust_from",
    "verify_filing",
]
