"""Shapes of the vault's API."""

from __future__ import annotations

from pydantic import BaseModel


class SiteState(BaseModel):
    """One storage site."""

    name: str
    present: bool
    shares: list[str] = []
    data_keys: dict[str, int] = {}
    shredded: int = 0


class SecretState(BaseModel):
    """One split secret (a KEK version or the blind-index key); the fingerprint is public."""

    name: str
    purpose: str
    version: int
    state: str
    fingerprint: str


class RotationState(BaseModel):
    """Progress of the latest rotation."""

    id: int
    from_version: int
    to_version: int
    state: str
    total: int
    done: int


class VaultStatus(BaseModel):
    """The vault's state: ok (all sites), degraded (at least the threshold), down."""

    state: str
    threshold: int
    healthy_sites: int
    active_kek: int | None
    sites: list[SiteState]
    secrets: list[SecretState]
    rotation: RotationState | None
