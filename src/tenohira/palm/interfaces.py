"""The palm's interface for the other citizen-facing modules (assistant, supporters, web).

Import from here (or from ``tenohira.palm``), never from the palm's inner modules. This module
loads the applications machinery; ``tenohira.palm`` itself stays light.

Applications (see ``docs/palm.md``):

- :class:`PalmContext` ``.for_code(code, actor)`` — who acts, with the palm's hub client.
- :func:`create`, :func:`get_application`, :func:`list_applications`, :func:`update_fields`,
  :func:`confirm`, :func:`withdraw`, :func:`submit`, :func:`missing_fields`, :func:`status_of`,
  :func:`history_of`, :func:`transition`, :func:`record_decision` (a later staff decision:
  queued → decided → notified, with the notification), :func:`create_bundle`,
  :func:`answer_bundle`, :func:`sign_bundle`, :func:`submit_bundle`, :func:`bundle_of`.
- States: :data:`DRAFT` … :data:`HANDED_OVER`, :data:`TRANSITIONS`.
- People: :func:`code_of` (principal → palm code), :func:`code_for_card`, :func:`palm_client`,
  :func:`recipient_for`, :func:`ensure_person`.
- Tables: :class:`Application`, :class:`Bundle`, :class:`HistoryEntry`, :class:`Person`.
- Push (the household's facts through the hub, as the rules see them): :func:`fetch_facts`,
  :func:`build_household`, :class:`FactsUnavailable`.
- The situation (one source of truth for notices, the assistant and pages): :func:`situation_of`
  (through the hub), :func:`situation_from` (pure), :class:`Situation`, :class:`Proposal`,
  :data:`FILED_STATES`, the sources :data:`REGISTRY` and :data:`TYPED`.
"""

from tenohira.palm.applications import (
    CONFIRMED,
    DECIDED,
    DRAFT,
    HANDED_OVER,
    NOTIFIED,
    PREFILLED,
    QUEUED,
    SIGNED,
    STATES,
    SUBMITTED,
    TRANSITIONS,
    WITHDRAWN,
    PalmContext,
    answer_bundle,
    bundle_of,
    confirm,
    create,
    create_bundle,
    get_application,
    history_of,
    list_applications,
    missing_fields,
    record_decision,
    sign_bundle,
    status_of,
    submit,
    submit_bundle,
    transition,
    update_fields,
    withdraw,
)
from tenohira.palm.models import Application, Bundle, HistoryEntry, Person
from tenohira.palm.people import code_for_card, code_of, ensure_person, palm_client, recipient_for
from tenohira.palm.push.service import FactsUnavailable, build_household, fetch_facts
from tenohira.palm.situation import (
    FILED_STATES,
    REGISTRY,
    TYPED,
    Proposal,
    Situation,
    situation_from,
    situation_of,
)

__all__ = [
    "CONFIRMED",
    "DECIDED",
    "DRAFT",
    "FILED_STATES",
    "HANDED_OVER",
    "NOTIFIED",
    "PREFILLED",
    "QUEUED",
    "REGISTRY",
    "SIGNED",
    "STATES",
    "SUBMITTED",
    "TRANSITIONS",
    "TYPED",
    "WITHDRAWN",
    "Application",
    "Bundle",
    "FactsUnavailable",
    "HistoryEntry",
    "PalmContext",
    "Person",
    "Proposal",
    "Situation",
    "answer_bundle",
    "build_household",
    "bundle_of",
    "code_for_card",
    "code_of",
    "confirm",
    "create",
    "create_bundle",
    "ensure_person",
    "fetch_facts",
    "get_application",
    "history_of",
    "list_applications",
    "missing_fields",
    "palm_client",
    "recipient_for",
    "record_decision",
    "sign_bundle",
    "situation_from",
    "situation_of",
    "status_of",
    "submit",
    "submit_bundle",
    "transition",
    "update_fields",
    "withdraw",
]
