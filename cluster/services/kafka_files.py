"""The files a single-node KRaft Apache Kafka broker needs: Maven POM, server.properties, Log4j 2 config.

Verified against Kafka 4.3.1 from Maven Central: ``kafka_2.13`` brings the whole broker (its POM lists
every kafka-* module as a runtime dependency), ``kafka.tools.StorageTool`` formats the log folder and
``kafka.Kafka`` runs the broker. The tarball's SLF4J binding (``log4j-slf4j-impl``) is in no POM and is
added here, otherwise the broker logs nothing.
"""

from __future__ import annotations

from string import Template

__all__ = ["LOG4J2_PROPERTIES", "POM_XML", "SERVER_PROPERTIES"]

POM_XML = Template("""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.rates-risk-engine</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${kafka_version}</version>
      <exclusions>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>1.7.36</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-api</artifactId>
      <version>${log4j_version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${log4j_version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>${log4j_version}</version>
    </dependency>
  </dependencies>
</project>
""")

SERVER_PROPERTIES = Template("""# Single-node KRaft broker+controller on loopback (cluster.services).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controller_port}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controller_port}
advertised.listeners=PLAINTEXT://${host}:${port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${data_dir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.retention.hours=48
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
""")

LOG4J2_PROPERTIES = """# Kafka broker logging: INFO to stdout (captured into the service log file)
status = warn
name = rates-risk-engine-kafka
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.target = SYSTEM_OUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.requestchannel.name = kafka.network.RequestChannel$
logger.requestchannel.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
"""
