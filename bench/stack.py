"""Pieces shared by the benchmarks that run the real stack: a database of their own holding a generated
book, the Serve app, the resident memory and CPU time of the whole stack (read from ``/proc``), and the
machine description every result carries.

Everything runs on loopback against the services of ``make services-up``; each benchmark uses its own
database, Redis database and Kafka topics, and removes them afterwards.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluster.ray_env import prepare_ray_environment  # noqa: E402

prepare_ray_environment(None)  # before any benchmark imports Ray: loopback, token auth

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from core.config import Settings  # noqa: E402
from pricing.book_generator import generate_book  # noqa: E402
from pricing.identifiers import cusip_check_digit, isin_from_cusip  # noqa: E402
from secmaster import migrate  # noqa: E402
from secmaster.bulk import import_instruments  # noqa: E402
from secmaster.db import SessionFactory, make_engine, make_session_factory, transaction  # noqa: E402
from secmaster.models import Book  # noqa: E402

RESULTS = ROOT / "bench" / "results"
GENERATED_BOOKS = ("GOVT", "SWAPS-EUR", "SWAPS-USD")


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 1024**2, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1_5_15_min": [round(load, 1) for load in os.getloadavg()],
        "note": "shared 2-core machine (other jobs running): timings are noisy",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin(settings: Settings, statement: str) -> None:
    engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@contextmanager
def bench_database(settings: Settings, name: str) -> Iterator[str]:
    """A fresh database ``name`` migrated to head; dropped on exit."""
    _admin(settings, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(settings, f"CREATE DATABASE {name}")
    url = make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        for attempt in range(5):  # a backend of another role (e.g. autovacuum) may hold it for a moment
            try:
                _admin(settings, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                break
            except SQLAlchemyError as error:
                if attempt == 4:
                    print(f"[bench] warning: could not drop database {name}: {error}", file=sys.stderr)
                time.sleep(2.0)


def _with_isin(row: dict[str, Any], number: int) -> dict[str, Any]:
    if row["type"] != "bond":
        return row | {"quantity": 1.0}
    body = f"B{number:07d}"
    return row | {"isin": isin_from_cusip(body + cusip_check_digit(body)), "quantity": 1.0}


def load_generated_book(sessions: SessionFactory, size: int, as_of: date, seed: int = 0) -> float:
    """``generate_book(size, as_of, seed)`` into the security master through its bulk-import path (validation,
    positions, change events), in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    rows = generated_rows(size, as_of, seed)
    with transaction(sessions) as session:
        session.add_all(Book(name=name, description="generated bench book") for name in GENERATED_BOOKS)
    with transaction(sessions) as session:
        import_instruments(session, rows)
    return time.perf_counter() - started


def generated_rows(size: int, as_of: date, seed: int = 0) -> list[dict[str, Any]]:
    """The rows of ``generate_book(size, as_of, seed)`` in the book format, each bond with a unique ISIN."""
    return [_with_isin(row, n) for n, row in enumerate(generate_book(size, as_of, seed))]


def session_factory(url: str) -> SessionFactory:
    return make_session_factory(make_engine(url, pool_size=2))


def start_serve(
    database_url: str,
    redis_url: str,
    kafka_bootstrap: str,
    events_topic: str,
    max_ongoing_requests: int | None = None,
) -> str:
    """The Serve app (Ray must be initialised) on a free loopback port, or on the proxy already running;
    returns its base URL. ``max_ongoing_requests`` overrides the deployment's (Ray's default is 5)."""
    from typing import cast

    from ray import serve
    from ray.serve.context import _get_global_client

    from serve_app import AppArgs, RiskDeployment, build_app

    serve.start(http_options={"host": "127.0.0.1", "port": free_port()})
    args = {
        "database_url": database_url,
        "redis_url": redis_url,
        "kafka_bootstrap": kafka_bootstrap,
        "events_topic": events_topic,
    }
    if max_ongoing_requests is None:
        application = build_app(args)
    else:
        deployment: Any = cast(Any, RiskDeployment).options(max_ongoing_requests=max_ongoing_requests)
        application = deployment.bind(AppArgs.model_validate(args).model_dump())
    serve.run(application, name="bench", route_prefix="/")
    return f"http://127.0.0.1:{_get_global_client().http_config.port}"


# --- /proc ---------------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError):
                continue
    return parents


def process_tree(roots: list[int]) -> list[int]:
    """``roots`` and all their descendants that still run."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    seen: list[int] = []
    todo = [pid for pid in roots if os.path.exists(f"/proc/{pid}")]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.append(pid)
            todo.extend(children.get(pid, []))
    return seen


def _kb(path: str, field: str) -> int:
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(pids: list[int]) -> dict[str, float]:
    """Summed RSS (counts shared pages once per process: an upper bound) and PSS (shared pages split)."""
    rss = sum(_kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
    pss = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "processes": len(pids)}


def machine_used_mb() -> float:
    """Memory in use on the machine (``MemTotal - MemAvailable``: page cache and other reclaimable memory not
    counted), MB. Its rise while a stack starts is that stack's physical footprint, shared pages once,
    when nothing else on the machine changes meanwhile."""
    return round((_kb("/proc/meminfo", "MemTotal:") - _kb("/proc/meminfo", "MemAvailable:")) / 1024, 1)


def memory_mb_by_role(pids: list[int]) -> dict[str, dict[str, float]]:
    """:func:`memory_mb` per :func:`_role` (the processes of a role summed), largest PSS first."""
    groups: dict[str, list[int]] = {}
    for pid in pids:
        groups.setdefault(_role(pid), []).append(pid)
    by_role = {role: memory_mb(members) for role, members in groups.items()}
    return dict(sorted(by_role.items(), key=lambda item: -item[1]["pss_mb"]))


def _role(pid: int) -> str:
    """What a process of the stack is: a Ray actor's class (``ray::ShardActor.apply`` -> ``ShardActor``),
    a Ray daemon (``raylet``, ``gcs_server``), a service (``redis-server``, ``postgres``, ``java`` for
    Kafka) or ``python`` (the driver and other Python processes)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            argv = cmdline.read().split(b"\0")
    except OSError:
        return "gone"
    first = argv[0].decode(errors="replace")
    if first.startswith("ray::"):
        return first[5:].split(".", 1)[0].split(" ", 1)[0] or "ray"
    name = os.path.basename(first.split(" ", 1)[0]).rstrip(":")
    if name.startswith("python") and len(argv) > 1:
        script = os.path.basename(argv[1].decode(errors="replace"))
        return f"python {script}" if script and not script.startswith("-") else "python"
    return name


def cpu_seconds_by_role(pids: list[int]) -> dict[str, float]:
    """User + system CPU seconds consumed so far by ``pids``, summed per :func:`_role`."""
    totals: dict[str, float] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
        role = _role(pid)
        totals[role] = totals.get(role, 0.0) + ticks / _TICKS
    return totals


def service_pids(settings: Settings) -> dict[str, int]:
    """Main pids of the local PostgreSQL, Redis and Kafka (from the services manager's pid files)."""
    from cluster.services import ServiceManager

    manager = ServiceManager(settings)
    pids = {}
    for name in ("postgresql", "redis", "kafka"):
        pid = manager.services[name].process.pid()
        if pid is not None:
            pids[name] = pid
    return pids
