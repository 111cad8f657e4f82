"""Pid files, port probes and process start/stop shared by every local service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import ServiceError

__all__ = ["ManagedProcess", "port_open", "wait_until"]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


@dataclass(frozen=True)
class ManagedProcess:
    """One long-running process started by this manager, identified by its pid file.

    A pid is trusted only while ``/proc/PID/cmdline`` still contains ``marker`` (a path unique to
    this project's state folder), so a recycled pid is never mistaken for ours and never killed.
    """

    name: str
    pid_file: Path
    log_file: Path
    marker: str

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        if self.marker not in cmdline:
            return None
        # a zombie is not running
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (OSError, IndexError):
            return None
        return None if state == "Z" else pid

    def running(self) -> bool:
        return self.pid() is not None

    def open_log(self) -> BinaryIO:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        return self.log_file.open("ab")

    def start(self, argv: Sequence[str], *, user: str | None = None, cwd: Path | None = None) -> int:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with self.open_log() as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,  # survives the make process; stopped only by `down`
                user=user,
                group=user,
                extra_groups=[] if user else None,
            )
        self.pid_file.write_text(str(proc.pid))
        # until exec() the child's cmdline is still ours and lacks the marker
        wait_until(lambda: self.running() or proc.poll() is not None, 10.0, interval=0.02)
        return proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> bool:
        """Stop the recorded process; returns True if something was stopped."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, sig)
        if not wait_until(lambda: not self.running(), timeout):
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not self.running(), 10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def fail(self, cause: str) -> ServiceError:
        excerpt = self.tail()
        detail = f"{cause}\n--- last lines of the log ---\n{excerpt}" if excerpt else cause
        return ServiceError(self.name, detail, str(self.log_file))
