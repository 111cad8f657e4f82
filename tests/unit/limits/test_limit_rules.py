"""Limit levels and edge-triggered transitions (core.limits), and the limit schemas' 422 rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.limits import BookRisk, Limit, check_limits, transitions
from secmaster.schemas.limits import LimitIn, LimitSet


def _risk(
    dv01: float = 0.0, gamma: float = 0.0, pnl: float = 0.0, kr01: dict[str, float] | None = None
) -> BookRisk:
    return BookRisk(dv01, gamma, pnl, kr01 or {})


def test_levels_follow_utilisation_of_the_absolute_value() -> None:
    limits = [Limit("GOVT", "dv01", 1000.0, 80.0)]
    assert [c.level for c in check_limits("GOVT", _risk(dv01=-500.0), limits)] == ["ok"]
    assert [c.level for c in check_limits("GOVT", _risk(dv01=-850.0), limits)] == ["warning"]
    (check,) = check_limits("GOVT", _risk(dv01=-1200.0), limits)
    assert (check.level, check.value, check.utilisation) == ("breach", 1200.0, pytest.approx(1.2))
    assert check_limits("OTHER", _risk(dv01=5000.0), limits) == []


def test_no_warning_level_means_only_breach() -> None:
    limits = [Limit("GOVT", "gamma", 10.0)]
    assert [c.level for c in check_limits("GOVT", _risk(gamma=9.99), limits)] == ["ok"]
    assert [c.level for c in check_limits("GOVT", _risk(gamma=10.0), limits)] == ["breach"]


def test_stop_loss_counts_only_losses() -> None:
    limits = [Limit("ALL", "pnl_stop_loss", 100.0, 50.0)]
    assert check_limits("ALL", _risk(pnl=+500.0), limits)[0].value == 0.0
    assert check_limits("ALL", _risk(pnl=-60.0), limits)[0].level == "warning"
    assert check_limits("ALL", _risk(pnl=-100.0), limits)[0].level == "breach"


def test_curve_wide_kr01_limit_gives_one_key_per_pillar_and_a_pillar_limit_overrides_it() -> None:
    kr01 = {"USD-UST/2Y": 50.0, "USD-UST/10Y": -300.0, "USD-SOFR/5Y": 999.0}
    limits = [
        Limit("GOVT", "kr01", 100.0, None, "USD-UST"),
        Limit("GOVT", "kr01", 500.0, None, "USD-UST", "10Y"),
    ]
    checks = {c.key: c for c in check_limits("GOVT", _risk(kr01=kr01), limits)}
    assert set(checks) == {"kr01:USD-UST/2Y", "kr01:USD-UST/10Y"}
    assert checks["kr01:USD-UST/10Y"].limit == 500.0
    assert checks["kr01:USD-UST/10Y"].level == "ok"
    assert checks["kr01:USD-UST/2Y"].level == "ok"
    assert [c.key for c in check_limits("GOVT", _risk(kr01=kr01), limits[:1])] == [
        "kr01:USD-UST/2Y",
        "kr01:USD-UST/10Y",
    ]
    wide_only = {c.key: c for c in check_limits("GOVT", _risk(kr01=kr01), limits[:1])}
    assert wide_only["kr01:USD-UST/10Y"].level == "breach"


def test_transitions_are_edges_not_levels() -> None:
    limits = [Limit("GOVT", "dv01", 1000.0, 80.0)]
    levels: dict[tuple[str, str], str] = {}
    kinds = []
    for dv01 in (100.0, 900.0, 1100.0, 1200.0, 1300.0, 950.0, 100.0, 50.0, 2000.0):
        events = transitions(levels, check_limits("GOVT", _risk(dv01=dv01), limits))  # type: ignore[arg-type]
        for event in events:
            levels[(event.check.book, event.check.key)] = event.check.level
        kinds.append([e.kind for e in events])
    assert kinds == [[], ["warning"], ["breach"], [], [], ["warning"], ["clear"], [], ["breach"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measure": "dv01", "limit": -1}, "limit"),
        ({"measure": "dv01", "limit": 1, "warning_pct": 120}, "warning_pct"),
        ({"measure": "vega", "limit": 1}, "measure"),
        ({"measure": "kr01", "limit": 1}, "curve"),
        ({"measure": "kr01", "limit": 1, "curve": "USD-XXX"}, "curve"),
        ({"measure": "kr01", "limit": 1, "curve": "USD-UST", "tenor": "10 years"}, "tenor"),
        ({"measure": "dv01", "limit": 1, "curve": "USD-UST"}, "curve"),
    ],
)
def test_bad_limits_name_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        LimitIn.model_validate(body)
    assert field in str(info.value)


def test_a_limit_set_refuses_two_limits_on_one_measure() -> None:
    with pytest.raises(ValidationError, match="second dv01"):
        LimitSet.model_validate(
            {"limits": [{"measure": "dv01", "limit": 1}, {"measure": "dv01", "limit": 2}]}
        )
