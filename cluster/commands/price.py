"""``riskctl price``: value a book against a market snapshot (docs/architecture.md section 5)."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

__all__ = ["format_ore_csv", "format_table", "register"]

#: ORE risk factor key prefix of each of our curves (ORE discounts on OIS curves).
_ORE_FACTORS = {
    "USD-SOFR": "DiscountCurve/USD",
    "EUR-ESTR": "DiscountCurve/EUR",
    "EUR-EURIBOR-6M": "IndexCurve/EUR-EURIBOR-6M",
    "USD-UST": "YieldCurve/USD-UST",
}


class Interpolation(StrEnum):
    """``pricing.conventions.INTERPOLATIONS``, the same names as the API field and ``RISK_INTERPOLATION``."""

    linear_zero = "linear_zero"
    loglinear_discount = "loglinear_discount"


class OutputFormat(StrEnum):
    json = "json"
    table = "table"
    ore_csv = "ore-csv"


def _load(path: Path, what: str) -> Any:
    if not path.is_file():
        typer.echo(f"error: {what} file {path} does not exist", err=True)
        raise typer.Exit(2)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {what} file {path} is not valid JSON: {exc}", err=True)
        raise typer.Exit(2) from None


def format_table(result: dict[str, Any]) -> str:
    """A readable fixed-width table of the instruments and the totals."""
    lines = [
        f"as of {result['as_of']}  engine {result['engine']}  interpolation {result['interpolation']}  "
        f"scenarios {result['n_scenarios']}  "
        f"{result['timing_ms']:.1f} ms",
        f"{'id':<22} {'ccy':<4} {'pv':>16} {'dv01':>12} {'gamma':>10}  status",
    ]
    for item in result["instruments"]:
        if item["ok"]:
            lines.append(
                f"{item['id']!s:<22} {item['currency']!s:<4} {item['pv']:>16,.2f} {item['dv01']:>12,.2f} "
                f"{item['gamma']:>10,.3f}  ok"
            )
        else:
            lines.append(
                f"{item['id']!s:<22} {item['currency']!s:<4} {'':>16} {'':>12} {'':>10}  "
                f"FAILED: {item['error']}"
            )
    totals = result["totals"]
    for currency, risk in sorted(totals["by_currency"].items()):
        lines.append(
            f"{'TOTAL ' + currency:<22} {currency:<4} {risk['pv']:>16,.2f} {risk['dv01']:>12,.2f} "
            f"{risk['gamma']:>10,.3f}"
        )
    if totals["pv"] is not None:
        lines.append(
            f"{'TOTAL in ' + totals['currency']:<22} {totals['currency']:<4} {totals['pv']:>16,.2f} "
            f"{totals['dv01']:>12,.2f} {totals['gamma']:>10,.3f}"
        )
    lines.append(f"{totals['n_ok']} priced, {totals['n_failed']} failed")
    for curve, reason in result.get("curve_failures", {}).items():
        lines.append(f"curve {curve} FAILED (its positions are not priced): {reason}")
    return "\n".join(lines)


def format_ore_csv(result: dict[str, Any]) -> str:
    """ORE ``sensitivity.csv``: one row per trade and par risk factor; Delta = NPV(+1bp) - NPV (here the
    central estimate -kr01), Gamma = NPV(+1bp) + NPV(-1bp) - 2 NPV of that factor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "#TradeId",
            "IsPar",
            "Factor_1",
            "ShiftSize_1",
            "Factor_2",
            "ShiftSize_2",
            "Currency",
            "Base NPV",
            "Delta",
            "Gamma",
        ]
    )
    pillars: list[str] = result["pillars"]
    for item in result["instruments"]:
        if not item["ok"]:
            continue
        for key, kr01 in item["kr01"].items():
            curve, _, tenor = key.rpartition("/")
            bucket = [p.rpartition("/")[0] for p in pillars[: pillars.index(key)]].count(curve)
            factor = f"{_ORE_FACTORS.get(curve, 'YieldCurve/' + curve)}/{bucket}/{tenor}"
            gamma = item.get("kr_gamma", {}).get(key, 0.0)
            writer.writerow(
                [
                    item["id"],
                    "true",
                    factor,
                    0.0001,
                    "",
                    0.0,
                    item["currency"],
                    f"{item['pv']:.6f}",
                    f"{-kr01:.6f}",
                    f"{gamma:.6f}",
                ]
            )
    return buffer.getvalue()


def price(
    book: Path = typer.Option(
        ..., "--book", help='Book JSON: {"instruments": [...]} (docs/architecture.md section 5).'
    ),
    market: Path = typer.Option(..., "--market", help="Market snapshot JSON (docs/architecture.md §5)."),
    engine: str = typer.Option(
        "fast", "--engine", help="fast (numpy on QuantLib curves) or quantlib (reference)."
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.json, "--format", help="json, table or ore-csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
    interpolation: Interpolation = typer.Option(
        Interpolation.linear_zero,
        "--interpolation",
        help="Curve interpolation: linear_zero (linear in zero rates) or loglinear_discount "
        "(log-linear in discount factors).",
    ),
) -> None:
    """Value BOOK on MARKET: pv, dv01, gamma, kr01 per curve pillar, bond analytics, totals.

    Example: riskctl price --book pricing/samples/book.json --market pricing/samples/market_2024-03-15.json
    --format table
    """
    from pricing import ENGINES, PricingError, price_portfolio

    if engine not in ENGINES:
        typer.echo(f"error: --engine must be one of {', '.join(ENGINES)}, not {engine!r}", err=True)
        raise typer.Exit(2)
    book_data, market_data = _load(book, "book"), _load(market, "market")
    try:
        result = price_portfolio(
            book_data,
            market_data,
            engine=engine,
            interpolation=interpolation.value,
            pillar_gamma=output_format is OutputFormat.ore_csv,
        )
    except PricingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if output_format is OutputFormat.json:
        text = json.dumps(result, indent=1)
    elif output_format is OutputFormat.table:
        text = format_table(result)
    else:
        text = format_ore_csv(result)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text if text.endswith("\n") else text + "\n")


def register(app: typer.Typer) -> None:
    app.command("price")(price)
