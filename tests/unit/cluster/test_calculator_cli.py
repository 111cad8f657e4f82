"""``riskctl bond price|yield`` and ``riskctl bill price`` with typer's CliRunner (the README's commands)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from cluster.cli import app

runner = CliRunner()
NOTE = ["--coupon", "3.375", "--dated", "2009-11-15", "--maturity", "2019-11-15", "--settle", "2010-01-15"]
DATA = Path(__file__).resolve().parents[2] / "data" / "treasury_auctions"


def test_bond_price_json_is_the_treasurys_auction_price() -> None:
    # 912828LY4 reopened 2010-01-15 at a high yield of 3.754 %: price 96.900805, accrued 0.568715
    result = runner.invoke(app, ["bond", "price", *NOTE, "--yield", "3.754", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "clean_price": 96.900805, "accrued": 0.568715, "dirty_price": 97.46952, "yield_pct": 3.754,
    }  # fmt: skip


def test_bond_price_with_its_first_coupon_date_is_the_same() -> None:
    args = ["bond", "price", *NOTE, "--yield", "3.754", "--first-coupon", "2010-05-15", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and json.loads(result.stdout)["clean_price"] == 96.900805


def test_bond_yield_from_the_clean_price() -> None:
    result = runner.invoke(app, ["bond", "yield", *NOTE, "--clean-price", "96.900805"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert round(answer["yield_pct"], 3) == 3.754 and answer["accrued"] == 0.568715


def test_bill_price_json() -> None:
    args = ["bill", "price", "--maturity", "2020-03-12", "--settle", "2019-12-12", "--discount-rate", "1.53"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["price"] == round(100 * (1 - 0.0153 * 91 / 360), 6)
    assert answer["investment_rate_pct"] == round(
        (100 - answer["price"]) / answer["price"] * 366 / 91 * 100, 6
    )


def test_bad_option_names_the_option() -> None:
    result = runner.invoke(app, ["bond", "price", *NOTE[:-1], "2020-01-15", "--yield", "3.754"])
    assert result.exit_code == 2
    assert "--settle" in result.stderr and "on or after maturity" in result.stderr


def test_bond_csv_of_every_official_auction_in_one_process(tmp_path: Path) -> None:
    with (DATA / "notes_bonds_official_2010_2020.csv").open(newline="") as handle:
        official = list(csv.DictReader(handle))
    rows = tmp_path / "rows.csv"
    with rows.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["coupon_pct", "dated_date", "maturity_date", "settle_date", "yield_pct", "first_coupon_date"]
        )
        for row in official:
            fields = ("interest_rate_pct", "dated_date", "maturity_date", "issue_date", "high_yield_pct")
            writer.writerow([*(row[name] for name in fields), row["first_int_payment_date"]])
    result = runner.invoke(app, ["bond", "price", "--csv", str(rows), "--format", "csv"])
    assert result.exit_code == 0, result.output
    answers = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(answers) == len(official) == 801
    # results in input order; every price as published except the one row with the Treasury's own rounding
    # of accrued interest (912810RN0 2015-09-15, see tests/unit/pricing/test_treasury_calculator.py)
    different = [row["cusip"] for row, answer in zip(official, answers, strict=True)
                 if float(answer["clean_price"]) != float(row["price_per100"])]  # fmt: skip
    assert different == ["912810RN0"]


def test_csv_rows_that_fail_keep_their_place(tmp_path: Path) -> None:
    rows = tmp_path / "bills.csv"
    rows.write_text(
        "maturity_date,settle_date,discount_rate_pct\n"
        "2020-03-12,2019-12-12,1.520\n"
        "2020-03-12,2020-03-12,1.520\n"
        "2020-06-11,2019-12-12,1.535\n"
    )
    result = runner.invoke(app, ["bill", "price", "--csv", str(rows), "--format", "json"])
    assert result.exit_code == 1
    answers = json.loads(result.stdout)
    assert [a["price"] for a in answers] == [99.615778, None, round(100 * (1 - 0.01535 * 182 / 360), 6)]
    assert answers[1]["error"].startswith("settle_date:")
    assert "1 of 3 rows failed: line 3: settle_date" in result.stderr


def test_csv_with_a_wrong_header_is_refused(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "coupon,dated_date,maturity_date,settle_date,yield_pct\n3.375,2009-11-15,2019-11-15,2010-01-15,3\n"
    )
    result = runner.invoke(app, ["bond", "price", "--csv", str(rows)])
    assert result.exit_code == 2
    assert "missing column(s) coupon_pct" in result.stderr and "unknown column(s) coupon" in result.stderr
