"""Health insurer: insured persons, dependants, childbirth lump sum."""
