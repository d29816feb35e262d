"""The README tells the truth about the settings and the command: its settings table is the one the
settings object generates, and every ``hotline`` command group is in its table of commands."""

from __future__ import annotations

from pathlib import Path

from hotline.cli import cli
from hotline.cli_settings import settings_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_settings_table_is_generated_from_the_settings_object() -> None:
    assert settings_table() in README, "README settings table is stale: paste `hotline settings table`"


def test_every_setting_has_a_meaning() -> None:
    rows = settings_table().splitlines()[2:]
    assert rows
    assert all(not line.rstrip().endswith("|  |") for line in rows), rows


def test_every_command_group_is_in_the_readme() -> None:
    missing = [name for name in cli.commands if f"`hotline {name}" not in README]
    assert not missing, f"README's command table misses: {missing}"
