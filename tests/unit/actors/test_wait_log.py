"""A wait the engine blocks on is logged at once, then at a bounded interval, then when it is over."""

from __future__ import annotations

from structlog.testing import capture_logs

from actors.waiting import WaitLog


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_wait_is_logged_at_once_then_every_interval_then_when_over() -> None:
    clock = _Clock()
    with capture_logs() as logs:
        wait = WaitLog("the aggregator's Redis write", every_s=10.0, clock=clock, context={"seq": 7})
        clock.now += 0.5
        wait.still("ConnectionError: refused")
        clock.now += 4.0
        wait.still("ConnectionError: refused")  # 4 s after the last line: not due
        clock.now += 6.0
        wait.still()
        clock.now += 1.0
        wait.over()
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("still waiting", "warning"),
        ("still waiting", "warning"),
        ("wait over", "info"),
    ]
    first, second, over = logs
    assert first["waiting_for"] == "the aggregator's Redis write" and first["seq"] == 7
    assert first["waited_s"] == 0.5 and first["reason"] == "ConnectionError: refused"
    assert second["waited_s"] == 10.5 and "reason" not in second
    assert over["waited_for"] == "the aggregator's Redis write" and over["waited_s"] == 11.5


def test_a_wait_that_never_had_to_be_reported_logs_nothing() -> None:
    with capture_logs() as logs:
        WaitLog("a shard's partial", clock=_Clock()).over()
    assert logs == []
