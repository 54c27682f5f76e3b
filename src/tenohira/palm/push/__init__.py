"""Push: events delivered by the hub become notices of what now applies, and a notification.

- ``POST /api/palm/events`` — the hub's delivery (hub-signed, answered signed), stored once per
  hub event id and published locally as ``palm.hub.<topic>``.
- Subscriber ``palm.push`` on ``palm.hub.birth.registered`` — household facts through the hub,
  ``tenohira.rules.explain``, the catalogue's procedures for the life event → notices
  (unique per event and procedure) and one ``tenohira.notify.send`` (inbox; email if known).
- ``GET /api/notices``, ``GET /api/notices/{id}``, ``POST /api/notices/{id}/dismiss``.
"""

from tenohira.palm.push.service import notices_of, propose

__all__ = ["notices_of", "propose"]
