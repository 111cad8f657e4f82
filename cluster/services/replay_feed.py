"""The demo's market feed: `riskctl replay --loop` as a managed background process."""

from __future__ import annotations

import sys
from pathlib import Path

from cluster.services.process import ManagedProcess, wait_until
from core.config import Settings

__all__ = ["DEMO_FROM", "DEMO_TO", "ReplayFeed"]

#: A month of real curves (the last month with the full US Treasury par curve), replayed in a loop.
DEMO_FROM = "2026-02-02"
DEMO_TO = "2026-02-27"


class ReplayFeed:
    name = "replay"

    def __init__(self, settings: Settings, rate: float = 4.0) -> None:
        self.settings = settings
        self.rate = rate
        self.riskctl = Path(sys.executable).parent / "riskctl"
        self.process = ManagedProcess(
            name=self.name,
            pid_file=settings.state_dir / "run" / "replay.pid",
            log_file=settings.state_dir / "logs" / "replay.log",
            marker=f"{self.riskctl} replay",
        )

    def up(self) -> str:
        if self.process.running():
            return "running"
        self.process.start(
            [
                str(self.riskctl), "replay", "--from", DEMO_FROM, "--to", DEMO_TO, "--rate", str(self.rate),
                # a (re)started demo feed starts a new session: the engine may be on a later day of an
                # earlier run, and ticks of an earlier day are refused without it
                "--loop", "--new-session",
            ]
        )  # fmt: skip
        if not wait_until(self.process.running, 10):
            raise self.process.fail("the replay exited at start")
        return "started"

    def down(self) -> bool:
        return self.process.stop(timeout=20)

    def describe(self) -> str:
        return f"replay {DEMO_FROM}..{DEMO_TO} looped, {self.rate:g} ticks/s"
