"""Normalisation of Chinese phone numbers to E.164 (``+86…``) so callers can be compared
(docs/architecture.md §6)."""

from __future__ import annotations

import re

from ticketing.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Landline: area code 010 / 02x or 0 + 3 digits (0571, …) then a 7- or 8-digit subscriber number.
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d{2})\d{7,8}")


def normalise_phone(raw: str) -> str:
    """Return ``raw`` as ``+86`` + national number, or raise :class:`InvalidInput`.

    Accepts mobiles (``138 0013 8000``), landlines with area code (``0571-8765 4321``) and the
    ``+86`` / ``0086`` / ``86`` prefixes. Local numbers without an area code are refused: a number
    that cannot be called back is worth nothing to the 12345 centre (R-ID).
    """
    text = _SEPARATORS.sub("", raw or "")
    international = text.startswith(("+86", "0086", "86"))  # no national number starts with 8
    if international:
        text = text.removeprefix("+").removeprefix("00")[2:]
    if not text.isdigit():
        raise InvalidInput(f"malformed phone number {raw!r}", field="phone")
    if _MOBILE.fullmatch(text):
        return "+86" + text
    if international and not text.startswith("0"):
        text = "0" + text  # +86 10 1234 5678 drops the trunk 0 of the area code, as our own output does
    if _LANDLINE.fullmatch(text):
        return "+86" + text[1:]
    raise InvalidInput(
        f"malformed phone number {raw!r}: expected a mobile (11 digits) or a landline with area code",
        field="phone",
    )


def mask_phone(phone: str) -> str:
    """Hide the middle of a normalised number, keeping what a person needs to recognise it."""
    if len(phone) <= 7:
        return "*" * len(phone)
    head = 6 if len(phone) > 10 else 3  # "+86138" of "+8613800138000"
    return phone[:head] + "*" * (len(phone) - head - 4) + phone[-4:]
