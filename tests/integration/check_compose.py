#!/usr/bin/env python3
"""check_compose.py -- static checks of docker/docker-compose.yml and
docker/Dockerfile without a Docker engine: expected services, unique host
ports, existing bind-mount sources and build contexts, healthchecks behind
every service_healthy condition, and the commands the stack depends on.

Usage: check_compose.py SOURCE_DIR. One line per problem; exit 1 if any."""
import copy
import os
import re
import sys

import yaml

EXPECTED = {"kafka", "schema-registry", "topics", "generator", "job", "prometheus", "grafana", "kafka-ui"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def host_port(entry):
    """The published host port of a ports entry, or None when not published."""
    if isinstance(entry, dict):
        p = entry.get("published")
        return str(p) if p is not None else None
    parts = str(entry).split("/")[0].split(":")
    return parts[-2] if len(parts) >= 2 else None


def volume_source(entry):
    if isinstance(entry, dict):
        return entry.get("source"), entry.get("type", "volume") == "bind"
    src = str(entry).split(":")[0]
    return src, src.startswith((".", "/", "~"))


def command_text(svc):
    cmd = svc.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def check_services(doc, compose_dir, fail):
    services = doc.get("services", {})
    for name in sorted(EXPECTED - services.keys()):
        fail(f"service {name!r} is missing")
    seen_ports = {}
    for name, svc in services.items():
        for entry in svc.get("ports", []):
            port = host_port(entry)
            if port is None:
                continue
            if port in seen_ports:
                fail(f"host port {port} is published by both {seen_ports[port]!r} and {name!r}")
            seen_ports[port] = name
        for entry in svc.get("volumes", []):
            src, is_bind = volume_source(entry)
            if is_bind and not os.path.exists(os.path.normpath(os.path.join(compose_dir, src))):
                fail(f"{name}: bind-mounted host path {src} does not exist")
            elif not is_bind and src not in (doc.get("volumes") or {}):
                fail(f"{name}: named volume {src!r} is not declared under volumes:")
        build = svc.get("build")
        if build:
            ctx = os.path.normpath(os.path.join(compose_dir, build.get("context", ".") if isinstance(build, dict) else build))
            dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
            if not os.path.isdir(ctx):
                fail(f"{name}: build context {ctx} does not exist")
            elif not os.path.isfile(os.path.join(ctx, dockerfile)):
                fail(f"{name}: Dockerfile {dockerfile} does not exist in {ctx}")
        if not svc.get("image") and not build:
            fail(f"{name}: neither image nor build")
        deps = svc.get("depends_on", {})
        for dep, spec in (deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)):
            cond = (spec or {}).get("condition", "service_started")
            if dep not in services:
                fail(f"{name}: depends on unknown service {dep!r}")
            elif cond not in CONDITIONS:
                fail(f"{name}: unknown depends_on condition {cond!r}")
            elif cond == "service_healthy" and "healthcheck" not in services[dep]:
                fail(f"{name}: waits for {dep!r} to be healthy but {dep!r} has no healthcheck")
    return services


def check_commands(services, fail):
    want = {
        "topics": "topics create --brokers kafka:9092",
        "generator": "gen --brokers kafka:9092 --topic clickstream-events --rate 2000 --events 0",
        "job": "run /etc/sluice/clickstream-kafka.yaml --set kafka.bootstrap.servers=kafka:9092",
    }
    for name, fragment in want.items():
        if name in services and fragment not in command_text(services[name]):
            fail(f"{name}: command does not contain {fragment!r}")
    kafka = services.get("kafka", {})
    if not str(kafka.get("image", "")).startswith("apache/kafka"):
        fail("kafka: not the official apache/kafka image")
    if "controller" not in str((kafka.get("environment") or {}).get("KAFKA_PROCESS_ROLES", "")):
        fail("kafka: KAFKA_PROCESS_ROLES has no controller role (not KRaft)")
    if "http.bind=0.0.0.0" not in command_text(services.get("job", {})):
        fail("job: the HTTP endpoint must bind 0.0.0.0 for Prometheus and the healthcheck")


def mount_targets(svc):
    return {str(v).split(":")[1]: str(v).split(":")[0] for v in svc.get("volumes", []) if isinstance(v, str)}


def check_monitoring_mounts(services, src, fail):
    prom = mount_targets(services.get("prometheus", {}))
    for target, source in {"/etc/prometheus/prometheus.yml": "../monitoring/prometheus.yml",
                           "/etc/prometheus/alerts.yml": "../monitoring/alerts.yml",
                           "/etc/prometheus/targets": "../monitoring/compose-targets"}.items():
        if prom.get(target) != source:
            fail(f"prometheus: {target} should mount {source}, mounts {prom.get(target)}")
    graf = mount_targets(services.get("grafana", {}))
    with open(os.path.join(src, "monitoring/grafana/provisioning/dashboards/sluice.yml")) as f:
        path = yaml.safe_load(f)["providers"][0]["options"]["path"]
    if graf.get(path) != "../monitoring/grafana/dashboards":
        fail(f"grafana: the provider reads {path}, which does not mount monitoring/grafana/dashboards")
    if graf.get("/etc/grafana/provisioning") != "../monitoring/grafana/provisioning":
        fail("grafana: /etc/grafana/provisioning does not mount monitoring/grafana/provisioning")
    # Every compose scrape target is a service of the stack.
    for target_file in ("sluice.yml", "generator.yml"):
        with open(os.path.join(src, "monitoring/compose-targets", target_file)) as f:
            for group in yaml.safe_load(f):
                for target in group["targets"]:
                    if target.split(":")[0] not in services:
                        fail(f"compose-targets/{target_file}: {target} is not a compose service")


def check_dockerfile(src, fail):
    with open(os.path.join(src, "docker/Dockerfile")) as f:
        text = f.read()
    stages = re.split(r"(?m)^FROM ", text)[1:]
    if len(stages) < 2 or not all(s.startswith("debian:12-slim") for s in stages):
        fail("Dockerfile: expected a multi-stage build on debian:12-slim")
        return
    runtime = stages[-1]
    if re.search(r"\S+-dev\b", runtime):
        fail("Dockerfile: the runtime stage installs -dev packages")
    user = re.search(r"(?m)^USER\s+(\S+)", runtime)
    if not user or user.group(1) in ("root", "0"):
        fail("Dockerfile: the runtime stage must run as a non-root USER")
    for needed in ('ENTRYPOINT ["sluice"]', "EXPOSE 8081", "/src/jobs/", "/src/avro/"):
        if needed not in runtime:
            fail(f"Dockerfile: runtime stage lacks {needed!r}")
    if "cmake" not in stages[0]:
        fail("Dockerfile: the build stage does not build with cmake")


def run_checks(doc, src):
    problems = []
    services = check_services(doc, os.path.join(src, "docker"), problems.append)
    check_commands(services, problems.append)
    check_monitoring_mounts(services, src, problems.append)
    check_dockerfile(src, problems.append)
    return problems


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "docker/docker-compose.yml")) as f:
        doc = yaml.safe_load(f)
    # The checks must be able to say no: a duplicated port and a missing mount are caught.
    bad = copy.deepcopy(doc)
    bad["services"]["grafana"]["ports"] = ["9090:3000"]
    bad["services"]["prometheus"]["volumes"].append("../monitoring/nope.yml:/etc/nope.yml:ro")
    caught = run_checks(bad, src)
    if not any("9090" in p for p in caught) or not any("nope.yml" in p for p in caught):
        print("FAIL: the checker does not detect a duplicate port or a missing mount:", caught)
        return 1
    problems = run_checks(doc, src)
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"PASS: {len(doc['services'])} services, ports unique, mounts and build context exist")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
