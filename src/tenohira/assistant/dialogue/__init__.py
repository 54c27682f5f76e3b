"""The dialogue: conversations driven by the catalogue and the rules (see engine.py)."""
