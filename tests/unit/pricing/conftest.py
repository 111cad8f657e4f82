"""Pricing fixtures: the shipped sample snapshot and book, and a generated seasoned book."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pricing.book_generator import generate_book

SAMPLES = Path(__file__).resolve().parents[3] / "pricing" / "samples"
AS_OF = date(2024, 3, 15)


@pytest.fixture(scope="session")
def sample_market_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "market_2024-03-15.json").read_text())
    return data


@pytest.fixture
def market(sample_market_data: dict[str, Any]) -> dict[str, Any]:
    """A fresh deep copy per test, free to mutate."""
    return copy.deepcopy(sample_market_data)


@pytest.fixture(scope="session")
def sample_book() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "book.json").read_text())
    return data


@pytest.fixture(scope="session")
def book_500() -> list[dict[str, Any]]:
    return generate_book(500, AS_OF, seed=7)
