"""ray_cluster.yaml passes Ray's own cluster-config preparation and JSON-schema validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

from core.config import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "ray_cluster.yaml"


def _load(path: Path = CONFIG) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_cluster_config_is_valid_for_ray() -> None:
    prepared = prepare_config(_load())
    validate_config(prepared)
    types = prepared["available_node_types"]
    assert prepared["head_node_type"] == "head"
    assert types["head"]["resources"]["risk_shard"] == 0
    assert types["shard_worker"]["resources"]["risk_shard"] > 0
    assert (
        types["shard_worker"]["min_workers"]
        <= types["shard_worker"]["max_workers"]
        <= prepared["max_workers"]
    )
    assert any("pip install" in c and "rates-risk-engine" in c for c in prepared["setup_commands"])
    assert all(
        "--dashboard-host=127.0.0.1" in c for c in prepared["head_start_ray_commands"] if "--head" in c
    )


def test_validation_rejects_a_broken_config() -> None:
    broken = _load()
    broken["head_node_type"] = "no-such-type"
    with pytest.raises(ValueError, match="head_node_type"):
        validate_config(prepare_config(broken))
