"""The engine's error tree. Every error says what was wrong and what to do.

RiskEngineError
├── ConfigError            settings or environment that cannot work
├── ServiceError           a local service (PostgreSQL, Redis, Kafka, Ray) could not start or be reached
└── ValidationFailed       input (tick, request, file) rejected with a reason
"""

from __future__ import annotations

__all__ = ["ConfigError", "RiskEngineError", "ServiceError", "ValidationFailed"]


class RiskEngineError(Exception):
    """Root of the errors the engine raises on purpose."""


class ConfigError(RiskEngineError):
    """Settings or environment that cannot work."""


class ServiceError(RiskEngineError):
    """A local service could not start or be reached; names the service, the cause and the log file."""

    def __init__(self, service: str, cause: str, log_file: str | None = None) -> None:
        self.service = service
        self.cause = cause
        self.log_file = log_file
        where = f" (log: {log_file})" if log_file else ""
        super().__init__(f"{service}: {cause}{where}")


class ValidationFailed(RiskEngineError):
    """Input rejected with a reason naming the offending field."""
