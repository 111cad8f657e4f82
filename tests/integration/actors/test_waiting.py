"""``await_ref``: a Ray call the engine blocks on says what it waits for while it does not answer, and a
dead actor's error still reaches the caller (the consumer retries a tick on a restarted shard)."""

from __future__ import annotations

import time

import pytest
import ray
from ray.exceptions import RayActorError
from structlog.testing import capture_logs

from actors.waiting import await_ref
from cluster.supervisor import connect_ray
from core.config import Settings

pytestmark = pytest.mark.ray


@ray.remote
def _answer_after(seconds: float) -> int:
    time.sleep(seconds)
    return 42


@ray.remote(max_restarts=0)
class _Doomed:
    def wait_forever(self) -> None:
        time.sleep(3600)


def test_a_slow_call_is_reported_while_awaited_and_its_value_returned(settings: Settings) -> None:
    connect_ray(settings)
    with capture_logs() as logs:
        value = await_ref(_answer_after.remote(1.0), "a slow call", every_s=0.2, shard=1, seq=9)
    assert value == 42
    waiting = [e for e in logs if e["event"] == "still waiting"]
    assert waiting, "a call that took longer than the interval was not reported"
    assert all(e["waiting_for"] == "a slow call" and (e["shard"], e["seq"]) == (1, 9) for e in waiting)
    assert logs[-1]["event"] == "wait over" and logs[-1]["waited_for"] == "a slow call"


def test_a_dead_actor_raises_through_the_wait(settings: Settings) -> None:
    connect_ray(settings)
    doomed = _Doomed.remote()  # type: ignore[attr-defined]
    pending = doomed.wait_forever.remote()
    ray.kill(doomed)
    with pytest.raises(RayActorError):
        await_ref(pending, "a call on an actor that dies", every_s=0.2)
