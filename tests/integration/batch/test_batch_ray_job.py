"""``ray job submit`` of the batch module against a Ray head of its own, started as `make demo` starts its
head (:class:`RayHeadService`, here on free loopback ports) and submitted as the README shows it
(``-- python -m cluster.batch_reval ...``: the head runs jobs in the project's environment): the job's
status and its results in PostgreSQL, for a good run and for a bad date range; then `down` stops every
process of the head, its Ray client server included."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_support import BATCH_DATABASE
from sqlalchemy import select

from cluster.services.process import port_open
from cluster.services.ray_head import RayHeadService
from core.config import PROJECT_ROOT, Settings
from secmaster.db import SessionFactory
from secmaster.models import BatchResult, BatchRun

pytestmark = [pytest.mark.postgres, pytest.mark.ray, pytest.mark.slow]

RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ray_env() -> dict[str, str]:
    """The environment of our `ray` commands: the head runs with token authentication (Ray's default
    whenever ~/.ray/auth_token exists), so the job CLI must send the token too."""
    return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


@pytest.fixture(scope="module")
def ray_head_service(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RayHeadService]:
    """The project's Ray head service on free loopback ports (every port must be free: the demo's head
    may run on the defaults); stopped by ``down``, which kills exactly the processes of this head."""
    head = RayHeadService(
        settings.model_copy(
            update={
                "ray_gcs_port": _free_port(),
                "ray_dashboard_port": _free_port(),
                "ray_client_server_port": _free_port(),
                "ray_dashboard_agent_port": _free_port(),
                "state_dir": tmp_path_factory.mktemp("ray-batch-head"),
            }
        )
    )
    # creates ~/.ray/auth_token only when missing (what any local ray.init does)
    subprocess.run([RAY, "get-auth-token", "--generate"], env=_ray_env(), capture_output=True, check=True)
    try:
        assert head.up() == "started"
        yield head
    finally:
        head.down()


@pytest.fixture(scope="module")
def ray_head(ray_head_service: RayHeadService) -> str:
    """The head's job API URL."""
    return f"http://127.0.0.1:{ray_head_service.settings.ray_dashboard_port}"


def _submit(address: str, *args: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """``ray job submit`` from the project folder (its .gitignore keeps .venv and .local out), waiting for
    the job to end; returns the submission id and the finished command (its output tails the job's log)."""
    submission = f"batch-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k.startswith("RISK_")} | {
        "RISK_POSTGRES_DB": BATCH_DATABASE
    }
    runtime_env = {"env_vars": env, "excludes": [".git", "tests/artifacts"]}
    argv = [
        RAY, "job", "submit", "--address", address, "--submission-id", submission,
        "--working-dir", ".", "--runtime-env-json", json.dumps(runtime_env),
        "--", "python", "-m", "cluster.batch_reval", *args,
    ]  # fmt: skip
    for _ in range(30):
        done = subprocess.run(
            argv, cwd=PROJECT_ROOT, env=_ray_env(), capture_output=True, text=True, timeout=400, check=False
        )
        if "No available agent to submit job" not in done.stderr:  # the head's job agent is still starting
            break
        time.sleep(2.0)
    return submission, done


def _status(address: str, submission: str) -> str:
    argv = [RAY, "job", "status", "--address", address, submission]
    done = subprocess.run(argv, env=_ray_env(), capture_output=True, text=True, timeout=60, check=True)
    return done.stdout + done.stderr


def _run_of(sessions: SessionFactory, marker: str) -> tuple[BatchRun, int]:
    with sessions() as session:
        run = session.scalars(
            select(BatchRun).where(BatchRun.params["date"].as_string() == marker).order_by(BatchRun.id.desc())
        ).first()
        assert run is not None, f"no batch run for {marker}"
        count = len(session.scalars(select(BatchResult.id).where(BatchResult.run_id == run.id)).all())
        return run, count


def test_ray_job_submit_runs_var_and_stores_its_results(
    ray_head: str, batch_database_url: str, batch_sessions: SessionFactory
) -> None:
    submission, done = _submit(ray_head, "var", "--date", "2026-07-30", "--scenarios", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "batch run" in done.stdout and "succeeded" in done.stdout
    assert f"Job '{submission}' succeeded" in _status(ray_head, submission)
    run, count = _run_of(batch_sessions, "2026-07-30")
    assert run.status == "succeeded" and run.summary is not None and run.summary["scenarios"] == 30
    assert count == 3 * (1 + 2 * 2 + 30)  # books ALL, GOVT, SWAPS: base_pv, var/es x 2 levels, 30 P&Ls


def test_a_ray_job_with_a_date_without_data_fails_and_writes_nothing(
    ray_head: str, batch_database_url: str, batch_sessions: SessionFactory
) -> None:
    submission, done = _submit(ray_head, "var", "--date", "2026-08-02", "--scenarios", "30")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no market data on 2026-08-02 (weekend or market holiday)" in done.stdout + done.stderr
    assert f"Job '{submission}' failed" in _status(ray_head, submission)
    run, count = _run_of(batch_sessions, "2026-08-02")
    assert run.status == "failed" and count == 0


def test_down_stops_every_process_of_the_head_including_its_client_server(
    ray_head_service: RayHeadService,
) -> None:
    s = ray_head_service.settings
    client_port = s.ray_client_server_port
    deadline = time.monotonic() + 60  # `ray start` returns before the client server listens
    while not port_open(s.host, client_port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert port_open(s.host, client_port), f"the head's Ray client server never listened on {client_port}"
    assert ray_head_service._our_pids()

    assert ray_head_service.down()

    assert ray_head_service._our_pids() == []
    for port in (ray_head_service.gcs_port, s.ray_dashboard_port, client_port):
        assert not port_open(s.host, port), f"127.0.0.1:{port} still listens after down"
