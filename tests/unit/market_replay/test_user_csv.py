"""Users' own quotes: bad rows reported with line number and reason, good rows replayed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from market_replay import UserCsvError, generate_ticks, load_user_csv, market_snapshot
from market_replay.user_csv import parse_user_csv

CSV_TEXT = """date,curve,instrument,tenor,rate_pct
2024-03-14,USD-SOFR,deposit,1D,5.31
2024-03-14,USD-SOFR,ois,1Y,4.95
2024-03-14,USD-SOFR,ois,10Y,3.96
2024-03-15,USD-SOFR,deposit,1D,5.30
2024-03-15,USD-SOFR,ois,1Y,4.90
2024-03-15,USD-SOFR,ois,1Y,4.91
2024-13-01,USD-SOFR,ois,1Y,4.90
2024-03-15,GBP-SONIA,ois,1Y,4.90
2024-03-15,USD-SOFR,future,1Y,4.90
2024-03-15,USD-SOFR,ois,1Q,4.90
2024-03-15,USD-SOFR,ois,2Y,abc
2024-03-15,USD-SOFR,ois,3Y,450
2024-03-16,USD-SOFR,ois,3Y,4.5
2024-03-15,USD-SOFR,ois

2024-03-15,EUR-ESTR,ois,1Y,3.40
"""


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_bad_rows_are_reported_with_line_and_reason_good_rows_kept() -> None:
    source, issues = parse_user_csv(_lines(CSV_TEXT))
    reasons = {issue.line: issue.reason for issue in issues}
    assert sorted(reasons) == [7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert "duplicate of line 6" in reasons[7]
    assert "is not a date" in reasons[8]
    assert "market prefix" in reasons[9]
    assert "instrument 'future'" in reasons[10]
    assert "tenor '1Q'" in reasons[11]
    assert "not a number" in reasons[12]
    assert "outside" in reasons[13]
    assert "Saturday" in reasons[14]
    assert "expected 5 fields" in reasons[15]
    assert str(issues[0]).startswith("line 7: ")
    assert source.coverage("USD") == (date(2024, 3, 14), date(2024, 3, 15))
    assert source.coverage("EUR") == (date(2024, 3, 15), date(2024, 3, 15))


def test_missing_user_quote_is_carried_forward_and_flagged() -> None:
    source, _ = parse_user_csv(_lines(CSV_TEXT))
    quotes = source.day_quotes("USD", date(2024, 3, 15))
    assert quotes.curves["USD-SOFR"] == {"deposit/1D": 5.30, "ois/1Y": 4.90, "ois/10Y": 3.96}
    assert quotes.stale == {"USD-SOFR/ois/10Y"} and "USD-SOFR/ois/10Y" in quotes.derived
    assert "USD-SOFR/ois/1Y" not in quotes.derived


def test_user_quotes_replay_as_ticks_ending_on_the_user_close() -> None:
    source, _ = parse_user_csv(_lines(CSV_TEXT))
    ticks = [
        s.tick for s in generate_ticks(date(2024, 3, 15), date(2024, 3, 15), source=source, ticks_per_day=4)
    ]
    assert [t.market for t in ticks] == ["USD", "EUR"] * 4
    assert ticks[-2].curves == {"USD-SOFR": {"deposit/1D": 5.30, "ois/1Y": 4.90, "ois/10Y": 3.96}}
    assert ticks[-1].curves == {"EUR-ESTR": {"ois/1Y": 3.40}}
    snapshot = market_snapshot(date(2024, 3, 15), markets=["USD"], source=source)
    assert snapshot["curves"][0]["quotes"][0] == {"instrument": "deposit", "tenor": "1D", "rate_pct": 5.30}
    assert max(snapshot["fixings"]["SOFR"]) == "2024-03-14"


def test_a_file_without_header_or_good_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserCsvError, match="header"):
        parse_user_csv(_lines("2024-03-15,USD-SOFR,ois,1Y,4.9\n"))
    with pytest.raises(UserCsvError, match=r"no usable quote row.*line 2"):
        parse_user_csv(_lines("date,curve,instrument,tenor,rate_pct\n2024-03-15,USD-SOFR,ois,1Y,x\n"))
    with pytest.raises(UserCsvError, match="cannot read"):
        load_user_csv(tmp_path / "missing.csv")
    path = tmp_path / "quotes.csv"
    path.write_text(CSV_TEXT)
    source, issues = load_user_csv(path)
    assert source.name == "quotes.csv" and len(issues) == 9
