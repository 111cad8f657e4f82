"""`riskctl --help` lists the commands; settings read RISK_* variables and validate them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from cluster.cli import app
from core.config import Settings


def test_riskctl_help_lists_services() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "services" in result.output


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISK_REDIS_PORT", "6390")
    monkeypatch.setenv("RISK_API_TOKEN", "s3cret")
    s = Settings()
    assert s.redis_url == "redis://127.0.0.1:6390/0"
    assert s.api_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)


def test_settings_reject_bad_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISK_KAFKA_PORT", "70000")
    with pytest.raises(ValidationError, match="kafka_port"):
        Settings()


def test_interpolation_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from typing import get_args

    from pricing.conventions import INTERPOLATIONS

    assert get_args(Settings.model_fields["interpolation"].annotation) == INTERPOLATIONS
    assert Settings().interpolation == "linear_zero"
    monkeypatch.setenv("RISK_INTERPOLATION", "loglinear_discount")
    assert Settings().interpolation == "loglinear_discount"
    monkeypatch.setenv("RISK_INTERPOLATION", "cubic")
    with pytest.raises(ValidationError, match="interpolation"):
        Settings()
