"""NGSI-LD operations on the platform database (no HTTP here, and no commit: the caller's unit of work).

Each write returns what changed so that the caller can send subscription notifications after its
transaction commits. One module per family of operations (split from one 1,084-line file, issue 14):

- :mod:`.common` — stored rows, changes, the dialect and the type column;
- :mod:`.entities` — one entity and its attributes;
- :mod:`.batch` — batch operations;
- :mod:`.queries` — entity queries and discovery;
- :mod:`.subscriptions` — stored subscriptions;
- :mod:`.contexts` — @contexts hosted by the broker.
"""

from __future__ import annotations

from tenohira.citydata.service.batch import (
    BatchResult,
    batch_create,
    batch_delete,
    batch_merge,
    batch_update,
    batch_upsert,
)
from tenohira.citydata.service.common import (
    DEFAULT_LIMIT,
    LOCATION_IRI,
    MAX_LIMIT,
    MULTI_TYPE,
    NULL_IRI,
    Change,
    StoredEntity,
    UpdateResult,
    dialect_of,
    type_column,
)
from tenohira.citydata.service.contexts import (
    add_hosted_context,
    delete_hosted_context,
    get_hosted_context,
    hosted_context_rows,
    hosted_contexts,
    list_hosted_contexts,
)
from tenohira.citydata.service.entities import (
    append_attributes,
    create_entity,
    delete_attribute,
    delete_entity,
    load_entity,
    merge_entity,
    partial_attribute_update,
    replace_attribute,
    replace_entity,
    update_attributes,
)
from tenohira.citydata.service.queries import (
    Discovery,
    EntityQuery,
    QueryPlan,
    discovery,
    entities_by_id,
    parse_type_selection,
    plan_query,
    query_entities,
)
from tenohira.citydata.service.subscriptions import (
    create_subscription,
    delete_subscription,
    list_subscriptions,
    load_subscription,
    save_subscription,
)

__all__ = [
    "DEFAULT_LIMIT",
    "LOCATION_IRI",
    "MAX_LIMIT",
    "MULTI_TYPE",
    "NULL_IRI",
    "BatchResult",
    "Change",
    "Discovery",
    "EntityQuery",
    "QueryPlan",
    "StoredEntity",
    "UpdateResult",
    "add_hosted_context",
    "append_attributes",
    "batch_create",
    "batch_delete",
    "batch_merge",
    "batch_update",
    "batch_upsert",
    "create_entity",
    "create_subscription",
    "delete_attribute",
    "delete_entity",
    "delete_hosted_context",
    "delete_subscription",
    "dialect_of",
    "discovery",
    "entities_by_id",
    "get_hosted_context",
    "hosted_context_rows",
    "hosted_contexts",
    "list_hosted_contexts",
    "list_subscriptions",
    "load_entity",
    "load_subscription",
    "merge_entity",
    "parse_type_selection",
    "partial_attribute_update",
    "plan_query",
    "query_entities",
    "replace_attribute",
    "replace_entity",
    "save_subscription",
    "type_column",
    "update_attributes",
]
