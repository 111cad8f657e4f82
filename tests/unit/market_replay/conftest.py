"""Fixtures of the market replay unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """The CLI commands configure structlog on the stderr of the moment (a CliRunner's, closed after the
    test): put structlog back to its defaults so later tests never log into a closed file."""
    yield
    structlog.reset_defaults()
