"""The batch jobs value with the interpolation of the settings (``RISK_INTERPOLATION``)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cluster.batch.tasks import value_day
from core.config import PROJECT_ROOT, get_settings

BOOK = json.loads((PROJECT_ROOT / "pricing" / "samples" / "book.json").read_text())["instruments"]
BONDS = [entry for entry in BOOK if entry["type"] == "bond"]


def test_value_day_follows_the_interpolation_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    pv = {}
    for interpolation in ("linear_zero", "loglinear_discount"):
        monkeypatch.setenv("RISK_INTERPOLATION", interpolation)
        get_settings.cache_clear()
        try:
            risk = value_day(BONDS, date(2024, 3, 15))
        finally:
            get_settings.cache_clear()
        assert not risk.failures
        pv[interpolation] = risk.books["ALL"].pv
    assert pv["linear_zero"] != pytest.approx(pv["loglinear_discount"], rel=1e-9, abs=0.0)
