"""The command starts without loading the platform: the kernel imports nothing above it, and
``tenohira --help`` (and each group's ``--help``) loads only what that group needs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from tenohira.cli import SUBCOMMANDS, app
from tenohira.platform import resolve

# What no ``--help`` may load: the assistant's classifier stack and the web application.
ENTRY = {"tenohira", "tenohira.cli", "tenohira.platform"}
HEAVY = ("sklearn", "scipy", "numpy", "janome", "fastapi", "uvicorn")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_the_kernel_loads_nothing_above_it_nor_its_own_parts() -> None:
    loaded = _loaded_after("import tenohira.core")
    assert {m for m in loaded if m.startswith("tenohira")} == {"tenohira", "tenohira.core"}
    assert not _heavy(loaded)
    assert "sqlalchemy" not in loaded  # the lazy face: core.db is loaded when it is used


def test_the_command_loads_no_module_group() -> None:
    loaded = _loaded_after("import tenohira.cli")
    assert {m for m in loaded if m.startswith("tenohira")} == {
        "tenohira",
        "tenohira.cli",
        "tenohira.platform",
    }
    assert not _heavy(loaded)


def test_top_level_help_lists_every_group_and_loads_none() -> None:
    code = (
        "import sys\nfrom tenohira.cli import main\nsys.argv = ['tenohira', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    assert {m for m in loaded if m.startswith("tenohira")} == {
        "tenohira",
        "tenohira.cli",
        "tenohira.platform",
    }
    assert not _heavy(loaded)
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for name, (_, help_text) in SUBCOMMANDS.items():
        assert name in shown.output and help_text.split(" (")[0] in shown.output


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_group_help_is_the_groups_own(name: str) -> None:
    path, help_text = SUBCOMMANDS[name]
    group = resolve(path)
    assert isinstance(group, typer.Typer)
    assert group.info.help == help_text, "the table in tenohira.cli must say what the group says"
    shown = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert f"tenohira {name}" in shown.output
    for command in typer.main.get_group(group).commands:  # a group of one command stays a group
        assert command in shown.output


# What no group's ``--help`` may load either: the database and HTTP-client stacks, templates and
# RDF (each group imports them inside the commands that use them; package faces are lazy).
HELP_HEAVY = (*HEAVY, "sqlalchemy", "aiohttp", "rdflib", "jinja2", "asyncpg", "aiosqlite")


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_groups_help_loads_no_heavy_stack(name: str) -> None:
    # `tenohira assistant --help` took 1.8 s (scikit-learn through the assistant's face), the
    # others 0.4-1.0 s (the database stack); a help is now about the cost of typer itself
    code = (
        f"import sys\nfrom tenohira.cli import main\nsys.argv = ['tenohira', '{name}', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.split(".")[0] in HELP_HEAVY}
