"""Without a named cluster the project starts a Ray of its own: it never attaches to a Ray that someone
started with ``ray start`` on the same machine (``ray.init()`` without an address silently would: it
reads the address ``ray start`` leaves in ``$RAY_TMPDIR/ray/ray_current_cluster``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

pytestmark = [pytest.mark.ray, pytest.mark.slow]

_OURS = """
import ray
from cluster.supervisor import connect_ray
from core.config import get_settings
connect_ray(get_settings())
print(ray.get_runtime_context().gcs_address, flush=True)
ray.shutdown()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pids_mentioning(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
    return pids


def test_connect_ray_without_an_address_does_not_attach_to_a_ray_started_by_someone_else() -> None:
    scratch = tempfile.mkdtemp(prefix="rayc", dir="/tmp")  # short: Ray's socket paths must stay short
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RISK_RAY_ADDRESS")}
    env.update(RAY_TMPDIR=scratch, PYTHONPATH=str(PROJECT_ROOT), RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0")
    other_port = _free_port()
    ray_cli = str(Path(sys.executable).parent / "ray")
    try:
        subprocess.run(
            [ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={other_port}",
             "--num-cpus=1", "--include-dashboard=false", "--disable-usage-stats",
             f"--ray-client-server-port={_free_port()}", f"--dashboard-agent-listen-port={_free_port()}"],
            env=env, check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        recorded = Path(scratch, "ray", "ray_current_cluster").read_text().strip()
        assert recorded == f"127.0.0.1:{other_port}"  # what ray.init() without an address would join
        ours = subprocess.run(
            [sys.executable, "-c", _OURS], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
            timeout=300, check=True,
        )  # fmt: skip
        our_gcs = ours.stdout.strip().splitlines()[-1]
        assert our_gcs.startswith("127.0.0.1:") and our_gcs != recorded
    finally:
        for pid in _pids_mentioning(scratch):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        shutil.rmtree(scratch, ignore_errors=True)
