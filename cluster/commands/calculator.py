"""``riskctl bond price|yield`` and ``riskctl bill price``: the Treasury yield <-> price calculator
(31 CFR Part 356, Appendix B; see :mod:`pricing.calculator`), one row from options or many from a CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

bond_app = typer.Typer(
    help="US Treasury notes and bonds: price from yield, yield from price (31 CFR 356, Appendix B).",
    no_args_is_help=True,
)
bill_app = typer.Typer(
    help="US Treasury bills: price and investment rate from the discount rate (31 CFR 356, Appendix B).",
    no_args_is_help=True,
)

#: field of a row -> the option that sets it on the command line
_OPTIONS = {
    "coupon_pct": "--coupon",
    "dated_date": "--dated",
    "maturity_date": "--maturity",
    "settle_date": "--settle",
    "yield_pct": "--yield",
    "clean_price": "--clean-price",
    "first_coupon_date": "--first-coupon",
    "discount_rate_pct": "--discount-rate",
    "investment_rate_pct": "--investment-rate",
}
_CSV_HELP = "Read many rows from this CSV (header of field names) instead of the options; one result per row."


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _read_csv(path: Path, required: Sequence[str], allowed: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise _fail(f"--csv file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"--csv file {path} is not UTF-8 text: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in allowed]
    if missing or unknown:
        problems = [f"missing column(s) {', '.join(missing)}"] if missing else []
        problems += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise _fail(f"--csv file {path}: {'; '.join(problems)} (columns: {', '.join(allowed)})")
    return [{name.strip(): (value or "") for name, value in row.items() if name} for row in reader]


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text.rstrip("\n"))
    else:
        output.write_text(text if text.endswith("\n") else text + "\n")


def _run(
    calculate: Callable[[Mapping[str, object]], dict[str, float]],
    single: dict[str, object],
    csv_path: Path | None,
    columns: tuple[Sequence[str], Sequence[str]],
    result_fields: Sequence[str],
    output_format: OutputFormat | None,
    output: Path | None,
) -> None:
    from pricing.calculator import calculate_rows
    from pricing.errors import CalculatorError

    if csv_path is None:
        try:
            result = calculate(single)
        except CalculatorError as error:
            raise _fail(f"{_OPTIONS.get(error.field, error.field)}: {error.reason}") from None
        if output_format is OutputFormat.csv:
            _emit(_csv_text(result_fields, [(result, None)]), output)
        else:
            _emit(json.dumps(result, indent=1), output)
        return
    if given := [_OPTIONS[name] for name, value in single.items() if value is not None]:
        raise _fail(f"--csv reads every field from the file; drop {', '.join(given)}")
    rows = _read_csv(csv_path, *columns)
    results = calculate_rows(rows, calculate)
    if output_format is OutputFormat.json:
        records: list[dict[str, Any]] = [
            {**dict.fromkeys(result_fields), **(result or {}), "error": None if error is None else str(error)}
            for result, error in results
        ]
        _emit(json.dumps(records, indent=1), output)
    else:
        _emit(_csv_text(result_fields, results), output)
    failed = [(n, error) for n, (_result, error) in enumerate(results, start=2) if error is not None]
    if failed:
        listed = "; ".join(f"line {n}: {error}" for n, error in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        raise _fail(f"{len(failed)} of {len(results)} rows failed: {listed}{more}", code=1)


def _csv_text(fields: Sequence[str], results: Sequence[tuple[dict[str, float] | None, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*fields, "error"])
    for result, error in results:
        if result is None:
            writer.writerow([*([""] * len(fields)), str(error)])
        else:
            writer.writerow([*(repr(result[name]) for name in fields), ""])
    return buffer.getvalue()


_BOND_COLUMNS = ("coupon_pct", "dated_date", "maturity_date", "settle_date")


def _bond_row(
    coupon: float | None,
    dated: str | None,
    maturity: str | None,
    settle: str | None,
    first_coupon: str | None,
    **rate: float | None,
) -> dict[str, object]:
    return {
        "coupon_pct": coupon,
        "dated_date": dated,
        "maturity_date": maturity,
        "settle_date": settle,
        "first_coupon_date": first_coupon,
        **rate,
    }


_Coupon = typer.Option(None, "--coupon", help="Annual coupon rate in percent, e.g. 3.375.")
_Dated = typer.Option(None, "--dated", help="Dated date (interest accrues from it), YYYY-MM-DD.")
_Maturity = typer.Option(None, "--maturity", help="Maturity date, YYYY-MM-DD.")
_Settle = typer.Option(None, "--settle", help="Settlement (issue) date, YYYY-MM-DD.")
_FirstCoupon = typer.Option(
    None,
    "--first-coupon",
    help="First interest payment date, for a long first coupon (default: the first coupon date after "
    "--dated, a regular or short first coupon).",
)
_Format = typer.Option(None, "--format", help="json (default for one row) or csv (default with --csv).")
_Output = typer.Option(None, "--output", "-o", help="Write here instead of standard output.")


@bond_app.command("price")
def bond_price(
    coupon: float | None = _Coupon,
    dated: str | None = _Dated,
    maturity: str | None = _Maturity,
    settle: str | None = _Settle,
    yield_pct: float | None = typer.Option(
        None, "--yield", help="Yield in percent (semiannual, Appendix B), e.g. 3.754."
    ),
    first_coupon: str | None = _FirstCoupon,
    csv_path: Path | None = typer.Option(
        None,
        "--csv",
        help=_CSV_HELP + " Columns: coupon_pct, dated_date, maturity_date, settle_date, yield_pct, "
        "optional first_coupon_date.",
    ),
    output_format: OutputFormat | None = _Format,
    output: Path | None = _Output,
) -> None:
    """Clean price, accrued interest and dirty price per 100 of par at a yield.

    Example: riskctl bond price --coupon 3.375 --dated 2009-11-15 --maturity 2019-11-15 --settle 2010-01-15
    --yield 3.754 --format json
    """
    from pricing.calculator import BOND_RESULT_FIELDS, calculate_bond

    single = _bond_row(coupon, dated, maturity, settle, first_coupon, yield_pct=yield_pct)
    required = (*_BOND_COLUMNS, "yield_pct")
    columns = (required, (*required, "first_coupon_date"))
    _run(calculate_bond, single, csv_path, columns, BOND_RESULT_FIELDS, output_format, output)


@bond_app.command("yield")
def bond_yield(
    coupon: float | None = _Coupon,
    dated: str | None = _Dated,
    maturity: str | None = _Maturity,
    settle: str | None = _Settle,
    clean_price: float | None = typer.Option(
        None, "--clean-price", help="Clean price per 100 of par, e.g. 96.900805."
    ),
    first_coupon: str | None = _FirstCoupon,
    csv_path: Path | None = typer.Option(
        None,
        "--csv",
        help=_CSV_HELP + " Columns: coupon_pct, dated_date, maturity_date, settle_date, clean_price, "
        "optional first_coupon_date.",
    ),
    output_format: OutputFormat | None = _Format,
    output: Path | None = _Output,
) -> None:
    """The yield (percent, Appendix B) at a clean price per 100, with accrued interest and dirty price.

    Example: riskctl bond yield --coupon 3.375 --dated 2009-11-15 --maturity 2019-11-15 --settle 2010-01-15
    --clean-price 96.900805
    """
    from pricing.calculator import BOND_RESULT_FIELDS, calculate_bond

    single = _bond_row(coupon, dated, maturity, settle, first_coupon, clean_price=clean_price)
    required = (*_BOND_COLUMNS, "clean_price")
    columns = (required, (*required, "first_coupon_date"))
    _run(calculate_bond, single, csv_path, columns, BOND_RESULT_FIELDS, output_format, output)


@bill_app.command("price")
def bill_price(
    maturity: str | None = _Maturity,
    settle: str | None = _Settle,
    discount_rate: float | None = typer.Option(
        None, "--discount-rate", help="Discount rate in percent (360-day basis), e.g. 1.53."
    ),
    investment_rate: float | None = typer.Option(
        None, "--investment-rate", help="Or the investment rate (bond-equivalent yield) in percent."
    ),
    csv_path: Path | None = typer.Option(
        None,
        "--csv",
        help=_CSV_HELP + " Columns: maturity_date, settle_date and discount_rate_pct or investment_rate_pct.",
    ),
    output_format: OutputFormat | None = _Format,
    output: Path | None = _Output,
) -> None:
    """Price per 100 (6 decimals, as the Treasury rounds it), discount rate and investment rate of a bill.

    Example: riskctl bill price --maturity 2020-03-12 --settle 2019-12-12 --discount-rate 1.53 --format json
    """
    from pricing.calculator import BILL_RESULT_FIELDS, calculate_bill

    single: dict[str, object] = {
        "maturity_date": maturity,
        "settle_date": settle,
        "discount_rate_pct": discount_rate,
        "investment_rate_pct": investment_rate,
    }
    required = ("maturity_date", "settle_date")
    columns = (required, (*required, "discount_rate_pct", "investment_rate_pct"))
    _run(calculate_bill, single, csv_path, columns, BILL_RESULT_FIELDS, output_format, output)


def register(app: typer.Typer) -> None:
    app.add_typer(bond_app, name="bond")
    app.add_typer(bill_app, name="bill")
