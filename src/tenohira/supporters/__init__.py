"""Digital supporters: delegations, help requests, assisted sessions.

Public face (so far):

- :func:`request_help` ``(session, resident_code, source, conversation_transcript, *, reason="asked",
  language="ja") -> HelpRequest`` — a resident asks for a person; the conversation travels with it.
- :func:`open_help_requests`, :func:`help_requests_of` — what supporters (and the resident) see.
- :class:`HelpRequest` — the table row (id, resident_code, source, reason, language, transcript, state).
"""

from tenohira.supporters.models import HelpRequest
from tenohira.supporters.service import help_requests_of, open_help_requests, request_help

__all__ = ["HelpRequest", "help_requests_of", "open_help_requests", "request_help"]
