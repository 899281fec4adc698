"""Docs/cli.md says what is true: every subcommand `gaiamine --help` lists has a section, and
every flag its `--help` shows is documented in that section (or, for the options every job
shares, in "Jobs: one parameter path")."""
from __future__ import annotations

import re

import pytest

from conftest import REPO, run_gaiamine

DOC = (REPO / "Docs" / "cli.md").read_text()


def subcommands() -> list[str]:
    r = run_gaiamine(["--help"])
    assert r.returncode == 0, r.describe()
    text = r.stdout.split("SUBCOMMANDS:")[1]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\s", text, re.M) if m.group(1) != "help"]


def section(name: str) -> str:
    m = re.search(rf"^## `gaiamine {re.escape(name)}\b.*?(?=^## |\Z)", DOC, re.M | re.S)
    assert m, f"Docs/cli.md has no section '## `gaiamine {name} …`'"
    return m.group(0)


COMMON = re.search(r"^## Jobs: one parameter path.*?(?=^## `)", DOC, re.M | re.S).group(0)


def test_every_subcommand_is_documented():
    subs = subcommands()
    assert {"synth", "repack", "inspect", "xp-index", "xp-search", "periodogram", "gw-vsh", "gw-correlation", "select", "aggregate",
            "gw-planewave", "pairs", "crossmatch", "astrometric-solution", "run"} <= set(subs), subs
    for s in subs:
        section(s)


@pytest.mark.parametrize("sub", ["synth", "repack", "inspect", "xp-index", "xp-search", "periodogram", "gw-vsh",
                                 "gw-correlation", "gw-planewave", "select", "aggregate", "pairs",
                                 "crossmatch", "astrometric-solution", "run"])
def test_every_flag_is_documented(sub):
    r = run_gaiamine([sub, "--help"])
    assert r.returncode == 0, r.describe()
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", r.stdout)) - {"--help", "--version"}
    text = section(sub) + COMMON
    missing = sorted(f for f in flags if f not in text)
    assert not missing, f"Docs/cli.md, section {sub}: undocumented flags {missing}"
