"""The engine's error tree. Every error says what was wrong and what to do.

RiskEngineError
├── ServiceError           a local service (PostgreSQL, Redis, Kafka, Ray) could not start or be reached
└── ...                    each package's own branch (market_replay.errors, secmaster.errors, cluster.batch)

``pricing`` imports nothing of ours and has its own root, ``pricing.errors.PricingError``.
"""

from __future__ import annotations

__all__ = ["RiskEngineError", "ServiceError"]


class RiskEngineError(Exception):
    """Root of the errors the engine raises on purpose."""


class ServiceError(RiskEngineError):
    """A local service could not start or be reached; names the service, the cause and the log file."""

    def __init__(self, service: str, cause: str, log_file: str | None = None) -> None:
        self.service = service
        self.cause = cause
        self.log_file = log_file
        where = f" (log: {log_file})" if log_file else ""
        super().__init__(f"{service}: {cause}{where}")
