"""One answer with every municipal fact an eligibility check needs: household and resident-tax status.

The palm's push used to ask ``municipality.household`` and ``municipality.resident-tax-status``
one after the other for every life event (two signed exchanges through the hub, each with its
own log and access-history entry). ``municipality.eligibility-facts`` answers both in one
exchange — the same data, under a legal basis that covers both, recorded once in the resident's
access history (as one exchange that reveals third parties' affairs: the household).

The hub's bootstrap publishes the service and grants the palm its right (``tenohira.hub.bootstrap``,
with the legal basis). The palm uses the service when the hub lists it among the palm's services,
and otherwise asks the two separate services (an operator may withdraw the right).
"""

from __future__ import annotations

MEMBER_ID = "municipality"
NAME = "eligibility-facts"
SERVICE_ID = f"{MEMBER_ID}.{NAME}"
PURPOSE = "eligibility-check"
