"""The composition root lists every part the kernel must not know of."""

from pathlib import Path

import tenohira
from tenohira.platform import MODELS


def test_every_models_file_is_listed_for_the_migrations() -> None:
    root = Path(tenohira.__file__).parent
    found = {
        ".".join(("tenohira", *p.relative_to(root).with_suffix("").parts))
        for p in root.rglob("*.py")
        if (p.stem == "models" or p.stem.endswith("_models")) and "__tablename__" in p.read_text("utf-8")
    }
    # the witness keeps its tables in its own database, with its own metadata (tenohira witness init)
    found -= {"tenohira.audit.witness.models"}
    assert found <= set(MODELS), f"not listed in tenohira.platform.MODELS: {sorted(found - set(MODELS))}"
    for name in MODELS:  # and nothing listed that is not there
        assert (root.parent / (name.replace(".", "/") + ".py")).is_file(), name
