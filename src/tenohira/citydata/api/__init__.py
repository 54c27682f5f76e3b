"""HTTP API of citydata: NGSI-LD (ETSI GS CIM 009 V1.9.1) under /ngsi-ld/v1/.

The router parses requests itself (media types, Link header, options) rather than
through pydantic models, because NGSI-LD prescribes its own error types for every
malformed input; errors are rendered as NGSI-LD ProblemDetails by ``NgsiRoute``.

One router, its sections in modules: ``common`` (route class, router, request helpers and the
missing-id answers, registered first since every section imports it), ``entities``, ``batch``,
``subscriptions``, ``discovery`` and ``contexts``. Sections serve disjoint paths, so the order
in which they are imported does not change which route answers; within a section it is the
order of its file.
"""

from tenohira.citydata.api import batch, contexts, discovery, entities, subscriptions
from tenohira.citydata.api.common import PREFIX, router

__all__ = ["PREFIX", "batch", "contexts", "discovery", "entities", "router", "subscriptions"]
