"""Fixtures of the batch job tests: a database of their own (``risk_test_batch``, built by the Alembic
migrations and dropped at the end) holding a small two-book portfolio and an empty book, and a Ray runtime
shared with the other integration fixtures of this process (started here only if none runs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from batch_support import BATCH_DATABASE, EMPTY_BOOK
from scratch_databases import scratch_database

from core.config import PROJECT_ROOT, Settings
from pricing.identifiers import cusip_check_digit, isin_from_cusip
from secmaster.bulk import import_instruments
from secmaster.db import SessionFactory, make_engine, make_session_factory, transaction
from secmaster.repository.books import create_book
from secmaster.schemas.books import BookCreate


def _isin(body: str) -> str:
    return isin_from_cusip(body + cusip_check_digit(body))


def sample_positions() -> list[dict[str, Any]]:
    """Bonds in book GOVT (one matured by mid-2026: a counted failure), USD and EUR swaps in book SWAPS."""
    bond = {
        "type": "bond", "currency": "USD", "face": 1_000_000, "frequency": "semiannual",
        "day_count": "ACT/ACT-ICMA", "discount_curve": "USD-UST", "book": "GOVT",
    }  # fmt: skip
    swap = {"currency": "EUR", "fixed_frequency": "annual", "book": "SWAPS"}
    return [
        {**bond, "id": "B-10Y", "isin": _isin("BT000001"), "coupon_pct": 4.0, "issue_date": "2024-02-15",
         "maturity_date": "2034-02-15", "quantity": 5},
        {**bond, "id": "B-30Y", "isin": _isin("BT000002"), "coupon_pct": 4.125, "issue_date": "2023-08-15",
         "maturity_date": "2053-08-15", "quantity": -2},
        {**bond, "id": "B-MATURED", "isin": _isin("BT000003"), "coupon_pct": 4.625,
         "issue_date": "2024-02-29", "maturity_date": "2026-02-28"},
        {**swap, "id": "IRS-EUR", "type": "swap", "notional": 10_000_000, "side": "pay_fixed",
         "fixed_rate_pct": 3.1, "start_date": "2023-06-20", "maturity_date": "2033-06-20",
         "fixed_day_count": "30/360", "float_index": "EURIBOR6M", "float_spread_bp": 0,
         "discount_curve": "EUR-ESTR", "forecast_curve": "EUR-EURIBOR-6M"},
        {**swap, "id": "OIS-ESTR", "type": "ois", "notional": 20_000_000, "side": "receive_fixed",
         "fixed_rate_pct": 2.4, "start_date": "2025-03-19", "maturity_date": "2030-03-19",
         "fixed_day_count": "ACT/360", "float_index": "ESTR", "discount_curve": "EUR-ESTR"},
        {**swap, "id": "OIS-SOFR", "type": "ois", "currency": "USD", "notional": 5_000_000,
         "side": "receive_fixed", "fixed_rate_pct": 3.8, "start_date": "2026-03-02",
         "maturity_date": "2031-03-02", "fixed_day_count": "ACT/360", "float_index": "SOFR",
         "discount_curve": "USD-SOFR"},
    ]  # fmt: skip


@pytest.fixture(scope="session")
def batch_database_url(settings: Settings) -> Iterator[str]:
    with scratch_database(settings, BATCH_DATABASE) as url:
        engine = make_engine(url, pool_size=1)
        with transaction(make_session_factory(engine)) as session:
            for name in ("GOVT", "SWAPS", EMPTY_BOOK):
                create_book(session, BookCreate(name=name))
            import_instruments(session, sample_positions())
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def batch_sessions(batch_database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(batch_database_url, pool_size=1)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def batch_ray() -> Iterator[None]:
    """A Ray runtime in this process (2 CPUs, no dashboard), shared if another fixture started one."""
    import ray

    started = not ray.is_initialized()
    if started:
        env = {"PYTHONPATH": str(PROJECT_ROOT)}
        ray.init(address="local", num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    yield
    if started:
        ray.shutdown()
