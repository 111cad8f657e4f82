"""PostgreSQL from Debian's packages: a private cluster in the state folder, a `risk` role and database."""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import psycopg2
from psycopg2 import sql

from cluster.services.process import ManagedProcess, port_open, wait_until
from cluster.services.system import ensure_debian_packages, postgres_bin_dir
from core.config import Settings

__all__ = ["PostgresService"]

_OS_USER = "postgres"  # initdb and postgres refuse to run as root


def _traversable_by_others(path: Path) -> bool:
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


class PostgresService:
    name = "postgresql"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.postgres_port
        state = settings.state_dir
        self.as_root = os.geteuid() == 0
        preferred = state / "postgres"
        if self.as_root and not _traversable_by_others(state.parent):
            # the postgres OS user cannot reach a private folder (e.g. a mktemp -d clone): keep the
            # cluster under its home instead, one folder per project state dir
            digest = hashlib.sha1(str(state).encode()).hexdigest()[:12]
            preferred = Path("/var/lib/postgresql/rates-risk-engine") / digest
        self.root = preferred
        self.data_dir = self.root / "data"
        self.superuser_password_file = self.root / "superuser.pw"
        self.process = ManagedProcess(
            name=self.name,
            pid_file=state / "run" / "postgres.pid",
            log_file=state / "logs" / "postgres.log",
            marker=str(self.data_dir),
        )

    @property
    def user(self) -> str | None:
        return _OS_USER if self.as_root else None

    def _chown(self, path: Path) -> None:
        if self.as_root:
            entry = pwd.getpwnam(_OS_USER)
            for dirpath, _dirs, files in os.walk(path):
                os.chown(dirpath, entry.pw_uid, entry.pw_gid)
                for name in files:
                    os.chown(Path(dirpath) / name, entry.pw_uid, entry.pw_gid)

    def _bin(self, tool: str) -> str:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise self.process.fail("no PostgreSQL server binaries under /usr/lib/postgresql")
        return str(bin_dir / tool)

    def install(self) -> None:
        if postgres_bin_dir() is None:
            ensure_debian_packages(self.name, {"/usr/lib/postgresql": "postgresql"}, self.process.log_file)

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a half-made cluster from an interrupted initdb
        self.root.mkdir(parents=True, exist_ok=True)
        self.superuser_password_file.write_text(secrets.token_urlsafe(24))
        self.superuser_password_file.chmod(0o600)
        self._chown(self.root)
        argv = [
            self._bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "-E", "UTF8", "--no-locale",
            "--auth-local=peer", "--auth-host=scram-sha-256", f"--pwfile={self.superuser_password_file}",
        ]  # fmt: skip
        with self.process.open_log() as log:
            result = subprocess.run(
                argv, stdout=log, stderr=subprocess.STDOUT, user=self.user, group=self.user, check=False
            )
        if result.returncode != 0:
            raise self.process.fail(f"initdb failed with exit code {result.returncode}")

    def _connect_admin(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host=self.settings.host,
            port=self.port,
            user="postgres",
            password=self.superuser_password_file.read_text().strip(),
            dbname="postgres",
            connect_timeout=3,
        )

    def _ready(self) -> bool:
        try:
            self._connect_admin().close()
            return True
        except psycopg2.OperationalError:
            return False

    def _ensure_role_and_database(self) -> None:
        s = self.settings
        conn = self._connect_admin()
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (s.postgres_user,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(
                    sql.SQL(verb + " ROLE {} LOGIN CREATEDB PASSWORD %s").format(
                        sql.Identifier(s.postgres_user)
                    ),
                    (s.postgres_password.get_secret_value(),),
                )
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (s.postgres_db,))
                if cur.fetchone() is None:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(s.postgres_db), sql.Identifier(s.postgres_user)
                        )
                    )
        finally:
            conn.close()

    def up(self) -> str:
        """Start (or reuse) the cluster; returns 'started' or 'running'."""
        if self.process.running():
            if not wait_until(self._ready, 30):
                raise self.process.fail("our PostgreSQL process runs but does not accept connections")
            self._ensure_role_and_database()
            return "running"
        if port_open(self.settings.host, self.port):
            raise self.process.fail(
                f"port {self.settings.host}:{self.port} is taken by a process this manager did not start; "
                "stop it or set RISK_POSTGRES_PORT"
            )
        self.install()
        self._initdb()
        self.process.start(
            [
                self._bin("postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-c", f"listen_addresses={self.settings.host}", "-c", "unix_socket_directories=",
                "-c", "max_connections=200", "-c", "shared_buffers=128MB",
            ],
            user=self.user,
            cwd=self.root,
        )  # fmt: skip
        if not wait_until(self._ready, 60):
            if not self.process.running():
                raise self.process.fail("the server exited during start-up")
            raise self.process.fail("the server did not accept connections within 60 s")
        self._ensure_role_and_database()
        return "started"

    def down(self) -> bool:
        return self.process.stop(signal.SIGINT)  # SIGINT = fast shutdown

    def describe(self) -> str:
        s = self.settings
        return f"postgresql://{s.postgres_user}@{s.host}:{self.port}/{s.postgres_db}"
