"""NGSI-LD core @context files (package data, resolved locally, never fetched)."""
