"""CUSIP and ISIN check digits against published identifiers."""

from __future__ import annotations

import pytest

from pricing.identifiers import cusip_check_digit, isin_from_cusip, validate_cusip, validate_isin


@pytest.mark.parametrize(
    ("cusip", "isin"),
    [
        ("91282CJZ5", "US91282CJZ59"),  # the 10-year note of February 2024
        ("037833100", "US0378331005"),  # Apple Inc. common stock
        ("912810UP1", "US912810UP11"),
    ],
)
def test_isin_from_cusip(cusip: str, isin: str) -> None:
    assert isin_from_cusip(cusip) == isin
    assert validate_isin(isin) == isin


def test_known_non_us_isins_validate() -> None:
    for isin in ("DE0001102580", "GB0002634946", "FR0000131104"):
        assert validate_isin(isin) == isin


def test_cusip_check_digit() -> None:
    assert cusip_check_digit("91282CJZ") == "5"
    assert validate_cusip("912828YK0") == "912828YK0"


@pytest.mark.parametrize("isin", ["US91282CJZ58", "US91282CJZ5", "DE0001102581"])
def test_bad_isin_is_rejected_with_the_expected_digit(isin: str) -> None:
    with pytest.raises(ValueError, match="ISIN"):
        validate_isin(isin)


def test_us_isin_with_bad_embedded_cusip_is_rejected() -> None:
    body = "US91282CJZ4"  # CUSIP check digit wrong; ISIN digit recomputed so only the CUSIP is wrong
    from pricing.identifiers import isin_check_digit

    with pytest.raises(ValueError, match="CUSIP"):
        validate_isin(body + isin_check_digit(body))


def test_isin_prefix_must_be_an_iso_3166_country() -> None:
    from pricing.identifiers import isin_check_digit

    body = "ZZ91282CJZ5"  # a valid check digit does not make ZZ a country
    with pytest.raises(ValueError, match="prefix 'ZZ' is not an ISO 3166 country code"):
        validate_isin(body + isin_check_digit(body))


@pytest.mark.parametrize("body", ["XS203456789", "EU000A1G0DC", "JP110051JC3", "CH022492405"])
def test_international_and_other_country_prefixes_are_accepted(body: str) -> None:
    from pricing.identifiers import isin_check_digit

    isin = body + isin_check_digit(body)
    assert validate_isin(isin) == isin
