"""Typed records of the Redis layout (``core/keys.py``): one ``to_hash`` for the writer, one ``from_hash``
for every reader, so the layout is code, not prose.

A hash stores strings: numbers as ``repr(float)`` (exact round trip), flags as ``0``/``1``, maps and lists
as JSON. ``from_hash`` raises ``RecordError`` naming the key and field when a hash does not hold the record
(a missing required field, a value of the wrong kind); optional fields have defaults. ``to_json`` is the
typed form the HTTP API returns (numbers, booleans, objects; never JSON inside strings).
``engine:status`` is :class:`core.status_record.EngineStatusRecord`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "MEASURES",
    "BookSummaryRecord",
    "ByTypeRecord",
    "CurveQuotesRecord",
    "HistoryPointRecord",
    "InstrumentRiskRecord",
    "Kr01LadderRecord",
    "RecordError",
]

#: The measures of ``risk:{book}:by_type`` (USD): ``TYPE:MEASURE`` -> value.
MEASURES = ("pv", "dv01", "gamma")


class RecordError(ValueError):
    """A Redis hash that does not hold the record it should: ``record`` names the record (its key
    pattern, ``risk:{book}:summary``), ``problem`` the field and what is wrong with it."""

    def __init__(self, record: str, problem: str) -> None:
        super().__init__(f"{record}: {problem}")
        self.record = record
        self.problem = problem


def _num(value: float) -> str:
    return repr(float(value))


def _field(record: str, raw: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = raw.get(name, default)
    if value is None:
        raise RecordError(record, f"field {name!r} missing")
    return value


def _float(record: str, raw: Mapping[str, str], name: str, default: str | None = None) -> float:
    text = _field(record, raw, name, default)
    try:
        return float(text)
    except ValueError:
        raise RecordError(record, f"field {name!r} is not a number: {text!r}") from None


def _int(record: str, raw: Mapping[str, str], name: str, default: str | None = None) -> int:
    try:
        return int(_field(record, raw, name, default))  # exact beyond 2**53 (a seq)
    except ValueError:
        value = _float(record, raw, name, default)
    if not value.is_integer():
        raise RecordError(record, f"field {name!r} is not a whole number: {value!r}")
    return int(value)


def _flag(record: str, raw: Mapping[str, str], name: str, default: str | None = None) -> bool:
    text = _field(record, raw, name, default)
    if text not in ("0", "1"):
        raise RecordError(record, f"field {name!r} must be 0 or 1, got {text!r}")
    return text == "1"


def _json(record: str, raw: Mapping[str, str], name: str, default: str) -> Any:
    text = _field(record, raw, name, default)
    try:
        return json.loads(text)
    except ValueError:
        raise RecordError(record, f"field {name!r} is not JSON") from None


@dataclass(frozen=True)
class InstrumentRiskRecord:
    """``risk:instr:{id}``: one position's latest risk in its instrument's currency, or why it failed."""

    id: str
    book: str
    type: str
    currency: str
    ok: bool
    error: str
    pv: float
    dv01: float
    gamma: float
    kr01: Mapping[str, float]
    seq: int
    market_time: str
    cashflows: tuple[Mapping[str, float | str], ...] | None = None  # written when new or rebuilt

    def to_hash(self) -> dict[str, str]:
        out = {
            "id": self.id,
            "book": self.book,
            "type": self.type,
            "currency": self.currency,
            "ok": "1" if self.ok else "0",
            "error": self.error,
            "pv": _num(self.pv),
            "dv01": _num(self.dv01),
            "gamma": _num(self.gamma),
            "kr01": json.dumps(dict(self.kr01)),
            "seq": str(self.seq),
            "market_time": self.market_time,
        }
        if self.cashflows is not None:
            out["cashflows"] = json.dumps(list(self.cashflows))
        return out

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> InstrumentRiskRecord:
        name = f"risk:instr:{raw.get('id', '?')}"
        kr01 = _json(name, raw, "kr01", "{}")
        flows = _json(name, raw, "cashflows", "null")
        if not isinstance(kr01, dict) or (flows is not None and not isinstance(flows, list)):
            raise RecordError(name, "kr01 must be a JSON object and cashflows a JSON list")
        return cls(
            id=_field(name, raw, "id"),
            book=_field(name, raw, "book"),
            type=_field(name, raw, "type"),
            currency=_field(name, raw, "currency"),
            ok=_flag(name, raw, "ok"),
            error=_field(name, raw, "error", ""),
            pv=_float(name, raw, "pv"),
            dv01=_float(name, raw, "dv01"),
            gamma=_float(name, raw, "gamma"),
            kr01={str(k): float(v) for k, v in kr01.items()},
            seq=_int(name, raw, "seq"),
            market_time=_field(name, raw, "market_time", ""),
            cashflows=None if flows is None else tuple(flows),
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["kr01"] = dict(self.kr01)
        out["cashflows"] = None if self.cashflows is None else [dict(f) for f in self.cashflows]
        return out


@dataclass(frozen=True)
class BookSummaryRecord:
    """``risk:{book}:summary``: a book's totals (USD) on the latest written tick."""

    pv: float
    dv01: float
    gamma: float
    pnl_open: float
    pnl_predicted: float
    pnl_residual: float
    n_ok: int
    n_failed: int
    n_pending: int
    seq: int
    market: str
    market_time: str
    as_of: str
    computed_at: float  # Unix seconds
    latency_ms: float
    stale: bool
    stale_reason: str = ""
    pv_by_currency: Mapping[str, float] = field(default_factory=dict)  # ``pv_USD``... in that currency

    _NUMBERS = (
        "pv",
        "dv01",
        "gamma",
        "pnl_open",
        "pnl_predicted",
        "pnl_residual",
        "computed_at",
        "latency_ms",
    )
    _COUNTS = ("n_ok", "n_failed", "n_pending", "seq")

    def to_hash(self) -> dict[str, str]:
        out = {name: _num(getattr(self, name)) for name in self._NUMBERS}
        out.update({name: str(getattr(self, name)) for name in self._COUNTS})
        out.update(
            market=self.market,
            market_time=self.market_time,
            as_of=self.as_of,
            stale="1" if self.stale else "0",
            stale_reason=self.stale_reason,
        )
        out.update({f"pv_{ccy}": _num(v) for ccy, v in self.pv_by_currency.items()})
        return out

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> BookSummaryRecord:
        name = "risk:{book}:summary"
        known = {f.name for f in fields(cls)}
        return cls(
            **{n: _float(name, raw, n) for n in cls._NUMBERS},  # type: ignore[arg-type]
            **{n: _int(name, raw, n) for n in cls._COUNTS},
            market=_field(name, raw, "market", ""),
            market_time=_field(name, raw, "market_time"),
            as_of=_field(name, raw, "as_of"),
            stale=_flag(name, raw, "stale", "0"),
            stale_reason=_field(name, raw, "stale_reason", ""),
            pv_by_currency={
                k[3:]: _float(name, raw, k) for k in raw if k.startswith("pv_") and k not in known
            },
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["pv_by_currency"] = dict(self.pv_by_currency)
        return out


def _number_map(
    record: str, raw: Mapping[str, str], check: Callable[[str], bool], grammar: str
) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in raw:
        if not check(key):
            raise RecordError(record, f"field {key!r} is not of the form {grammar}")
        out[key] = _float(record, raw, key)
    return out


def _is_risk_factor(key: str) -> bool:
    curve, sep, tenor = key.rpartition("/")
    return bool(sep and curve and tenor)


def _is_type_measure(key: str) -> bool:
    kind, sep, measure = key.rpartition(":")
    return bool(sep and kind) and measure in MEASURES


@dataclass(frozen=True)
class Kr01LadderRecord:
    """``risk:{book}:kr01``: the book's KR01 in USD per bp, keyed ``CURVE/TENOR`` (every pillar of every
    curve the book depends on; an empty hash is an empty ladder)."""

    kr01: Mapping[str, float]

    def to_hash(self) -> dict[str, str]:
        return {key: _num(value) for key, value in self.kr01.items()}

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> Kr01LadderRecord:
        return cls(_number_map("risk:{book}:kr01", raw, _is_risk_factor, "CURVE/TENOR"))


@dataclass(frozen=True)
class ByTypeRecord:
    """``risk:{book}:by_type``: the book's totals (USD) per instrument type, keyed ``TYPE:MEASURE``
    (``bond:dv01``, ``swap:pv``, ``ois:gamma``; measures :data:`MEASURES`)."""

    values: Mapping[str, float]

    def to_hash(self) -> dict[str, str]:
        return {key: _num(value) for key, value in self.values.items()}

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> ByTypeRecord:
        return cls(_number_map("risk:{book}:by_type", raw, _is_type_measure, "TYPE:MEASURE"))

    def measure(self, name: str) -> dict[str, float]:
        """``{"bond": 12.0, "swap": -3.0}``: one measure by instrument type."""
        result: dict[str, float] = {}
        for key, value in self.values.items():
            kind, _, measure = key.rpartition(":")
            if measure == name:
                result[kind] = value
        return result


@dataclass(frozen=True)
class CurveQuotesRecord:
    """``market:{curve}:{when}``: a curve's quotes in percent, keyed ``instrument/tenor`` (``swap/10Y``)."""

    quotes: Mapping[str, float]

    def to_hash(self) -> dict[str, str]:
        return {key: _num(value) for key, value in self.quotes.items()}

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> CurveQuotesRecord:
        return cls(_number_map("market:{curve}:{when}", raw, _is_risk_factor, "instrument/tenor"))


@dataclass(frozen=True)
class HistoryPointRecord:
    """An entry of the ``risk:{book}:history`` stream: the book's totals (USD) on one written tick.

    ``n_pending`` > 0 marks a partial total (taken before every market had a value): charts leave it out.
    """

    seq: int
    market_time: str
    pv: float
    dv01: float
    gamma: float
    pnl_open: float
    pnl_predicted: float
    pnl_residual: float
    n_pending: int = 0

    _NUMBERS = ("pv", "dv01", "gamma", "pnl_open", "pnl_predicted", "pnl_residual")

    @property
    def partial(self) -> bool:
        """Whether this total was taken before every market had a value (positions still pending)."""
        return self.n_pending > 0

    def to_hash(self) -> dict[str, str]:
        out = {"seq": str(self.seq), "market_time": self.market_time}
        out.update({name: _num(getattr(self, name)) for name in self._NUMBERS})
        out["n_pending"] = str(self.n_pending)
        return out

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> HistoryPointRecord:
        name = "risk:{book}:history entry"
        return cls(
            seq=_int(name, raw, "seq"),
            market_time=_field(name, raw, "market_time"),
            **{n: _float(name, raw, n) for n in cls._NUMBERS},  # type: ignore[arg-type]
            n_pending=_int(name, raw, "n_pending", "0"),
        )
