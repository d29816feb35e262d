"""``hotline settings``: what the settings are (``show``, secrets masked) and what they mean (``table``, the
Markdown table of the README, generated from the settings object itself)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import click
from pydantic import SecretStr

from hotline.settings import Settings

ENV_PREFIX = "HOTLINE_"


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, SecretStr):
        return "(set)" if value.get_secret_value() else "—"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings_table() -> str:
    """Every setting as a Markdown table: variable, default (dev), meaning."""
    lines = ["| variable | default (dev) | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "dev marker" if name == "secret_key" else _plain(default)
        meaning = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{ENV_PREFIX}{name.upper()}` | `{shown}` | {meaning} |")
    return "\n".join(lines) + "\n"


@click.group("settings")
def settings_group() -> None:
    """The settings (HOTLINE_* variables or a KEY=VALUE file)."""


@settings_group.command("table")
def table() -> None:
    """Print every setting with its default and meaning (Markdown)."""
    click.echo(settings_table(), nl=False)


@settings_group.command("show")
@click.pass_obj
def show(obj: dict[str, object]) -> None:
    """Print the settings this process would use (secrets masked)."""
    settings = obj["settings"]
    assert isinstance(settings, Settings)
    for name in Settings.model_fields:
        click.echo(f"{ENV_PREFIX}{name.upper()}={_plain(getattr(settings, name))}")
