"""Fail-secure storage: per-person data keys, envelope encryption, Shamir key splitting across sites."""
