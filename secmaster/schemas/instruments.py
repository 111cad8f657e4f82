"""Instrument schema families (Create, Update, Read) for bonds, IBOR swaps and OIS.

Create models carry the fields of the book JSON of docs/architecture.md §5 and check every business rule;
cross-field rules are field validators on the later field, so that a violation names that field.
Update models are partial: the route merges them into the stored terms and validates the result with
the Create model, so the same rules apply to every write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pricing import rules
from pricing.conventions import CURVES, INDICES
from secmaster.schemas.common import (
    INPUT_CONFIG,
    BookName,
    CouponPct,
    Currency,
    CurveName,
    Cusip,
    DayCount,
    Frequency,
    IndexName,
    InstrumentId,
    Isin,
    Notional,
    Quantity,
    SpreadBp,
    SwapRatePct,
    check_dates,
)

__all__ = [
    "BondCreate",
    "BondRead",
    "BondUpdate",
    "InstrumentCreate",
    "InstrumentRead",
    "InstrumentType",
    "InstrumentUpdate",
    "OisCreate",
    "OisRead",
    "OisUpdate",
    "Side",
    "SwapCreate",
    "SwapLikeCreate",
    "SwapRead",
    "SwapUpdate",
]

#: The values of ``pricing.rules.INSTRUMENT_TYPES`` and ``pricing.rules.SIDES`` (a test keeps them equal;
#: mypy needs the literals spelled out).
InstrumentType = Literal["bond", "swap", "ois"]
Side = Literal["pay_fixed", "receive_fixed"]


def _curve_in_currency(curve: str, info: ValidationInfo) -> str:
    currency = info.data.get("currency")
    if currency is not None and CURVES[curve].currency != currency:
        raise ValueError(
            f"curve {curve} is a {CURVES[curve].currency} curve; the instrument is in {currency}"
        )
    return curve


def _index_for(info: ValidationInfo, overnight: bool) -> str | None:
    index = info.data.get("float_index")
    if index is None or INDICES[index].overnight != overnight:
        return None
    return str(index)


class _Placement(BaseModel):
    """Optionally place the new instrument in an existing book (a position of ``quantity`` units)."""

    book: BookName | None = Field(None, description="Existing book to hold a position in")
    quantity: Quantity = 1.0


class BondCreate(_Placement):
    model_config = INPUT_CONFIG

    type: Literal["bond"] = "bond"
    id: InstrumentId | None = Field(None, description="Default: 'BOND-' + ISIN")
    isin: Isin
    cusip: Cusip | None = None
    currency: Currency
    face: Notional
    coupon_pct: CouponPct
    frequency: Frequency
    day_count: DayCount
    issue_date: date
    maturity_date: date
    discount_curve: CurveName
    derived: bool = Field(
        False, description="Terms set by a documented rule, not taken from an official record"
    )

    @field_validator("cusip")
    @classmethod
    def _cusip_in_isin(cls, cusip: str | None, info: ValidationInfo) -> str | None:
        isin = info.data.get("isin")
        if cusip is not None and isin is not None:
            return rules.check_cusip_in_isin(cusip, isin)
        return cusip

    @field_validator("frequency")
    @classmethod
    def _zero_coupon_once(cls, frequency: str, info: ValidationInfo) -> str:
        coupon = info.data.get("coupon_pct")
        return frequency if coupon is None else rules.check_zero_coupon(coupon, frequency)

    @field_validator("maturity_date")
    @classmethod
    def _maturity_after_issue(cls, maturity: date, info: ValidationInfo) -> date:
        return check_dates(info.data.get("issue_date"), maturity, "issue_date")

    @field_validator("discount_curve")
    @classmethod
    def _discount_currency(cls, curve: str, info: ValidationInfo) -> str:
        return _curve_in_currency(curve, info)


class _SwapCommon(_Placement):
    model_config = INPUT_CONFIG

    currency: Currency
    notional: Notional
    side: Side
    fixed_rate_pct: SwapRatePct
    start_date: date
    maturity_date: date
    fixed_frequency: Frequency
    fixed_day_count: DayCount
    float_index: IndexName

    @field_validator("maturity_date")
    @classmethod
    def _maturity_after_start(cls, maturity: date, info: ValidationInfo) -> date:
        return check_dates(info.data.get("start_date"), maturity, "start_date")

    @field_validator("fixed_frequency")
    @classmethod
    def _periodic(cls, frequency: str) -> str:
        if frequency == "once":
            raise ValueError("a swap's fixed leg pays periodically; 'once' is only for zero-coupon bonds")
        return frequency

    @field_validator("float_index")
    @classmethod
    def _index_currency(cls, index: str, info: ValidationInfo) -> str:
        currency = info.data.get("currency")
        if currency is not None and INDICES[index].currency != currency:
            raise ValueError(f"index {index} fixes in {INDICES[index].currency}; the swap is in {currency}")
        return index


class SwapCreate(_SwapCommon):
    """A fixed-for-IBOR swap (EUR 6M IRS): forecast on the index curve, discounted on the OIS curve."""

    type: Literal["swap"] = "swap"
    id: InstrumentId | None = Field(None, description="Default: 'IRS-' + a random suffix")
    float_spread_bp: SpreadBp = 0.0
    discount_curve: CurveName
    forecast_curve: CurveName

    @field_validator("float_index")
    @classmethod
    def _term_index(cls, index: str) -> str:
        if INDICES[index].overnight:
            raise ValueError(f"{index} is an overnight index; book an OIS (type 'ois') instead")
        return index

    @field_validator("discount_curve")
    @classmethod
    def _discount_currency(cls, curve: str, info: ValidationInfo) -> str:
        return _curve_in_currency(curve, info)

    @field_validator("forecast_curve")
    @classmethod
    def _forecasts_index(cls, curve: str, info: ValidationInfo) -> str:
        index = _index_for(info, overnight=False)
        if index is not None and INDICES[index].forecast_curve != curve:
            raise ValueError(f"curve {curve} does not forecast {index}; use {INDICES[index].forecast_curve}")
        return curve


class OisCreate(_SwapCommon):
    """A fixed-for-overnight swap (SOFR, €STR), discounted and forecast on the index's own curve."""

    type: Literal["ois"] = "ois"
    id: InstrumentId | None = Field(None, description="Default: 'OIS-' + a random suffix")
    discount_curve: CurveName

    @field_validator("float_index")
    @classmethod
    def _overnight_index(cls, index: str) -> str:
        if not INDICES[index].overnight:
            raise ValueError(f"{index} is a term index; book an IBOR swap (type 'swap') instead")
        return index

    @field_validator("discount_curve")
    @classmethod
    def _own_curve(cls, curve: str, info: ValidationInfo) -> str:
        index = _index_for(info, overnight=True)
        if index is not None and INDICES[index].forecast_curve != curve:
            raise ValueError(
                f"an OIS on {index} is discounted on {INDICES[index].forecast_curve}, not {curve}"
            )
        return curve


SwapLikeCreate = Annotated[SwapCreate | OisCreate, Field(discriminator="type")]
InstrumentCreate = Annotated[BondCreate | SwapCreate | OisCreate, Field(discriminator="type")]


class BondUpdate(BaseModel):
    model_config = INPUT_CONFIG

    isin: Isin | None = None
    cusip: Cusip | None = None
    face: Notional | None = None
    coupon_pct: CouponPct | None = None
    frequency: Frequency | None = None
    day_count: DayCount | None = None
    issue_date: date | None = None
    maturity_date: date | None = None
    discount_curve: CurveName | None = None


class _SwapCommonUpdate(BaseModel):
    model_config = INPUT_CONFIG

    notional: Notional | None = None
    side: Side | None = None
    fixed_rate_pct: SwapRatePct | None = None
    start_date: date | None = None
    maturity_date: date | None = None
    fixed_frequency: Frequency | None = None
    fixed_day_count: DayCount | None = None
    float_index: IndexName | None = None
    discount_curve: CurveName | None = None


class SwapUpdate(_SwapCommonUpdate):
    float_spread_bp: SpreadBp | None = None
    forecast_curve: CurveName | None = None


class OisUpdate(_SwapCommonUpdate):
    pass


#: The currency and type of an instrument never change (they decide its curves and its table).
InstrumentUpdate = BondUpdate | SwapUpdate | OisUpdate


class _ReadBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    currency: str
    maturity_date: date
    created_at: datetime
    updated_at: datetime


class BondRead(_ReadBase):
    type: Literal["bond"]
    isin: str
    cusip: str | None
    face: float
    coupon_pct: float
    derived: bool
    frequency: str
    day_count: str
    issue_date: date
    discount_curve: str


class _SwapReadBase(_ReadBase):
    notional: float
    side: Side
    fixed_rate_pct: float
    start_date: date
    fixed_frequency: str
    fixed_day_count: str
    float_index: str
    discount_curve: str


class SwapRead(_SwapReadBase):
    type: Literal["swap"]
    float_spread_bp: float
    forecast_curve: str


class OisRead(_SwapReadBase):
    type: Literal["ois"]


InstrumentRead = Annotated[BondRead | SwapRead | OisRead, Field(discriminator="type")]
