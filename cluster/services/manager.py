"""Bring the local services up or down as a unit, in dependency order, and report what runs where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cluster.services.kafka import KafkaService
from cluster.services.postgres import PostgresService
from cluster.services.process import ManagedProcess
from cluster.services.ray_head import RayHeadService
from cluster.services.redis_server import RedisService
from cluster.services.replay_feed import ReplayFeed
from core.config import Settings, get_settings

__all__ = ["BACKING_SERVICES", "ServiceManager", "ServiceStatus"]


#: What `up` starts by default; the Ray head and the replay feed are started by `riskctl demo`.
BACKING_SERVICES = ("postgresql", "redis", "kafka")


class Service(Protocol):
    name: str
    process: ManagedProcess

    def up(self) -> str: ...
    def down(self) -> bool: ...
    def describe(self) -> str: ...


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: str  # started | running | stopped | not running
    where: str
    pid: int | None
    log_file: str


class ServiceManager:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.services: dict[str, Service] = {
            "postgresql": PostgresService(self.settings),
            "redis": RedisService(self.settings),
            "kafka": KafkaService(self.settings),
            "ray": RayHeadService(self.settings),
            "replay": ReplayFeed(self.settings),
        }

    def select(self, names: list[str] | None, default: tuple[str, ...] = BACKING_SERVICES) -> list[Service]:
        if not names:
            return [self.services[n] for n in default]
        unknown = [n for n in names if n not in self.services]
        if unknown:
            raise ValueError(f"unknown service(s) {unknown}; choose from {list(self.services)}")
        return [self.services[n] for n in names]

    def _status(self, service: Service, state: str) -> ServiceStatus:
        return ServiceStatus(
            service.name, state, service.describe(), service.process.pid(), str(service.process.log_file)
        )

    def up(self, names: list[str] | None = None) -> list[ServiceStatus]:
        return [self._status(s, s.up()) for s in self.select(names)]

    def down(self, names: list[str] | None = None) -> list[ServiceStatus]:
        chosen = self.select(names, default=tuple(self.services))
        return [self._status(s, "stopped" if s.down() else "not running") for s in reversed(chosen)]

    def status(self) -> list[ServiceStatus]:
        chosen = self.select(None, default=tuple(self.services))
        return [self._status(s, "running" if s.process.running() else "not running") for s in chosen]
