"""Calculator routes: the Treasury yield <-> price calculator (31 CFR 356, Appendix B; see
:mod:`pricing.calculator`) on terms in the body, and on a bond of the security master."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pricing.calculator import calculate_bill, calculate_bond, calculate_instrument
from pricing.errors import CalculatorError
from secmaster import repository
from secmaster.api.context import Ctx
from secmaster.api.instruments import InstrumentIdPath
from secmaster.models import Bond
from secmaster.repository.terms import instrument_terms

__all__ = ["router"]

router = APIRouter(tags=["calculator"])


class BondCalculation(BaseModel):
    """A Treasury note or bond: give ``yield_pct`` for its price, or ``clean_price`` for its yield."""

    model_config = ConfigDict(extra="forbid")

    coupon_pct: float = Field(description="Annual coupon in percent, e.g. 3.375", examples=[3.375])
    dated_date: date = Field(description="Interest accrues from this date", examples=["2009-11-15"])
    maturity_date: date = Field(examples=["2019-11-15"])
    settle_date: date = Field(description="Settlement (issue) date", examples=["2010-01-15"])
    yield_pct: float | None = Field(None, description="Yield in percent (semiannual)", examples=[3.754])
    clean_price: float | None = Field(None, description="Clean price per 100 of par")
    first_coupon_date: date | None = Field(
        None, description="For a long first coupon (default: the first coupon date after the dated date)"
    )


class BondResult(BaseModel):
    clean_price: float
    accrued: float
    dirty_price: float
    yield_pct: float


class BillCalculation(BaseModel):
    """A Treasury bill: give ``discount_rate_pct`` or ``investment_rate_pct``."""

    model_config = ConfigDict(extra="forbid")

    maturity_date: date = Field(examples=["2020-03-12"])
    settle_date: date = Field(description="Settlement (issue) date", examples=["2019-12-12"])
    discount_rate_pct: float | None = Field(None, description="Discount rate in percent", examples=[1.53])
    investment_rate_pct: float | None = Field(None, description="Investment rate (bond-equivalent yield)")


class BillResult(BaseModel):
    price: float
    discount_rate_pct: float
    investment_rate_pct: float


class InstrumentCalculation(BondResult):
    id: str
    settle_date: date
    modified_duration: float
    macaulay_duration: float
    convexity: float


def _unprocessable(error: CalculatorError, where: str) -> JSONResponse:
    detail = [{"loc": [where, error.field], "msg": error.reason, "type": "calculator"}]
    return JSONResponse(status_code=422, content={"detail": detail})


@router.post("/api/v1/calculator/bond", response_model=BondResult)
def bond(body: BondCalculation) -> Any:
    """Clean price, accrued and dirty price per 100 at ``yield_pct``, or the yield at ``clean_price``."""
    try:
        return calculate_bond(body.model_dump())
    except CalculatorError as error:
        return _unprocessable(error, "body")


@router.post("/api/v1/calculator/bill", response_model=BillResult)
def bill(body: BillCalculation) -> Any:
    """Price per 100, discount rate and investment rate of a bill from either rate."""
    try:
        return calculate_bill(body.model_dump())
    except CalculatorError as error:
        return _unprocessable(error, "body")


_Settle = Annotated[date, Query(alias="settle", description="Settlement date, YYYY-MM-DD")]


def _instrument(context: Ctx, instrument_id: str, row: dict[str, object]) -> Any:
    with context.read() as session:
        instrument = repository.get_instrument(session, instrument_id)
        if not isinstance(instrument, Bond):
            reason = f"instrument {instrument_id!r} is a {instrument.type}; only bonds have a yield"
            return _unprocessable(CalculatorError("instrument_id", reason), "path")
        terms = instrument_terms(instrument)
    try:
        result = calculate_instrument(terms, row)
    except CalculatorError as error:
        field = {"yield_pct": "yield", "settle_date": "settle"}.get(error.field, error.field)
        return _unprocessable(CalculatorError(field, error.reason), "query")
    return {"id": instrument_id, "settle_date": row["settle_date"], **result}


@router.get("/api/v1/instruments/{instrument_id}/price", response_model=InstrumentCalculation)
def instrument_price(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    yield_pct: Annotated[float, Query(alias="yield", description="Yield in percent (street convention)")],
    settle: _Settle,
) -> Any:
    """A bond's clean price, accrued, dirty price, durations and convexity at a yield (404 unknown id)."""
    return _instrument(context, instrument_id, {"yield_pct": yield_pct, "settle_date": settle})


@router.get("/api/v1/instruments/{instrument_id}/yield", response_model=InstrumentCalculation)
def instrument_yield(
    context: Ctx,
    instrument_id: InstrumentIdPath,
    clean_price: Annotated[float, Query(description="Clean price per 100 of face")],
    settle: _Settle,
) -> Any:
    """A bond's yield, accrued, dirty price, durations and convexity at a clean price (404 unknown id)."""
    return _instrument(context, instrument_id, {"clean_price": clean_price, "settle_date": settle})
