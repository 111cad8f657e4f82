"""Users' quote CSVs as spreadsheets save them (issue 19, part 5): BOM and CRLF, ``;`` separators with
decimal commas, all-empty rows, and quotes written as decimals instead of percent, refused with their
line and reason and never replayed. Inputs: ``tests/cases/operations``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster.cli import app
from market_replay import UserCsvError, load_user_csv
from market_replay.user_csv import parse_user_csv

CASES = Path(__file__).resolve().parents[2] / "cases" / "operations"
EXCEL = CASES / "a-excel-utf8-bom-crlf.csv"
DECIMALS = CASES / "f-decimal-not-percent.csv"
UST_CURVE = {
    "bill/1M": 5.52, "bill/3M": 5.48, "bill/6M": 5.38, "bill/1Y": 5.05, "par_bond/2Y": 4.72,
    "par_bond/5Y": 4.33, "par_bond/10Y": 4.31, "par_bond/30Y": 4.43,
}  # fmt: skip


def _csv(day: str, curve: str, quotes: dict[str, float], separator: str = ",") -> list[str]:
    rows = [separator.join(("date", "curve", "instrument", "tenor", "rate_pct"))]
    for key, rate in quotes.items():
        instrument, tenor = key.split("/")
        cell = f"{rate:g}".replace(".", ",") if separator == ";" else f"{rate:g}"
        rows.append(separator.join((day, curve, instrument, tenor, cell)))
    return [row + "\r\n" for row in rows]


def test_excel_file_with_bom_and_crlf_reads_like_the_plain_file() -> None:
    source, issues = load_user_csv(EXCEL)
    assert issues == ()
    plain_lines = EXCEL.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").splitlines(keepends=True)
    plain, _ = parse_user_csv(plain_lines)
    day = date(2024, 3, 14)
    assert source.day_quotes("USD", day).curves == plain.day_quotes("USD", day).curves
    assert source.day_quotes("USD", day).curves["USD-UST"]["bill/1M"] == 5.52


def test_a_bom_read_without_utf8_sig_is_still_not_part_of_the_header() -> None:
    lines = EXCEL.read_bytes().decode("utf-8").splitlines(keepends=True)
    assert lines[0].startswith("\ufeff")
    _source, issues = parse_user_csv(lines)
    assert issues == ()


def test_semicolon_file_with_decimal_commas_and_empty_rows() -> None:
    lines = [*_csv("2024-03-14", "USD-UST", UST_CURVE, ";"), ";;;;\r\n", "\r\n"]
    assert "5,52" in lines[1]
    source, issues = parse_user_csv(lines)
    assert issues == ()
    assert source.day_quotes("USD", date(2024, 3, 14)).curves["USD-UST"] == UST_CURVE


def test_quotes_written_as_decimals_are_refused_with_line_and_reason_and_not_replayed() -> None:
    with pytest.raises(UserCsvError) as excinfo:
        load_user_csv(DECIMALS)
    message = str(excinfo.value)
    assert "no usable quote row (54 bad rows" in message
    assert "line 2: rate_pct 0.0552 is implausible for USD-UST bill/1M on 2024-03-14" in message
    assert "rates are in percent" in message


def test_cli_replay_refuses_the_decimal_file_before_sending_anything() -> None:
    result = CliRunner().invoke(app, ["replay", "--csv", str(DECIMALS), "--speed", "max", "--max-ticks", "1"])
    assert result.exit_code == 1
    assert "implausible" in result.output and "line 2" in result.output


def test_a_lone_decimal_among_percent_values_is_refused_and_the_rest_kept() -> None:
    quotes = UST_CURVE | {"par_bond/10Y": 0.0431}
    source, issues = parse_user_csv(_csv("2024-03-14", "USD-UST", quotes))
    assert [issue.line for issue in issues] == [8]
    assert "0.0431 is implausible for USD-UST par_bond/10Y" in issues[0].reason
    stored = source.day_quotes("USD", date(2024, 3, 14)).curves["USD-UST"]
    assert "par_bond/10Y" not in stored and stored["bill/1M"] == 5.52


def test_a_lone_decimal_on_a_day_without_history_is_judged_by_the_other_quotes() -> None:
    user_curve = UST_CURVE | {"par_bond/5Y": 0.0433}
    _source, issues = parse_user_csv(_csv("2024-03-14", "USD-MYCURVE", user_curve))
    assert len(issues) == 1 and issues[0].line == 7
    assert "its other quotes are near" in issues[0].reason


def test_a_whole_curve_of_decimals_before_the_history_is_refused() -> None:
    decimals = {key: rate / 100 for key, rate in UST_CURVE.items()}
    with pytest.raises(UserCsvError, match=r"every quote of the curve up to 30Y is between 0 and 0\.25"):
        parse_user_csv(_csv("2017-03-14", "USD-UST", decimals))


def test_real_low_rates_are_kept() -> None:
    # 2021-06-01: bills near 0.02 %, the long end above 1 %; EUR curves below zero: all plausible
    low_usd = {
        "bill/1M": 0.01,
        "bill/6M": 0.04,
        "par_bond/2Y": 0.14,
        "par_bond/10Y": 1.6,
        "par_bond/30Y": 2.28,
    }
    _source, issues = parse_user_csv(_csv("2021-06-01", "USD-UST", low_usd))
    assert issues == ()
    negative_eur = {"ois/1W": -0.57, "ois/1Y": -0.55, "ois/5Y": -0.4, "ois/10Y": -0.1, "ois/30Y": 0.05}
    _source, issues = parse_user_csv(_csv("2021-09-01", "EUR-ESTR", negative_eur))
    assert issues == ()
