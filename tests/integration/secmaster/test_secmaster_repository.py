"""The repository and migrations against PostgreSQL: load_book, constraints, seeding, schema drift."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import TypeAdapter
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core.config import PROJECT_ROOT, Settings
from pricing.identifiers import validate_isin
from secmaster import migrate, repository
from secmaster.db import SessionFactory, transaction
from secmaster.models import Base, Bond
from secmaster.schemas import BondCreate, BookCreate, InstrumentCreate, OisCreate, SwapCreate
from secmaster.seed import SEED_BOOKS, seed

pytestmark = [pytest.mark.postgres]

CREATE: TypeAdapter[BondCreate | SwapCreate | OisCreate] = TypeAdapter(InstrumentCreate)


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()
    assert (
        migrate.current(database_url) == "0004"
    )  # head: 0003 the bonds' derived flag, 0004 limits and alerts


def test_migrations_downgrade_and_upgrade_again(settings: Settings) -> None:
    scratch = "risk_test_secmaster_migrations"
    admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {scratch}"))
    url = make_url(settings.database_url).set(database=scratch).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        migrate.downgrade(url, "base")
        assert migrate.current(url) is None
        engine = create_engine(url)
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["alembic_version"]
        engine.dispose()
        migrate.upgrade(url)
        assert migrate.current(url) == "0004"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        admin.dispose()


def test_database_constraints_mirror_the_rules(sessions: SessionFactory) -> None:
    statements = [
        "INSERT INTO instruments (id, type, currency, start_date, maturity_date) "
        "VALUES ('C1', 'bond', 'USD', '2030-01-01', '2020-01-01')",
        "INSERT INTO instruments (id, type, currency, start_date, maturity_date) "
        "VALUES ('C2', 'bond', 'usd', '2020-01-01', '2030-01-01')",
    ]
    for statement in statements:
        with pytest.raises(IntegrityError, match="ck_instruments"), sessions() as session, session.begin():
            session.execute(text(statement))


def test_load_book_scales_positions(sessions: SessionFactory, payloads: dict[str, Any]) -> None:
    with transaction(sessions) as session:
        repository.create_book(session, BookCreate(name="LOADA"))
        repository.create_book(session, BookCreate(name="LOADB"))
        bond = repository.create_instrument(
            session, CREATE.validate_python(payloads["bond"](book="LOADA", quantity=3))
        )
        swap = repository.create_instrument(session, CREATE.validate_python(payloads["swap"](book="LOADA")))
        repository.set_position(session, "LOADB", swap.id, -2)
    with sessions() as session:
        book_a = repository.load_book(session, "LOADA")
        whole = repository.load_book(session, None)
        only_swap = repository.load_book(session, "ALL", instrument_ids=[swap.id])
    assert {item["id"]: item["book"] for item in book_a} == {bond.id: "LOADA", swap.id: "LOADA"}
    long_bond = next(item for item in book_a if item["id"] == bond.id)
    assert long_bond["face"] == 1_000_000 and long_bond["quantity"] == 3  # the instrument's terms, per unit
    short = next(item for item in whole if item["id"] == f"{swap.id}@LOADB")
    # the instrument's own side and notional; the quantity carries the sign (pricing: exactly minus)
    assert short["side"] == "pay_fixed" and short["notional"] == 10_000_000 and short["quantity"] == -2
    assert f"{swap.id}@LOADA" in {item["id"] for item in whole}
    assert len({item["id"] for item in whole}) == len(whole)
    assert sorted(item["id"] for item in only_swap) == [f"{swap.id}@LOADA", f"{swap.id}@LOADB"]


def test_seeded_treasury_book(sessions: SessionFactory) -> None:
    report = seed(sessions, date(2026, 2, 27), size=40)
    assert report.treasuries > 300 and report.swaps == 40 and report.created == report.treasuries + 40
    assert seed(sessions, date(2026, 2, 27), size=40).created == 0  # idempotent
    with sessions() as session:
        bonds = session.scalars(select(Bond).where(Bond.id.like("UST-%"))).all()
        notes = repository.load_book(session, "UST-NOTES")
        swaps = repository.load_book(session, "EUR-IRS") + repository.load_book(session, "USD-OIS")
        assert set(SEED_BOOKS) <= {book.name for book in repository.list_books(session, _page())[1]}
    assert len(bonds) == report.treasuries and len(swaps) == 40
    for bond in bonds:
        assert bond.cusip is not None and bond.isin == validate_isin(f"US{bond.cusip}{bond.isin[-1]}")
        assert (bond.coupon_pct * 8).is_integer() and bond.coupon_pct >= 0.125
        assert bond.day_count == "ACT/ACT-ICMA" and bond.frequency == "semiannual"
    assert {"US91282CJZ59"} <= {bond.isin for bond in bonds}
    assert all(item["discount_curve"] == "USD-UST" and item["face"] > 0 for item in notes)
    _official_terms_of_20_cusips({bond.cusip: bond for bond in bonds if bond.cusip})


def _official_terms_of_20_cusips(bonds: dict[str, Bond]) -> None:
    """20 CUSIPs of the seeded book carry the coupon and dated date of their official auction record
    (tests/data/treasury_auctions: the Treasury's auction results 2010-2020); only CUSIPs without any
    record (first auctioned before 2005) are derived."""
    path = PROJECT_ROOT / "tests" / "data" / "treasury_auctions" / "notes_bonds_official_2010_2020.csv"
    with path.open(newline="") as handle:
        official = {row["cusip"]: row for row in csv.DictReader(handle) if row["reopening"] == "No"}
    held = sorted(cusip for cusip in official if cusip in bonds)
    sample = held[:: max(len(held) // 20, 1)][:20]
    assert len(sample) == 20
    for cusip in sample:
        bond, record = bonds[cusip], official[cusip]
        assert bond.coupon_pct == float(record["interest_rate_pct"]), cusip
        assert bond.start_date == date.fromisoformat(record["dated_date"]), cusip
        assert bond.derived is False, cusip
    # month-end notes are dated on the month end, before their issue date: the sample holds some
    assert any(official[cusip]["dated_date"] != official[cusip]["issue_date"] for cusip in sample)
    synthetic = [bond for bond in bonds.values() if bond.derived]
    assert synthetic and all(bond.start_date.year < 2005 for bond in synthetic)


def _page() -> Any:
    from secmaster.schemas import PageQuery

    return PageQuery(limit=1000)
