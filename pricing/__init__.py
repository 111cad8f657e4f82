"""Pure pricing: conventions, curve building, instruments, risk measures, the fast and QuantLib engines.

Imports only the standard library, QuantLib, numpy and pycountry (ISO 3166 codes). Never logs or prints;
returns results.

- :func:`price_portfolio` (book + market dicts -> docs/architecture.md section 5 output dict)
- :class:`PortfolioEngine` (stateful, for long-lived workers) and :func:`measures_from_pv_matrix`
- specs (contract terms): :class:`BondSpec`, :class:`SwapSpec`, :class:`OisSwapSpec`,
  :func:`spec_from_dict`, :func:`spec_to_dict`, :func:`cashflow_count`
- positions (book, instrument id, signed quantity): :class:`Position`, :func:`position_from_dict`,
  :func:`resolve_book`; a position's risk is its instrument's times its quantity (:func:`scale_rows`)
- conventions in :mod:`pricing.conventions`, the instrument rule set in :mod:`pricing.rules` and
  :mod:`pricing.identifiers`, errors in :mod:`pricing.errors`, generated books in
  :mod:`pricing.book_generator`
"""

from __future__ import annotations

from pricing.engine import ENGINES, PortfolioEngine
from pricing.errors import EngineError, FixingError, MarketDataError, MissingFxRate, PricingError, SpecError
from pricing.market import MarketSnapshot, parse_market
from pricing.measures import InstrumentMeasures, measures_from_pv_matrix, risk_arrays, scale_rows
from pricing.portfolio import price_portfolio
from pricing.positions import Position, ResolvedBook, position_from_dict, resolve_book
from pricing.scenarios import ScenarioSet, build_scenarios
from pricing.specs import BondSpec, OisSwapSpec, SwapSpec, cashflow_count, spec_from_dict, spec_to_dict

__all__ = [
    "ENGINES",
    "BondSpec",
    "EngineError",
    "FixingError",
    "InstrumentMeasures",
    "MarketDataError",
    "MarketSnapshot",
    "MissingFxRate",
    "OisSwapSpec",
    "PortfolioEngine",
    "Position",
    "PricingError",
    "ResolvedBook",
    "ScenarioSet",
    "SpecError",
    "SwapSpec",
    "build_scenarios",
    "cashflow_count",
    "measures_from_pv_matrix",
    "parse_market",
    "position_from_dict",
    "price_portfolio",
    "resolve_book",
    "risk_arrays",
    "scale_rows",
    "spec_from_dict",
    "spec_to_dict",
]
