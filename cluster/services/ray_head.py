"""A local Ray head node for the demo (`ray start --head`), bound to loopback.

Every process of this head carries its own temp folder in its command line (or, for Ray's client server,
which ``ray start`` leaves behind as an orphan, this head's GCS address), so `down` stops exactly these
processes and never a Ray runtime somebody else started (a test's ``ray.init``, another project).

The head runs with this project's virtual environment first on ``PATH``: a job submitted with
``ray job submit ... -- python -m cluster.batch_reval ...`` runs its ``python`` in that environment, as
the README shows it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from cluster.services.process import ManagedProcess, port_open, wait_until
from core.config import Settings

__all__ = ["RayHeadService"]


class RayHeadService:
    name = "ray"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gcs_port = settings.ray_gcs_port
        digest = hashlib.sha1(str(settings.state_dir).encode()).hexdigest()[:10]
        # Ray puts unix sockets under its temp folder: keep the path short (107-byte socket path limit)
        self.temp_dir = Path("/tmp") / f"ray-rre-{digest}"
        self.process = ManagedProcess(
            name=self.name,
            pid_file=settings.state_dir / "run" / "ray-gcs.pid",
            log_file=settings.state_dir / "logs" / "ray-start.log",
            marker=str(self.temp_dir),
        )

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.gcs_port}"

    def _our_pids(self) -> list[int]:
        """Processes of this head: those naming its temp folder, and all their descendants (Ray's agents
        rename their process titles, so they are found through their parents)."""
        parents: dict[int, int] = {}
        marked: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            pid = int(entry.name)
            parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
            if str(self.temp_dir) in cmdline or self._is_our_client_server(cmdline):
                marked.add(pid)
        ours = set(marked)
        grew = True
        while grew:
            children = {pid for pid, ppid in parents.items() if ppid in ours} - ours
            ours |= children
            grew = bool(children)
        return sorted(ours)

    def _is_our_client_server(self, cmdline: str) -> bool:
        return "ray.util.client.server" in cmdline and f"--address={self.address}" in cmdline.split()

    def up(self) -> str:
        if self.process.running() and port_open(self.settings.host, self.gcs_port):
            return "running"
        if port_open(self.settings.host, self.gcs_port):
            raise self.process.fail(
                f"port {self.address} is taken by a process this manager did not start; set RISK_RAY_GCS_PORT"
            )
        ray = Path(sys.executable).parent / "ray"  # the `ray` of this venv
        argv = [
            str(ray) if ray.exists() else "ray", "start", "--head",
            f"--node-ip-address={self.settings.host}", f"--port={self.gcs_port}",
            f"--dashboard-host={self.settings.host}", f"--dashboard-port={self.settings.ray_dashboard_port}",
            f"--ray-client-server-port={self.settings.ray_client_server_port}",
            f"--dashboard-agent-listen-port={self.settings.ray_dashboard_agent_port}",
            f"--temp-dir={self.temp_dir}", f"--num-cpus={os.cpu_count() or 2}", "--disable-usage-stats",
        ]  # fmt: skip
        # Ray turns 127.0.0.1 into the machine's address unless clusters are "disabled": this keeps
        # every Ray component of the local demo head on loopback (a multi-node head uses ray_cluster.yaml)
        venv_bin = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", os.defpath)]),
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
            "RAY_AUTH_MODE": "token",
        }
        with self.process.open_log() as log:
            result = subprocess.run(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, check=False, timeout=180
            )
        if result.returncode != 0:
            raise self.process.fail(f"`ray start --head` failed with exit code {result.returncode}")
        gcs = [
            p
            for p in self._our_pids()
            if "gcs_server" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
        ]
        if not gcs:
            raise self.process.fail("`ray start --head` returned but no gcs_server of ours runs")
        self.process.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.process.pid_file.write_text(str(gcs[0]))
        return "started"

    def down(self) -> bool:
        pids = self._our_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if not wait_until(lambda: not self._our_pids(), 20):
            for pid in self._our_pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.pid_file.unlink(missing_ok=True)
        return bool(pids)

    def describe(self) -> str:
        s = self.settings
        return (
            f"ray head at {self.address}, dashboard http://{s.host}:{s.ray_dashboard_port}, "
            f"client server {s.host}:{s.ray_client_server_port}"
        )
