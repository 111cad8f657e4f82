"""The engine's day state: what P&L since the open needs and no tick carries, kept durable in Redis.

What it holds (all of it the aggregator's, nothing else writes it):

- each book's open (:class:`actors.pnl.BookOpen`: PV, gamma and kr01 at the open, the pillar quotes of the
  open, net of the PV that book changes brought in or took out since);
- every curve's latest quotes (the "now" against which P&L is explained, and the previous close of the
  next business day);
- each market's day (``session:as_of`` of its latest tick: a new one rolls the market's open and close);
- each market's rejection (the reason its latest tick was refused, until a good tick of it arrives);
- each market's latest written tick (a restarted engine's shards catch up on it, so the first tick after
  a restart values the whole book, not only the ticking market).

It lives in the hash ``engine:day`` (:data:`core.keys.ENGINE_DAY`) and is written **in the same Redis
transaction as the tick's results** (:class:`actors.redis_sink.RedisRiskWriter`): results and day state
can never disagree, whatever dies when. Only the fields a tick changed are written; the field ``rev``
counts the writes, and when the stored ``rev`` is not the one the aggregator last wrote (Redis lost its
last second, or was emptied) the whole state is written instead. The aggregator reloads it when it
(re)starts (:func:`load_day_state`), so a killed aggregator, a restarted Redis (append-only file) or a
restarted engine carry on with the same open.

Fields: ``rev`` (int), ``open:{book}`` (BookOpen JSON), ``curve:{name}`` (JSON ``{instrument/tenor:
rate_pct}``), ``day:{market}`` (``session:as_of``), ``rejected:{market}`` (reason), ``tick:{market}``
(CurveTick JSON).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

import redis

from actors.partials import BookSums
from actors.pnl import BookOpen, PnlExplain, explain, pillar_quotes
from core.keys import ENGINE_DAY
from core.messages import CurveTick

__all__ = ["DayState", "DayStateError", "DayStep", "load_day_state"]

Curves = Mapping[str, Mapping[str, float]]


class DayStateError(ValueError):
    """``engine:day`` holds a field that is not part of the day state, or a malformed value (names it)."""


@dataclass(frozen=True)
class DayStep:
    """The day state after one tick (or rejection) and what the tick's results need from it."""

    state: DayState
    changed: frozenset[str]  # hash fields whose value differs from the state before
    removed: frozenset[str]  # hash fields that no longer exist
    pnl: Mapping[str, PnlExplain] = field(default_factory=dict)
    curves_open: Curves | None = None  # the market's curves at its open, on its first tick of a day
    curves_prev_close: Curves | None = None  # ... and its previous close, when known


@dataclass(frozen=True)
class DayState:
    """See the module docstring. Immutable: :meth:`advance` and :meth:`reject` return the next state, which
    the aggregator adopts only once it is in Redis."""

    rev: int = 0
    opens: Mapping[str, BookOpen] = field(default_factory=dict)
    curves_now: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    market_day: Mapping[str, str] = field(default_factory=dict)  # market -> "session:as_of"
    rejected: Mapping[str, str] = field(default_factory=dict)  # market -> reason
    last_ticks: Mapping[str, CurveTick] = field(default_factory=dict)  # market -> latest written tick

    # -- the tick ------------------------------------------------------------------------------------------
    def advance(self, tick: CurveTick, session: int, books: Mapping[str, BookSums]) -> DayStep:
        """The state after ``tick`` (of tick-order ``session``, reduced to ``books``), with each book's P&L.

        A book's open is the first tick of the day and session at which every position has a value (while
        some are pending, e.g. right after a new session, it is taken again on the next tick); after it,
        PV that book changes brought in (``pv_change``) moves the open, not the P&L."""
        changed = {"rev", f"tick:{tick.market}", *(f"curve:{name}" for name in tick.curves)}
        day = f"{session}:{tick.as_of.isoformat()}"
        market_day = dict(self.market_day)
        curves_open: Curves | None = None
        prev_close: Curves | None = None
        if market_day.get(tick.market) != day:  # the market's first tick of a day (or session)
            previous = {name: self.curves_now[name] for name in tick.curves if name in self.curves_now}
            curves_open, prev_close = ({n: dict(q) for n, q in tick.curves.items()}, previous or None)
            market_day[tick.market] = day
            changed.add(f"day:{tick.market}")
        curves_now = {**self.curves_now, **{name: dict(q) for name, q in tick.curves.items()}}
        quotes_now = pillar_quotes(curves_now)
        as_of = tick.as_of.isoformat()
        opens = dict(self.opens)
        pnl: dict[str, PnlExplain] = {}
        for book, sums in books.items():
            current = opens.get(book)
            if current is None or (current.session, current.as_of) != (session, as_of) or current.incomplete:
                current = BookOpen(
                    as_of, sums.pv, sums.gamma, dict(sums.kr01), dict(quotes_now),
                    incomplete=sums.n_pending > 0, session=session,
                )  # fmt: skip
                opens[book] = current
                changed.add(f"open:{book}")
            elif sums.pv_change:  # a trade added or removed since the open is not market P&L
                current = replace(current, pv=current.pv + sums.pv_change)
                opens[book] = current
                changed.add(f"open:{book}")
            pnl[book] = explain(sums.pv, quotes_now, current)
        rejected = {m: r for m, r in self.rejected.items() if m != tick.market}
        removed = {f"rejected:{tick.market}"} if tick.market in self.rejected else set()
        state = DayState(
            self.rev + 1, opens, curves_now, market_day, rejected, {**self.last_ticks, tick.market: tick}
        )
        return DayStep(state, frozenset(changed), frozenset(removed), pnl, curves_open, prev_close)

    def reject(self, market: str, reason: str) -> DayStep:
        """The state after ``market``'s latest tick was rejected with ``reason`` (its books go stale)."""
        state = replace(self, rev=self.rev + 1, rejected={**self.rejected, market: reason})
        return DayStep(state, frozenset({"rev", f"rejected:{market}"}), frozenset())

    def stale_reason(self) -> str:
        """Every rejected market's reason (staleness is per market), ``""`` when none."""
        return "; ".join(self.rejected[m] for m in sorted(self.rejected))

    def rejected_curves(self) -> tuple[str, ...]:
        """The curves of the rejected markets, sorted."""
        return tuple(sorted(c for c in self.curves_now if any(c.startswith(f"{m}-") for m in self.rejected)))

    # -- the Redis hash ------------------------------------------------------------------------------------
    def to_hash(self, fields: Collection[str] | None = None) -> dict[str, str]:
        """The ``engine:day`` hash, or only ``fields`` of it (a tick writes what it changed)."""
        wanted = None if fields is None else set(fields)
        out: dict[str, str] = {}

        def take(name: str) -> bool:
            return wanted is None or name in wanted

        if take("rev"):
            out["rev"] = str(self.rev)
        for book, opened in self.opens.items():
            if take(name := f"open:{book}"):
                out[name] = opened.to_json()
        for curve, quotes in self.curves_now.items():
            if take(name := f"curve:{curve}"):
                out[name] = json.dumps(dict(quotes), sort_keys=True)
        for market, day in self.market_day.items():
            if take(name := f"day:{market}"):
                out[name] = day
        for market, reason in self.rejected.items():
            if take(name := f"rejected:{market}"):
                out[name] = reason
        for market, tick in self.last_ticks.items():
            if take(name := f"tick:{market}"):
                out[name] = tick.to_json().decode()
        return out

    @classmethod
    def from_hash(cls, raw: Mapping[str, str]) -> DayState:
        """Inverse of :meth:`to_hash`; an empty hash is the state of a fresh engine. Raises
        :class:`DayStateError` naming the field that does not belong or does not parse."""
        opens: dict[str, BookOpen] = {}
        curves: dict[str, dict[str, float]] = {}
        market_day: dict[str, str] = {}
        rejected: dict[str, str] = {}
        ticks: dict[str, CurveTick] = {}
        rev = 0
        for name, value in raw.items():
            kind, _, key = name.partition(":")
            try:
                if name == "rev":
                    rev = int(value)
                elif kind == "open" and key:
                    opens[key] = BookOpen.from_json(value)
                elif kind == "curve" and key:
                    curves[key] = {str(k): float(v) for k, v in json.loads(value).items()}
                elif kind == "day" and key:
                    market_day[key] = value
                elif kind == "rejected" and key:
                    rejected[key] = value
                elif kind == "tick" and key:
                    ticks[key] = CurveTick.from_json(value)
                else:
                    raise DayStateError(f"{ENGINE_DAY}: field {name!r} is not part of the day state")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                if isinstance(exc, DayStateError):
                    raise
                raise DayStateError(f"{ENGINE_DAY}: field {name!r} does not parse: {exc}") from exc
        return cls(rev, opens, curves, market_day, rejected, ticks)


def load_day_state(client: redis.Redis) -> DayState:
    """The day state as the last written tick left it (empty for a fresh engine)."""
    raw: dict[str, str] = client.hgetall(ENGINE_DAY)  # type: ignore[assignment]
    return DayState.from_hash(raw)
