"""Notifications: in-app inbox and email with delivery states.

    from tenohira.notify import send
    await send(session, recipient="P-3f9a…", template="procedure_notice", language="ja",
               params={"procedure_name": "児童手当", "deadline": "2026-12-10", "amount": 15000},
               email="parent@example.jp")

Templates (Japanese and English): procedure_notice, application_submitted, application_decided,
generic. ``set_recipient_resolver`` tells the inbox API which recipient references a logged-in
principal owns (default: its holder_ref and ``card:<serial>``).
"""

from tenohira.notify.service import count_emails, email_states, inbox, mark_read, send
from tenohira.notify.templates import InvalidNotification, add_template_dir, render, template_names

__all__ = [
    "InvalidNotification",
    "add_template_dir",
    "count_emails",
    "email_states",
    "inbox",
    "mark_read",
    "render",
    "send",
    "set_recipient_resolver",
    "template_names",
]


def set_recipient_resolver(resolver: object) -> None:
    """Let the palm map a principal to its recipient references (see :mod:`tenohira.notify.api`)."""
    from typing import cast

    from tenohira.notify.api import RecipientResolver
    from tenohira.notify.api import set_recipient_resolver as _set

    _set(cast(RecipientResolver, resolver))
