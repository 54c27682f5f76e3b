"""Notifications: in-app inbox and email with delivery states.

    from tenohira.notify import send
    await send(session, recipient="P-3f9a…", template="procedure_notice", language="ja",
               params={"procedure_name": "児童手当", "deadline": "2026-12-10", "amount": 15000},
               email="parent@example.jp")

Templates (Japanese and English): procedure_notice, application_submitted, application_decided,
generic. ``set_recipient_resolver`` tells the inbox API which recipient references a logged-in
principal owns (default: its holder_ref and ``card:<serial>``).
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.notify.service import count_emails, email_states, inbox, mark_read, send
    from tenohira.notify.templates import InvalidNotification, add_template_dir, render, template_names

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "count_emails": "tenohira.notify.service",
        "email_states": "tenohira.notify.service",
        "inbox": "tenohira.notify.service",
        "mark_read": "tenohira.notify.service",
        "send": "tenohira.notify.service",
        "InvalidNotification": "tenohira.notify.templates",
        "add_template_dir": "tenohira.notify.templates",
        "render": "tenohira.notify.templates",
        "template_names": "tenohira.notify.templates",
    },
)

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
