"""P&L since the open, and its explain by the risk measured at the open.

actual    = PV(now) − PV(open)                          (book changes since the open are netted out)
predicted = −Σ_k kr01_open[k] · Δq_k + ½ · gamma_open · Δ̄²     (Δ in basis points)
residual  = actual − predicted

``Δq_k`` is the move of the quote behind pillar ``k`` (``CURVE/TENOR``) since the open; ``Δ̄`` is the
kr01-weighted mean move, the parallel shift that gamma (measured for a parallel shift) applies to. The
open of a book is reset by the first tick of a new business day; the previous day's last quotes become
that market's previous close.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from core.messages import split_quote_key

__all__ = ["BookOpen", "PnlExplain", "explain", "pillar_quotes"]


def pillar_quotes(curves: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """``{curve: {instrument/tenor: rate_pct}}`` -> ``{CURVE/TENOR: rate_pct}``."""
    out: dict[str, float] = {}
    for curve, quotes in curves.items():
        for key, rate in quotes.items():
            _, tenor = split_quote_key(key)
            out[f"{curve}/{tenor}"] = rate
    return out


@dataclass(frozen=True)
class BookOpen:
    """A book at its open: PV (USD, net of the PV that book changes brought in or took out since), gamma
    and kr01 (``CURVE/TENOR``, USD per bp) measured there, and the pillar quotes (percent) of that moment."""

    as_of: str
    pv: float
    gamma: float
    kr01: Mapping[str, float]
    quotes: Mapping[str, float] = field(default_factory=dict)
    incomplete: bool = False  # some positions had no value yet: the open is taken again next tick
    session: int = 0  # the tick-order session (actors.ordering) the open belongs to

    def to_json(self) -> str:
        """JSON with every number exact (``repr`` of each float): a reloaded open explains to the last bit."""
        fields = asdict(self)
        fields["kr01"], fields["quotes"] = dict(self.kr01), dict(self.quotes)
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BookOpen:
        """Inverse of :meth:`to_json`; raises ``ValueError`` (or ``KeyError``) on a malformed record."""
        raw = json.loads(text)
        return cls(
            as_of=str(raw["as_of"]),
            pv=float(raw["pv"]),
            gamma=float(raw["gamma"]),
            kr01={str(k): float(v) for k, v in raw["kr01"].items()},
            quotes={str(k): float(v) for k, v in raw["quotes"].items()},
            incomplete=bool(raw["incomplete"]),
            session=int(raw["session"]),
        )


@dataclass(frozen=True)
class PnlExplain:
    actual: float
    predicted: float
    residual: float


def explain(pv_now: float, quotes_now: Mapping[str, float], opened: BookOpen) -> PnlExplain:
    moves = {
        k: (quotes_now[k] - opened.quotes[k]) * 100.0
        for k in opened.kr01
        if k in quotes_now and k in opened.quotes
    }
    first_order = -sum(opened.kr01[k] * move for k, move in moves.items())
    weight = sum(abs(opened.kr01[k]) for k in moves)
    parallel = sum(abs(opened.kr01[k]) * move for k, move in moves.items()) / weight if weight else 0.0
    predicted = first_order + 0.5 * opened.gamma * parallel * parallel
    actual = pv_now - opened.pv
    return PnlExplain(actual=actual, predicted=predicted, residual=actual - predicted)
