"""Settings for every process of the engine, read from the environment (prefix ``RISK_``) and ``.env``.

Settings are validated once, on first use, through :func:`get_settings`; nothing is built at import
time because Ray workers import these modules too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PROJECT_ROOT", "Settings", "get_settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the engine; defaults suit a single machine on loopback."""

    model_config = SettingsConfigDict(env_prefix="RISK_", env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", description="Address every local service binds to (loopback only).")
    state_dir: Path = Field(
        PROJECT_ROOT / ".local", description="Data, logs and pid files of local services."
    )

    postgres_port: int = Field(15432, ge=1, le=65535)
    postgres_user: str = "risk"
    postgres_password: SecretStr = SecretStr("risk")
    postgres_db: str = "risk"

    redis_port: int = Field(16379, ge=1, le=65535)
    redis_db: int = Field(0, ge=0, le=15)

    kafka_port: int = Field(19092, ge=1, le=65535)
    kafka_controller_port: int = Field(19093, ge=1, le=65535)
    kafka_version: str = "4.3.1"
    kafka_heap: str = "-Xms256m -Xmx768m"

    ray_address: str | None = Field(None, description="Attach to this Ray cluster; None starts a local one.")
    ray_gcs_port: int = Field(6380, ge=1, le=65535, description="GCS port of the local Ray head (demo).")
    ray_dashboard_port: int = Field(8265, ge=1, le=65535)
    ray_client_server_port: int = Field(
        10001, ge=1, le=65535, description="Ray client server of the local Ray head (ray://HOST:PORT)."
    )
    ray_dashboard_agent_port: int = Field(
        52365, ge=1, le=65535, description="Dashboard agent of the local Ray head (one per head per machine)."
    )
    serve_port: int = Field(8000, ge=1, le=65535)

    interpolation: Literal["linear_zero", "loglinear_discount"] = Field(
        "linear_zero",
        description=(
            "Curve interpolation of the real-time engine and the batch jobs (pricing.conventions."
            "INTERPOLATIONS): linear in zero rates, or log-linear in discount factors."
        ),
    )

    api_token: SecretStr = Field(
        SecretStr("dev-token-change-me"),
        description="Bearer token required for writes to the HTTP API. Set RISK_API_TOKEN in production.",
    )

    @property
    def database_url(self) -> str:
        password = self.postgres_password.get_secret_value()
        return (
            f"postgresql+psycopg2://{self.postgres_user}:{password}@{self.host}:"
            f"{self.postgres_port}/{self.postgres_db}"
        )

    @property
    def redis_url(self) -> str:
        return f"redis://{self.host}:{self.redis_port}/{self.redis_db}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def serve_url(self) -> str:
        return f"http://{self.host}:{self.serve_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first call. Tests call ``get_settings.cache_clear()``."""
    return Settings()
