"""Digital supporters and the staff console (palm side): roles, delegations, help requests, actions.

Public face:

- :func:`request_help` ``(session, resident_code, source, conversation_transcript, *, reason="asked",
  language="ja") -> HelpRequest`` — a resident asks for a person; the conversation travels with it.
- :func:`help_reference` ``(request_id) -> str`` — the reference number both sides read.
- :func:`open_help_requests`, :func:`help_requests_of` — what supporters (and the resident) see.
- :func:`access_history_entries` ``(session, resident_code) -> list[dict]`` — what supporters and
  staff did about a resident, shaped like ``/api/palm/access-history`` entries (``at``,
  ``client_name``, ``service``, ``purpose``, ``outcome``, ``kind="supporter"``): merge and sort by ``at``.
- :func:`end_delegations_of_card` ``(session, serial) -> int`` — end the delegations a card granted
  (for a revocation hook; the use-time check ends them anyway).
- :func:`roles_of` ``(session, palm_code, card_serial=None) -> list[Role]`` — a person's roles.
- :func:`audience` — the FastAPI dependency by which a route declares (and enforces) who may use it.
- Tables: :class:`HelpRequest`, :class:`Role`, :class:`Delegation`, :class:`SupporterAction`.

See ``docs/supporters.md``.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.supporters.audiences import audience
    from tenohira.supporters.delegations import access_history_entries, end_delegations_of_card, roles_of
    from tenohira.supporters.models import Delegation, HelpRequest, Role, SupporterAction
    from tenohira.supporters.service import help_reference, help_requests_of, open_help_requests, request_help

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "audience": "tenohira.supporters.audiences",
        "access_history_entries": "tenohira.supporters.delegations",
        "end_delegations_of_card": "tenohira.supporters.delegations",
        "roles_of": "tenohira.supporters.delegations",
        "Delegation": "tenohira.supporters.models",
        "HelpRequest": "tenohira.supporters.models",
        "Role": "tenohira.supporters.models",
        "SupporterAction": "tenohira.supporters.models",
        "help_reference": "tenohira.supporters.service",
        "help_requests_of": "tenohira.supporters.service",
        "open_help_requests": "tenohira.supporters.service",
        "request_help": "tenohira.supporters.service",
    },
)

__all__ = [
    "Delegation",
    "HelpRequest",
    "Role",
    "SupporterAction",
    "access_history_entries",
    "audience",
    "end_delegations_of_card",
    "help_reference",
    "help_requests_of",
    "open_help_requests",
    "request_help",
    "roles_of",
]
