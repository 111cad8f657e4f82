"""Local services manager: PostgreSQL, Redis and Apache Kafka on loopback, for `make demo` and `make test`.

Each service runs from this project's state folder (``RISK_STATE_DIR``, default ``.local/``): its data,
its log file and a pid file recording exactly what this manager started. ``up`` installs what is missing
(Debian packages with apt, Kafka jars from Maven Central), starts what is not running, waits until every
service answers, and reuses what already runs; ``down`` stops only processes recorded in the pid files.

    python -m cluster.services up|down|status
"""

from __future__ import annotations

from cluster.services.manager import ServiceManager

__all__ = ["ServiceManager"]
