"""Multi-node behaviour (``ray.cluster_utils.Cluster``: a head and two worker nodes on this machine): shards
spread over nodes; removing a node moves its shard to the other one and the risk stays correct. The
cluster runs in a subprocess (``multinode_check.py``) so that it never meets this process's Ray."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from batch_support import BATCH_DATABASE

from core.config import PROJECT_ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.ray, pytest.mark.slow]

MULTINODE_REDIS_DB = 12  # nobody else's: the engine tests use 7, the browser tests 9
DAY = "2026-07-31"


@pytest.fixture(scope="module")
def outcome(batch_database_url: str) -> dict[str, Any]:
    script = Path(__file__).with_name("multinode_check.py")
    done = subprocess.run(
        [sys.executable, str(script), BATCH_DATABASE, str(MULTINODE_REDIS_DB), DAY],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_shards_are_spread_over_the_worker_nodes(outcome: dict[str, Any]) -> None:
    nodes = [info["node"] for info in outcome["before"]]
    assert len(set(nodes)) == 2 and set(nodes) == set(outcome["worker_nodes"])
    assert all(info["positions"] > 0 for info in outcome["before"])


def test_a_removed_nodes_shard_restarts_on_the_other_node_and_risk_stays_right(
    outcome: dict[str, Any],
) -> None:
    restarted, survivor = outcome["restarted"], outcome["before"][1]
    assert restarted["node"] != outcome["removed_node"] and restarted["node"] == survivor["node"]
    assert restarted["reconstructed"] == 1 and restarted["positions"] == outcome["before"][0]["positions"]
    reference = outcome["reference"]
    for totals in (outcome["first"], outcome["after"]):
        assert totals["pv"] == pytest.approx(reference["pv"], rel=1e-9)
        assert totals["dv01"] == pytest.approx(reference["dv01"], rel=1e-9)
        assert (totals["n_ok"], totals["n_failed"]) == (reference["n_ok"], reference["n_failed"])
