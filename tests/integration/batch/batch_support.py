"""Names shared by the batch tests and their helper scripts."""

from __future__ import annotations

BATCH_DATABASE = "risk_test_batch"
EMPTY_BOOK = "EMPTY"
