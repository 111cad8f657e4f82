"""Waits that are never silent: the engine blocks on Ray calls (shards, the aggregator, the book watcher)
and on Redis, and an engine held up by any of them says so in its log, naming what it waits for, at most
:data:`WAIT_LOG_S` seconds apart, then once more when the wait is over.

A wait is not given up here: what is awaited has its own failure (a dead actor raises, a Redis outage ends
in :class:`actors.redis_sink.RedisUnavailable`), and the log says where the engine stands meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import ray
from ray.exceptions import GetTimeoutError

from core.logging import get_logger

__all__ = ["WAIT_LOG_S", "WaitLog", "await_ref"]

_log = get_logger(__name__)

#: Longest silence while the engine waits on something (seconds).
WAIT_LOG_S = 10.0


class WaitLog:
    """Reports one wait: :meth:`still` logs a warning on its first call and then at most every ``every_s``
    seconds; :meth:`over` logs, if anything was reported, how long the wait took. ``context``: key-value
    pairs for every line (shard, seq, ...)."""

    def __init__(
        self,
        what: str,
        every_s: float = WAIT_LOG_S,
        clock: Callable[[], float] = time.monotonic,
        context: Mapping[str, object] | None = None,
    ) -> None:
        self.what = what
        self.every_s = every_s
        self._clock = clock
        self._context = dict(context or {})
        self._started = clock()
        self._reported: float | None = None  # when the last line was logged

    @property
    def waited_s(self) -> float:
        return round(self._clock() - self._started, 1)

    def still(self, reason: str = "") -> None:
        """The wait goes on (``reason``: why, e.g. the last error); logged if due."""
        now = self._clock()
        if self._reported is not None and now - self._reported < self.every_s:
            return
        self._reported = now
        fields: dict[str, object] = {"waiting_for": self.what, "waited_s": self.waited_s, **self._context}
        if reason:
            fields["reason"] = reason
        _log.warning("still waiting", **fields)

    def over(self) -> None:
        """The awaited answer came; logged only after a reported wait."""
        if self._reported is not None:
            _log.info("wait over", waited_for=self.what, waited_s=self.waited_s, **self._context)


def await_ref(ref: Any, what: str, every_s: float = WAIT_LOG_S, **context: object) -> Any:
    """``ray.get(ref)`` that logs ``what`` it waits for (with ``context``) every ``every_s`` seconds without
    an answer. Raises what ``ray.get`` raises (e.g. :class:`ray.exceptions.RayActorError`)."""
    wait = WaitLog(what, every_s, context=context)
    while True:
        try:
            value = ray.get(ref, timeout=every_s)
        except GetTimeoutError:
            wait.still()
            continue
        wait.over()
        return value
