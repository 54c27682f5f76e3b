"""Municipality: resident registry, notifications intake, domain events."""
