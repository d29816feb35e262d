"""One prompt of the catalogue: its id (a file name under Asterisk's ``sounds/hotline``), wording and
the spelling the speech synthesiser is given."""

from __future__ import annotations

import re
from dataclasses import dataclass

SOUNDS_SUBDIR = "hotline"
"""Sub-directory of Asterisk's ``sounds`` directory holding the prompts: ``sound:hotline/<id>``."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt: ``id`` (file-name safe), Chinese ``text``, English ``note``, optional TTS spelling."""

    id: str
    text: str
    note: str
    speech: str | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"prompt id {self.id!r} must match {_ID.pattern}")
        if not self.text.strip():
            raise ValueError(f"prompt {self.id!r} has no text")

    @property
    def tts_text(self) -> str:
        """What the synthesiser is given."""
        return self.speech or self.text


def media_uri(prompt_id: str) -> str:
    """The ARI media URI that plays a catalogue prompt, e.g. ``sound:hotline/welcome``."""
    return f"sound:{SOUNDS_SUBDIR}/{prompt_id}"
