"""Apache Kafka in KRaft mode from Maven Central jars (no tarball, no Docker), cached in the state folder."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid

from confluent_kafka.admin import AdminClient

from cluster.services.kafka_files import LOG4J2_PROPERTIES, POM_XML, SERVER_PROPERTIES
from cluster.services.process import ManagedProcess, port_open, wait_until
from cluster.services.system import ensure_debian_packages
from core.config import Settings

__all__ = ["KafkaService"]

LOG4J_VERSION = "2.25.4"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


class KafkaService:
    name = "kafka"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.version = settings.kafka_version
        self.root = settings.state_dir / "kafka"
        self.libs = self.root / f"libs-{self.version}"
        self.data_dir = self.root / "data"
        self.properties = self.root / "server.properties"
        self.process = ManagedProcess(
            name=self.name,
            pid_file=settings.state_dir / "run" / "kafka.pid",
            log_file=settings.state_dir / "logs" / "kafka.log",
            marker=str(self.properties),
        )

    def _resolved(self) -> bool:
        return (self.libs / f"org.apache.kafka.kafka_2.13-{self.version}.jar").exists()

    def resolve(self) -> None:
        """Copy the broker's jars from Maven Central (via ~/.m2) once per version."""
        if self._resolved():
            return
        ensure_debian_packages(
            self.name, {"java": "openjdk-17-jre-headless", "mvn": "maven"}, self.process.log_file
        )
        self.root.mkdir(parents=True, exist_ok=True)
        pom = self.root / "pom.xml"
        pom.write_text(POM_XML.substitute(kafka_version=self.version, log4j_version=LOG4J_VERSION))
        staging = self.root / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        print(f"[services] resolving Apache Kafka {self.version} jars from Maven Central", flush=True)
        argv = [
            "mvn", "-B", "-ntp", "-q", "-f", str(pom), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime", f"-DoutputDirectory={staging}", "-Dmdep.prependGroupId=true",
        ]  # fmt: skip
        with self.process.open_log() as log:
            result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
        if result.returncode != 0:
            raise self.process.fail(
                f"Maven could not resolve kafka_2.13:{self.version} (exit {result.returncode})"
            )
        jars = {p.name for p in staging.iterdir()}
        bindings = [j for j in jars if "slf4j-impl" in j or "reload4j" in j or "logback" in j]
        if f"org.apache.kafka.kafka_2.13-{self.version}.jar" not in jars or len(bindings) != 1:
            raise self.process.fail(f"unexpected jar set from Maven: {sorted(jars)}")
        staging.rename(self.libs)

    def _write_config(self) -> None:
        s = self.settings
        self.root.mkdir(parents=True, exist_ok=True)
        self.properties.write_text(
            SERVER_PROPERTIES.substitute(
                host=s.host,
                port=s.kafka_port,
                controller_port=s.kafka_controller_port,
                data_dir=self.data_dir,
            )
        )
        (self.root / "log4j2.properties").write_text(LOG4J2_PROPERTIES)

    def _java(self, main: str, *args: str) -> list[str]:
        return [
            "java", *self.settings.kafka_heap.split(), "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.settings.state_dir / 'logs'}",
            "-cp", f"{self.libs}/*", main, *args,
        ]  # fmt: skip

    def _format(self) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)
        cluster_id = _cluster_id()
        argv = self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(self.properties))
        with self.process.open_log() as log:
            result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
        if result.returncode != 0:
            raise self.process.fail(f"formatting the KRaft log folder failed (exit {result.returncode})")

    def _ready(self) -> bool:
        if not port_open(self.settings.host, self.settings.kafka_port):
            return False
        try:
            admin = AdminClient(
                {"bootstrap.servers": self.settings.kafka_bootstrap, "socket.timeout.ms": 2000}
            )
            metadata = admin.list_topics(timeout=2)
            return bool(metadata.brokers)
        except Exception:
            return False

    def up(self) -> str:
        s = self.settings
        if self.process.running():
            if not wait_until(self._ready, 60):
                raise self.process.fail("our Kafka broker runs but does not answer metadata requests")
            return "running"
        for port in (s.kafka_port, s.kafka_controller_port):
            if port_open(s.host, port):
                raise self.process.fail(
                    f"port {s.host}:{port} is taken by a process this manager did not start; stop it or "
                    "set RISK_KAFKA_PORT / RISK_KAFKA_CONTROLLER_PORT"
                )
        self.resolve()
        self._write_config()
        self._format()
        self.process.start(self._java("kafka.Kafka", str(self.properties)), cwd=self.root)
        if not wait_until(lambda: self._ready() or not self.process.running(), 120, interval=0.5):
            raise self.process.fail("the broker did not answer within 120 s")
        if not self.process.running():
            raise self.process.fail("the broker exited during start-up")
        return "started"

    def down(self) -> bool:
        return self.process.stop(timeout=45)

    def describe(self) -> str:
        return f"kafka {self.version} (KRaft) at {self.settings.kafka_bootstrap}"


def _cluster_id() -> str:
    """A random KRaft cluster id as Kafka's own ``Uuid.randomUuid`` makes it: URL-safe base64 of 16 random
    bytes, never starting with ``-`` (the storage tool would read such an id as an option and fail)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id
