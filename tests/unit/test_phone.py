"""Phone numbers: normalisation to +86… (R-ID) and masking for readers without access (R-PRIV)."""

from __future__ import annotations

import pytest

from ticketing.errors import InvalidInput
from ticketing.phone import mask_phone, normalise_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        " 138.0013.8000 ",
        "(138) 0013 8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "0086 138 0013 8000",
        "008613800138000",
        "86 13800138000",
        "8613800138000",
    ],
)
def test_mobile(raw: str) -> None:
    assert normalise_phone(raw) == "+8613800138000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-12345678", "+861012345678"),  # Beijing: 3-digit area code
        ("(010) 1234 5678", "+861012345678"),
        ("021-6123456", "+86216123456"),  # 7-digit subscriber number
        ("0571-87654321", "+8657187654321"),  # Hangzhou: 4-digit area code
        ("0571 8765 4321", "+8657187654321"),
        ("+86 571 8765 4321", "+8657187654321"),  # international form drops the trunk 0
        ("0086-571-87654321", "+8657187654321"),
        ("+86 10 1234 5678", "+861012345678"),
        ("+86 0571 87654321", "+8657187654321"),
    ],
)
def test_landline(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("number", ["+8613800138000", "+861012345678", "+8657187654321", "+86216123456"])
def test_normalised_numbers_stay_as_they_are(number: str) -> None:
    # A stored number (e.g. from the API) can be searched for again.
    assert normalise_phone(number) == number


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",  # too short
        "1380013800",  # mobile with a digit missing
        "138001380001",  # mobile with a digit too many
        "12800138000",  # no mobile starts 12
        "87654321",  # local number without area code: cannot be called back
        "0571-876543",  # subscriber number too short
        "013-80013800",  # no such area code
        "138oo138000",  # letters
        "phone: 13800138000",
        "+1 212 555 1234",  # foreign numbers
        "001 212 555 1234",
        "+44 20 7946 0958",
        "+8613800138000x",
        "861380013800",
    ],
)
def test_rejected(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(raw)
    assert caught.value.details == {"field": "phone"}


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613800138000", "+86138****8000"),
        ("+8657187654321", "+86571****4321"),
        ("+861012345678", "+86101***5678"),
        ("+86216123456", "+86216**3456"),
    ],
)
def test_mask_keeps_prefix_and_last_four(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
    assert len(masked) == len(phone)


@pytest.mark.parametrize("phone", ["+8613800138000", "+8657187654321", "+861012345678", "+86216123456"])
def test_mask_hides_the_middle(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked.endswith(phone[-4:])
    assert masked.startswith("+86")
    middle = masked[6:-4]
    assert middle
    assert set(middle) == {"*"}
    assert phone[6:-4] not in masked


def test_mask_of_short_values_hides_everything() -> None:
    assert mask_phone("1234567") == "*******"
    assert mask_phone("") == ""
