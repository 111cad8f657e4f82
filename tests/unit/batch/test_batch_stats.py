"""VaR/ES conventions against a direct sort, and the parsing of confidence levels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cluster.batch.errors import BadRequest
from cluster.batch.stats import parse_confidences, tail_count, tail_risk, worst_scenarios


@pytest.mark.parametrize(
    ("n", "confidence", "k"),
    [(500, 0.99, 5), (500, 0.975, 13), (250, 0.99, 3), (40, 0.95, 2), (10, 0.999, 1)],
)
def test_the_tail_holds_the_ceiling_of_n_times_one_minus_alpha_scenarios(
    n: int, confidence: float, k: int
) -> None:
    assert tail_count(n, confidence) == k


@pytest.mark.parametrize("seed", range(5))
def test_var_and_es_equal_the_kth_worst_loss_and_the_mean_of_the_k_worst(seed: int) -> None:
    pnl = np.random.default_rng(seed).normal(0.0, 1e5, size=500)
    losses = sorted(pnl)
    for confidence in (0.99, 0.975):
        k = math.ceil(500 * (1 - confidence) - 1e-9)
        tail = tail_risk(pnl, confidence)
        assert tail.tail_count == k
        assert tail.var == pytest.approx(-losses[k - 1], rel=1e-12)
        assert tail.es == pytest.approx(-sum(losses[:k]) / k, rel=1e-12)
        assert tail.es >= tail.var


def test_a_book_that_only_gains_has_a_negative_var() -> None:
    assert tail_risk([1.0, 2.0, 3.0, 4.0], 0.75).var == -1.0


def test_worst_scenarios_come_worst_first_with_their_labels() -> None:
    assert worst_scenarios([5.0, -3.0, 1.0, -7.0], ["a", "b", "c", "d"], 2) == [("d", -7.0), ("b", -3.0)]


def test_confidences_parse_and_bad_ones_say_what_is_expected() -> None:
    assert parse_confidences("0.99, 0.975") == (0.99, 0.975)
    for text in ("", "99", "0.99,x", "1"):
        with pytest.raises(BadRequest, match="confidence"):
            parse_confidences(text)
