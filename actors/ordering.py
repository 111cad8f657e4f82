"""Which ticks move a market forward: ordering, de-duplication and sessions (no Ray, no network).

A tick's place is its market's :class:`Position`: ``(session, as_of, market_time, offset)``, compared in
that order. ``seq`` is not trusted for ordering (any producer may set it): it only names the tick's
announcement on ``risk.updates``. Per market, with one Kafka partition per market key:

- a tick at or before its market's position is a **duplicate** (a redelivery after a restart has the
  same Kafka offset; a second producer sending the same instant has the same ``market_time``): counted,
  not computed;
- a tick of the market's current day with an earlier ``market_time`` is **out of order** → DLQ;
- a tick of an earlier day is refused → DLQ ("going back needs a new session"), and so is one more than
  :data:`MAX_DAYS_AHEAD` days after the market's current day (an implausible date would otherwise make
  every later real tick look old);
- a tick flagged ``new_session`` starts a new **session** on its day (the demo's looped replay wrapping
  from the last day back to the first): every market starts again, the markets that have not ticked in
  the new session are pending (a book total never mixes the sessions' valuation dates), and the P&L
  open is taken afresh. Each market enters the session with its own flagged tick (the first one on the
  session's day joins it); an unflagged tick of a market not in the session yet is a late tick of the
  previous session → DLQ.

The positions are persisted with each tick's Redis transaction (``engine:order``), so a restarted
consumer or a redelivered tick obeys the same rules; the Redis writer refuses a position that is not
newer than the stored one. With several consumers (each owning some markets' partitions), a consumer
learns the other markets' positions, and so a session another consumer started, from ``engine:order``
(:meth:`TickOrder.observe`): the session rules then hold between markets as far as the written results
show them (two partitions have no order between them; within a consumer's poll batch they do).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime

from core.messages import CurveTick

__all__ = ["MAX_DAYS_AHEAD", "Position", "TickOrder", "Verdict"]

#: Weekends and the longest holiday runs are shorter than this; a larger jump forward is refused.
MAX_DAYS_AHEAD = 7


@dataclass(frozen=True, order=True)
class Position:
    """Where a market stands: session number, business day, market time, Kafka offset (-1 if none)."""

    session: int
    as_of: date
    market_time: datetime
    offset: int = -1

    def to_json(self) -> str:
        fields = asdict(self)
        fields["as_of"] = self.as_of.isoformat()
        fields["market_time"] = self.market_time.isoformat()
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Position:
        raw = json.loads(text)
        return cls(
            int(raw["session"]),
            date.fromisoformat(raw["as_of"]),
            datetime.fromisoformat(raw["market_time"]),
            int(raw.get("offset", -1)),
        )


@dataclass(frozen=True)
class Verdict:
    """``accept`` (with the tick's position) or not: a ``duplicate`` is counted, a ``reason`` goes to the
    dead-letter topic."""

    accept: bool
    position: Position | None = None
    duplicate: bool = False
    reason: str = ""
    new_session: bool = False


class TickOrder:
    """The positions of every market and the current session (see the module docstring)."""

    def __init__(self, positions: Mapping[str, Position] | None = None) -> None:
        self.positions: dict[str, Position] = dict(positions or {})
        self.session = max((p.session for p in self.positions.values()), default=0)

    def check(self, tick: CurveTick, offset: int = -1) -> Verdict:
        """Decide about ``tick`` (read at Kafka ``offset``) without changing anything."""
        when = tick.market_time.replace(tzinfo=None)
        current = self.positions.get(tick.market)
        position = Position(self.session, tick.as_of, when, offset)
        in_session = [p.as_of for p in self.positions.values() if p.session == self.session]
        if tick.new_session:
            if (
                current is not None
                and current.session == self.session
                and (
                    0 <= offset <= current.offset
                    or (tick.as_of, when) == (current.as_of, current.market_time)
                )
            ):
                return Verdict(False, duplicate=True)  # the session start itself, redelivered or re-sent
            joining = (current is None or current.session < self.session) and in_session == [tick.as_of]
            if joining:  # the other markets' first ticks of a session just started on this day
                return Verdict(True, position)
            return Verdict(True, Position(self.session + 1, tick.as_of, when, offset), new_session=True)
        if current is not None and current.session < self.session:
            return Verdict(
                False,
                reason=f"{tick.market} tick seq {tick.seq} of {tick.as_of} is from before the session that "
                f"started on {min(in_session)}; a market enters a new session with a tick flagged "
                "new_session",
            )
        if current is None:
            floor = max(in_session, default=None)
            if floor is not None and tick.as_of < floor:
                return Verdict(
                    False,
                    reason=f"{tick.market} tick seq {tick.seq} of {tick.as_of} is before the session's day "
                    f"{floor}; going back to an earlier day needs a tick flagged new_session",
                )
            return Verdict(True, position)
        if 0 <= offset <= current.offset or (tick.as_of, when) == (current.as_of, current.market_time):
            return Verdict(False, duplicate=True)
        if tick.as_of < current.as_of:
            return Verdict(
                False,
                reason=f"{tick.market} tick seq {tick.seq} of {tick.as_of} is older than the market's "
                f"current day {current.as_of}; going back to an earlier day needs a tick flagged new_session",
            )
        if tick.as_of == current.as_of and when < current.market_time:
            return Verdict(
                False,
                reason=f"{tick.market} tick seq {tick.seq} out of order: market time {when.isoformat()} is "
                f"before the market's current time {current.market_time.isoformat()}",
            )
        ahead = (tick.as_of - current.as_of).days
        if ahead > MAX_DAYS_AHEAD:
            return Verdict(
                False,
                reason=f"{tick.market} tick seq {tick.seq} of {tick.as_of} is implausible: {ahead} days "
                f"after the market's current day {current.as_of} (more than {MAX_DAYS_AHEAD}); a new session "
                "starts with a tick flagged new_session",
            )
        return Verdict(True, position)

    def accept(self, tick: CurveTick, verdict: Verdict) -> None:
        """Move the tick's market to the verdict's position (and start its session)."""
        assert verdict.accept and verdict.position is not None
        if verdict.new_session:
            self.session = verdict.position.session
        self.positions[tick.market] = verdict.position

    def observe(self, written: Mapping[str, Position]) -> bool:
        """Take each written position that is newer than the one held here (another consumer's market,
        or a market this consumer just took over) and the session it implies; True if the session moved
        (a consumer must then drop what it holds of the previous session). A position held here is never
        moved back: ticks admitted and not written yet are ahead of Redis."""
        for market, position in written.items():
            current = self.positions.get(market)
            if current is None or position > current:
                self.positions[market] = position
        session = max((p.session for p in self.positions.values()), default=0)
        moved = session > self.session
        self.session = max(self.session, session)
        return moved

    def forget(self, market: str, previous: Position | None) -> None:
        """Undo an accepted tick whose curves were then rejected: its market stays where it was."""
        if previous is None:
            self.positions.pop(market, None)
        else:
            self.positions[market] = previous
