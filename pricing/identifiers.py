"""Security identifiers: CUSIP and ISIN check digits and the ISIN country prefix.

CUSIP (ANSI X9.6): 8 characters and a modulus-10 "double-add-double" check digit.
ISIN (ISO 6166): a 2-letter country code, a 9-character national number (the CUSIP for US and
Canadian securities) and a check digit: letters become two digits (A=10 ... Z=35), then the Luhn
algorithm runs over the digit string. The prefix is the ISO 3166-1 alpha-2 code of the issuer's country
(from ``pycountry``, the ISO 3166 data of Debian's ``iso-codes``) or one of
:data:`ISIN_INTERNATIONAL_PREFIXES`.
Every validator raises ``ValueError`` saying what is wrong (the pydantic schemas turn it into a 422 on
the field, :mod:`pricing.specs` into a ``SpecError``).
"""

from __future__ import annotations

import re

import pycountry

__all__ = [
    "ISIN_INTERNATIONAL_PREFIXES",
    "cusip_check_digit",
    "isin_check_digit",
    "isin_from_cusip",
    "validate_cusip",
    "validate_isin",
]

_CUSIP_BODY = re.compile(r"^[0-9A-Z*@#]{8}$")
_ISIN_BODY = re.compile(r"^[A-Z]{2}[0-9A-Z]{9}$")
_CUSIP_SPECIALS = {"*": 36, "@": 37, "#": 38}

#: ISIN prefixes that are not countries (ANNA): ``XS`` international securities cleared through
#: Euroclear/Clearstream, ``EU`` securities issued by the European Union.
ISIN_INTERNATIONAL_PREFIXES = frozenset({"XS", "EU"})


def _char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return _CUSIP_SPECIALS[char]


def cusip_check_digit(body: str) -> str:
    """The check digit of an 8-character CUSIP body (``"91282CJZ"`` -> ``"5"``)."""
    if not _CUSIP_BODY.match(body):
        raise ValueError(f"CUSIP body {body!r} must be 8 characters of 0-9, A-Z, *, @, #")
    total = 0
    for position, char in enumerate(body):
        value = _char_value(char)
        if position % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def isin_check_digit(body: str) -> str:
    """The check digit of an 11-character ISIN body (``"US91282CJZ5"`` -> ``"9"``)."""
    if not _ISIN_BODY.match(body):
        raise ValueError(f"ISIN body {body!r} must be a 2-letter country code and 9 characters of 0-9, A-Z")
    digits = "".join(str(_char_value(char)) for char in body)
    total = 0
    # Luhn: double every second digit counting from the right, starting with the rightmost.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def validate_cusip(cusip: str) -> str:
    """Return the CUSIP if its format and check digit are right; else raise ``ValueError`` saying why."""
    if len(cusip) != 9:
        raise ValueError(f"CUSIP {cusip!r} must have 9 characters, got {len(cusip)}")
    expected = cusip_check_digit(cusip[:8])
    if cusip[8] != expected:
        raise ValueError(
            f"CUSIP {cusip!r} has check digit {cusip[8]!r}; the check digit of {cusip[:8]} is {expected}"
        )
    return cusip


def validate_isin(isin: str) -> str:
    """Return the ISIN if its format and check digit are right; else raise ``ValueError`` saying why."""
    if len(isin) != 12:
        raise ValueError(f"ISIN {isin!r} must have 12 characters, got {len(isin)}")
    prefix = isin[:2]
    if prefix not in ISIN_INTERNATIONAL_PREFIXES and pycountry.countries.get(alpha_2=prefix) is None:
        raise ValueError(
            f"ISIN {isin!r}: prefix {prefix!r} is not an ISO 3166 country code (nor XS/EU for international "
            f"issues)"
        )
    expected = isin_check_digit(isin[:11])
    if isin[11] != expected:
        raise ValueError(
            f"ISIN {isin!r} has check digit {isin[11]!r}; the check digit of {isin[:11]} is {expected}"
        )
    if isin[:2] in {"US", "CA"}:
        validate_cusip(isin[2:11])
    return isin


def isin_from_cusip(cusip: str, country: str = "US") -> str:
    """The ISIN of a US (or Canadian) security: country + CUSIP + ISIN check digit."""
    validate_cusip(cusip)
    body = country + cusip
    return body + isin_check_digit(body)
