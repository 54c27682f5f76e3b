"""Hospital: birth records and digital birth certificates (SD-JWT VC)."""
