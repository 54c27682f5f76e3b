"""What the web's console pages use of supporters (a public face for the pages, beside ``__init__``).

The pages are thin: they call the same functions as the JSON API, so that a page can do nothing
the API would refuse.
"""

from tenohira.supporters.api import (
    DecisionIn,
    PrepareIn,
    ReplyIn,
    RoleIn,
    close,
    decide,
    delegation_view,
    my_residents,
    open_counter_help,
    prepare,
    queue,
    record_counter_unlock,
    register,
    reply,
    resident_applications,
    review,
    review_case,
    role_view,
    take,
)
from tenohira.supporters.audiences import Actor, audience
from tenohira.supporters.delegations import (
    access_history_entries,
    delegations_of_resident,
    grant_delegation,
    list_roles,
    not_found,
    revoke_delegation,
)
from tenohira.supporters.models import Role

__all__ = [
    "Actor",
    "DecisionIn",
    "PrepareIn",
    "ReplyIn",
    "Role",
    "RoleIn",
    "access_history_entries",
    "audience",
    "close",
    "decide",
    "delegation_view",
    "delegations_of_resident",
    "grant_delegation",
    "list_roles",
    "my_residents",
    "not_found",
    "open_counter_help",
    "prepare",
    "queue",
    "record_counter_unlock",
    "register",
    "reply",
    "resident_applications",
    "review",
    "review_case",
    "revoke_delegation",
    "role_view",
    "take",
]
