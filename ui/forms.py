"""Request bodies of the add-a-bond and add-a-swap forms, and the choices their dropdowns offer.

The choices mirror the engine's conventions for convenience only (``ui`` may not import ``pricing``); the
API validates every field and its 422 names the field and the rule, which the form shows as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CURRENCY_CHOICES",
    "CURVE_CHOICES",
    "DAY_COUNT_CHOICES",
    "FREQUENCY_CHOICES",
    "INDEX_CHOICES",
    "SIDE_CHOICES",
    "bond_payload",
    "swap_payload",
]

CURRENCY_CHOICES = ("USD", "EUR")
CURVE_CHOICES = ("USD-UST", "USD-SOFR", "EUR-ESTR", "EUR-EURIBOR-6M")
INDEX_CHOICES = ("SOFR", "ESTR", "EURIBOR6M")
FREQUENCY_CHOICES = ("annual", "semiannual", "quarterly", "monthly", "once")
DAY_COUNT_CHOICES = ("ACT/360", "ACT/365F", "ACT/ACT-ICMA", "ACT/ACT-ISDA", "30/360", "30E/360")
SIDE_CHOICES = ("pay_fixed", "receive_fixed")


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _optional(payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Add only the fields the user filled in, so the API applies its own defaults to the others."""
    payload.update({name: value for name, value in fields.items() if value is not None})
    return payload


def bond_payload(
    *,
    instrument_id: str | None,
    isin: str | None,
    currency: str,
    face: float | None,
    coupon_pct: float | None,
    frequency: str,
    day_count: str,
    issue_date: str | None,
    maturity_date: str | None,
    discount_curve: str,
    book: str | None,
) -> dict[str, Any]:
    """``POST /api/v1/instruments/bonds`` body; blank optional fields are left out."""
    payload: dict[str, Any] = {"type": "bond", "currency": currency, "frequency": frequency}
    return _optional(
        payload,
        id=_text(instrument_id),
        isin=_text(isin),
        face=face,
        coupon_pct=coupon_pct,
        day_count=day_count,
        issue_date=_text(issue_date),
        maturity_date=_text(maturity_date),
        discount_curve=discount_curve,
        book=_text(book),
    )


def swap_payload(
    *,
    kind: str,
    instrument_id: str | None,
    currency: str,
    notional: float | None,
    side: str,
    fixed_rate_pct: float | None,
    start_date: str | None,
    maturity_date: str | None,
    fixed_frequency: str,
    fixed_day_count: str,
    float_index: str,
    float_spread_bp: float | None,
    discount_curve: str,
    forecast_curve: str | None,
    book: str | None,
) -> dict[str, Any]:
    """``POST /api/v1/instruments/swaps`` body for an IBOR swap (``kind`` swap) or an OIS (``kind`` ois).

    An OIS is forecast on its discount curve and has no spread, so those two fields are only sent for
    an IBOR swap.
    """
    payload: dict[str, Any] = {"type": kind, "currency": currency, "side": side}
    _optional(
        payload,
        id=_text(instrument_id),
        notional=notional,
        fixed_rate_pct=fixed_rate_pct,
        start_date=_text(start_date),
        maturity_date=_text(maturity_date),
        fixed_frequency=fixed_frequency,
        fixed_day_count=fixed_day_count,
        float_index=float_index,
        discount_curve=discount_curve,
        book=_text(book),
    )
    if kind == "swap":
        _optional(payload, float_spread_bp=float_spread_bp, forecast_curve=_text(forecast_curve))
    return payload
