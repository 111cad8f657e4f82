"""``riskctl price`` with typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cluster.cli import app

SAMPLES = Path(__file__).resolve().parents[3] / "pricing" / "samples"
BOOK, MARKET = str(SAMPLES / "book.json"), str(SAMPLES / "market_2024-03-15.json")
runner = CliRunner()


def test_price_json() -> None:
    result = runner.invoke(app, ["price", "--book", BOOK, "--market", MARKET])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["as_of"] == "2024-03-15" and output["engine"] == "fast"
    assert len(output["instruments"]) == 8 and all(i["ok"] for i in output["instruments"])
    assert output["n_scenarios"] == 3 + 2 * len(output["pillars"])


def test_price_table_and_quantlib_engine() -> None:
    result = runner.invoke(
        app, ["price", "--book", BOOK, "--market", MARKET, "--engine", "quantlib", "--format", "table"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "UST-91282CJZ5" in result.stdout
        and "TOTAL in USD" in result.stdout
        and "8 priced, 0 failed" in result.stdout
    )


def test_price_ore_csv(tmp_path: Path) -> None:
    target = tmp_path / "sensitivity.csv"
    result = runner.invoke(
        app, ["price", "--book", BOOK, "--market", MARKET, "--format", "ore-csv", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert (
        lines[0] == "#TradeId,IsPar,Factor_1,ShiftSize_1,Factor_2,ShiftSize_2,Currency,Base NPV,Delta,Gamma"
    )
    assert any(line.startswith("IRS-1,true,IndexCurve/EUR-EURIBOR-6M/") for line in lines)
    assert any(
        line.startswith("UST-91282CJZ5,true,YieldCurve/USD-UST/10/10Y,") for line in lines
    )  # 11th UST pillar


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["price", "--book", str(tmp_path / "none.json"), "--market", MARKET])
    assert result.exit_code != 0 and "does not exist" in result.output and "Traceback" not in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = runner.invoke(app, ["price", "--book", BOOK, "--market", str(broken)])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def test_bad_market_is_a_clean_error(tmp_path: Path) -> None:
    market = json.loads(Path(MARKET).read_text())
    market["curves"][0]["quotes"][0]["rate_pct"] = "abc"
    path = tmp_path / "market.json"
    path.write_text(json.dumps(market))
    result = runner.invoke(app, ["price", "--book", BOOK, "--market", str(path)])
    assert result.exit_code == 1 and "curve USD-UST quote bill/1M" in result.output


def test_price_interpolation_option() -> None:
    pvs = {}
    for interpolation in ("linear_zero", "loglinear_discount"):
        result = runner.invoke(
            app, ["price", "--book", BOOK, "--market", MARKET, "--interpolation", interpolation]
        )
        assert result.exit_code == 0, result.output
        output = json.loads(result.stdout)
        assert output["interpolation"] == interpolation
        pvs[interpolation] = {item["id"]: item["pv"] for item in output["instruments"]}
    default = json.loads(runner.invoke(app, ["price", "--book", BOOK, "--market", MARKET]).stdout)
    assert {item["id"]: item["pv"] for item in default["instruments"]} == pvs["linear_zero"]
    assert pvs["linear_zero"]["UST-30Y-2053"] != pvs["loglinear_discount"]["UST-30Y-2053"]
    refused = runner.invoke(app, ["price", "--book", BOOK, "--market", MARKET, "--interpolation", "cubic"])
    assert refused.exit_code == 2 and "linear_zero" in refused.output
