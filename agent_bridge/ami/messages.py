"""AMI messages as plain data, and the quirks of reading them. Pure: no sockets, no clocks.

The wire is ``Key: value`` lines ending in ``\\r\\n``, a blank line ending each message (the greeting
``Asterisk Call Manager/x.y`` is a single line without one). The framing and the header parsing are
panoramisk's (:meth:`panoramisk.message.Message.from_line`, used by its protocol); this module turns what
it yields into an :class:`AmiMessage` and evens out what it leaves uneven:

- A header that appears once is a string, one that appears several times a **list** — so a single
  ``ChanVariable: HOTLINE_DRAFT_ID=…`` would not be a list and ``Message.getdict`` raises on it.
  :meth:`AmiMessage.values` always gives a list; :meth:`AmiMessage.variables` parses ``NAME=value``
  entries of ``ChanVariable`` (or ``DestChanVariable``, the second snapshot of two-channel events).
- Keys are compared case-insensitively (Asterisk is not consistent: ``Uniqueid``, ``UniqueID``).
- Asterisk writes ``<unknown>`` for absent caller ids and names: :meth:`AmiMessage.text` says ``""``.
- ``HoldTime``/``TalkTime``/``RingTime`` are documented as timestamps but carry durations in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from panoramisk.message import Message

EOL = "\r\n"
UNKNOWN = "<unknown>"
Value = str | tuple[str, ...]


@dataclass(frozen=True)
class AmiMessage:
    """One AMI event or response; ``fields`` are keyed by lower-case header name."""

    fields: Mapping[str, Value] = field(default_factory=dict)

    @classmethod
    def of(cls, headers: Mapping[str, object] | Iterable[tuple[str, object]]) -> AmiMessage:
        """From headers (a panoramisk :class:`~panoramisk.message.Message`, a dict or pairs)."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        fields: dict[str, Value] = {}
        for key, value in pairs:
            name = str(key).lower()
            new = tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)
            old = fields.get(name)
            if old is None:
                fields[name] = new if len(new) > 1 else new[0]
            else:
                joined = (old if isinstance(old, tuple) else (old,)) + new
                fields[name] = joined
        return cls(fields)

    @property
    def event(self) -> str | None:
        """The event name (``AgentConnect``…), or ``None`` for a response."""
        value = self.fields.get("event")
        return value if isinstance(value, str) else None

    @property
    def response(self) -> str | None:
        """The response status (``Success``, ``Error``, ``Follows``…), or ``None`` for an event."""
        value = self.fields.get("response")
        return value if isinstance(value, str) else None

    @property
    def action_id(self) -> str | None:
        """The ``ActionID`` it answers (responses, and the events of a list response)."""
        value = self.fields.get("actionid")
        return value if isinstance(value, str) and value else None

    def get(self, key: str, default: str = "") -> str:
        """The header's value (the first one when repeated)."""
        value = self.fields.get(key.lower())
        if value is None:
            return default
        return value if isinstance(value, str) else (value[0] if value else default)

    def text(self, key: str) -> str:
        """Like :meth:`get`, with Asterisk's ``<unknown>`` placeholder read as empty."""
        value = self.get(key)
        return "" if value == UNKNOWN else value

    def number(self, key: str, default: float = 0.0) -> float:
        """A numeric header (durations, positions, timestamps); ``default`` when absent or not a number."""
        try:
            return float(self.get(key))
        except ValueError:
            return default

    def integer(self, key: str, default: int = 0) -> int:
        """An integer header; ``default`` when absent or not an integer."""
        try:
            return int(self.get(key))
        except ValueError:
            return default

    def flag(self, key: str) -> bool:
        """A boolean header (``1``/``0``, ``true``/``false``, ``yes``/``no``)."""
        return self.get(key).strip().lower() in ("1", "true", "yes", "on")

    def values(self, key: str) -> list[str]:
        """Every value of a header that may be repeated (always a list)."""
        value = self.fields.get(key.lower())
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)

    def variables(self, key: str = "ChanVariable") -> dict[str, str]:
        """``NAME=value`` entries of ``ChanVariable`` (or ``DestChanVariable``), one or many."""
        result: dict[str, str] = {}
        for entry in self.values(key):
            name, sep, value = entry.partition("=")
            if sep:
                result[name.strip().lstrip("_")] = value
        return result


def split_frames(buffer: str) -> tuple[list[str], str]:
    """Complete message blocks in ``buffer`` and what remains of it (an incomplete message)."""
    blocks = buffer.split(EOL + EOL)
    rest = blocks.pop()
    return [b for b in (block.strip() for block in blocks) if b], rest


def parse_block(block: str) -> AmiMessage | None:
    """One message block → an :class:`AmiMessage`; ``None`` for what is neither event nor response."""
    message = Message.from_line(block)
    if message is None:
        return None
    return AmiMessage.of(dict(message.items()))


def parse_transcript(text: str) -> Iterator[AmiMessage]:
    """Every message of a recorded AMI stream (the greeting line is skipped)."""
    normalised = text.replace("\r\n", "\n").replace("\n", EOL)
    if normalised.startswith("Asterisk Call Manager/"):
        _greeting, _, normalised = normalised.partition(EOL)
    blocks, rest = split_frames(normalised + EOL + EOL)
    assert not rest.strip()
    for block in blocks:
        message = parse_block(block)
        if message is not None:
            yield message
