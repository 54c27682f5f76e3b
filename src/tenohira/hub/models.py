"""Tables of the hub: members, services, access rights, subjects and agency codes, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

__all__ = [
    "AccessHistoryEntry",
    "AccessRight",
    "AgencyCode",
    "Base",
    "CardLink",
    "EventDelivery",
    "EventPublisher",
    "EventSubscription",
    "HubEvent",
    "Member",
    "Nonce",
    "Service",
    "Subject",
]

TZ = sa.DateTime(timezone=True)


class Member(Base):
    """An agency system (or the palm) that may take part in exchanges."""

    __tablename__ = "hub_members"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    base_url: Mapped[str | None] = mapped_column(sa.String(500))
    # active | suspended | revoked; anything but active is refused at the gate
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # full-digest: body digests go to the exchange log; metadata-only: they do not
    log_mode: Mapped[str] = mapped_column(sa.String(16), default="full-digest")
    # privileges outside exchanges: register-subjects, link-cards, resolve-cards, read-history
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    certificate_serial: Mapped[str] = mapped_column(sa.String(64))
    certificate_not_after: Mapped[datetime] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class Service(Base):
    """A service a member provides: where it answers and under which law it may be asked."""

    __tablename__ = "hub_services"

    id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)  # "<provider>.<name>"
    provider_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_members.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    openapi: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    # answers would tell the subject about someone else's private affairs (e.g. a household)
    reveals_third_party: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZ)


class AccessRight(Base):
    """Client member × service × purpose, with the legal basis; absent = refused."""

    __tablename__ = "hub_access_rights"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "service_id", "purpose", name="uq_hub_access_rights_grant"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_members.id"), index=True)
    service_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_services.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(64))
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    reveals_third_party: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    granted_at: Mapped[datetime] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)


class Subject(Base):
    """A person as the hub knows them: only a random id, never a name or number."""

    __tablename__ = "hub_subjects"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    registered_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(TZ)


class AgencyCode(Base):
    """The code by which one member knows one subject (random, unlinkable without the hub)."""

    __tablename__ = "hub_agency_codes"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "subject_id", name="uq_hub_agency_codes_member_subject"),
    )

    member_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_members.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_subjects.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZ)


class CardLink(Base):
    """A card's authentication certificate serial, linked to the subject at issue time."""

    __tablename__ = "hub_card_links"

    card_serial: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_subjects.id"), index=True)
    linked_by: Mapped[str] = mapped_column(sa.String(64))
    linked_at: Mapped[datetime] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)


class Nonce(Base):
    """A signature nonce seen recently (replay protection shared by every hub instance)."""

    __tablename__ = "hub_nonces"

    member_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(TZ, index=True)


class AccessHistoryEntry(Base):
    """One exchange about a person, as the person may see it through the palm."""

    __tablename__ = "hub_access_history"
    __table_args__ = (sa.Index("ix_hub_access_history_subject_at", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    exchange_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    subject_id: Mapped[str] = mapped_column(sa.String(32))
    at: Mapped[datetime] = mapped_column(TZ, index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    provider_id: Mapped[str] = mapped_column(sa.String(64))
    service_id: Mapped[str] = mapped_column(sa.String(128))
    purpose: Mapped[str] = mapped_column(sa.String(64))
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    outcome: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[int] = mapped_column(sa.Integer)
    third_party: Mapped[bool] = mapped_column(sa.Boolean, default=False)


# --- events across the hub ------------------------------------------------------------------


class EventPublisher(Base):
    """A member allowed to publish a topic (e.g. the municipality: birth.registered), and why."""

    __tablename__ = "hub_event_publishers"

    member_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_members.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(TZ)


class EventSubscription(Base):
    """Member × topic: where the hub delivers events of that topic (a path on the member's base URL)."""

    __tablename__ = "hub_event_subscriptions"

    member_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_members.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(300))
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(TZ)


class HubEvent(Base):
    """An event a member published through the hub; (publisher, its event id) is accepted once."""

    __tablename__ = "hub_events"
    __table_args__ = (
        sa.UniqueConstraint("publisher_id", "publisher_event_id", name="uq_hub_events_publisher_event"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # the hub's own event id
    publisher_id: Mapped[str] = mapped_column(sa.String(64))
    publisher_event_id: Mapped[str] = mapped_column(sa.String(64))
    topic: Mapped[str] = mapped_column(sa.String(128))
    subject_id: Mapped[str | None] = mapped_column(sa.String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    occurred_at: Mapped[datetime | None] = mapped_column(TZ)
    received_at: Mapped[datetime] = mapped_column(TZ)


class EventDelivery(Base):
    """One event to one subscriber: pending until the subscriber's signed answer says it is stored."""

    __tablename__ = "hub_event_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "member_id", name="uq_hub_event_deliveries_event_member"),
        sa.Index("ix_hub_event_deliveries_pending", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # also the access-history exchange id
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("hub_events.id"))
    member_id: Mapped[str] = mapped_column(sa.String(64))
    subject_code: Mapped[str | None] = mapped_column(sa.String(64))  # the subscriber's own code
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(TZ)
    delivered_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
