#!/usr/bin/env python3
"""check_monitoring.py -- static checks of monitoring/: Prometheus config and
targets, alert rules, Grafana dashboard and provisioning, and that every metric
a query uses is one sluice exports (`sluice metrics`) or a standard one.

Usage: check_monitoring.py SOURCE_DIR SLUICE_BIN. Prints one line per problem
and exits 1 when there is any."""
import json
import os
import re
import subprocess
import sys

import yaml

PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                   "unless", "bool", "offset", "inf", "nan"}
STANDARD_METRICS = {"up"}   # Prometheus' own per-target series


def metric_names(expr):
    """Metric names a PromQL expression selects (functions, label names,
    keywords, strings and durations removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)   # strings
    e = re.sub(r"\{[^}]*\}", " ", e)                                    # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                                   # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        word = m.group(0)
        if e[m.end():].lstrip().startswith("("):
            continue   # a function call
        if word.lower() in PROMQL_KEYWORDS:
            continue
        names.add(word)
    return names


class Checker:
    def __init__(self, src, known):
        self.src, self.known, self.problems = src, known, []

    def fail(self, msg):
        self.problems.append(msg)

    def load_yaml(self, rel):
        path = os.path.join(self.src, rel)
        try:
            with open(path) as f:
                return yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            self.fail(f"{rel}: cannot load: {e}")
            return None

    def check_expr(self, where, expr):
        names = metric_names(expr)
        if not names:
            self.fail(f"{where}: no metric in expression {expr!r}")
        for n in sorted(names):
            if n not in self.known:
                self.fail(f"{where}: metric {n!r} is not exported by sluice (not in `sluice metrics`)")

    def check_prometheus(self):
        conf = self.load_yaml("monitoring/prometheus.yml")
        if not conf:
            return
        jobs = {s.get("job_name"): s for s in conf.get("scrape_configs", [])}
        for job in ("sluice", "sluice-generator"):
            if job not in jobs:
                self.fail(f"monitoring/prometheus.yml: no scrape job {job!r}")
        for rf in conf.get("rule_files", []):
            if not os.path.exists(os.path.join(self.src, "monitoring", rf)):
                self.fail(f"monitoring/prometheus.yml: rule file {rf} does not exist")
        expected = {("targets", "sluice"): "127.0.0.1:8081", ("compose-targets", "sluice"): "job:8081",
                    ("targets", "sluice-generator"): "127.0.0.1:8082",
                    ("compose-targets", "sluice-generator"): "generator:8082"}
        for (folder, job), target in expected.items():
            for sd in jobs.get(job, {}).get("file_sd_configs", []):
                for pattern in sd.get("files", []):
                    rel = "monitoring/" + pattern.replace("targets/", folder + "/", 1)
                    groups = self.load_yaml(rel) or []
                    found = [t for g in groups for t in g.get("targets", [])]
                    if target not in found:
                        self.fail(f"{rel}: expected target {target} for job {job}, found {found}")

    def check_rules(self):
        rules = self.load_yaml("monitoring/alerts.yml")
        if not rules:
            return
        alerts = {}
        for group in rules.get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert", "?")
                alerts[name] = rule
                self.check_expr(f"alerts.yml {name}", rule.get("expr", ""))
                if "severity" not in rule.get("labels", {}):
                    self.fail(f"alerts.yml {name}: no severity label")
                if "summary" not in rule.get("annotations", {}):
                    self.fail(f"alerts.yml {name}: no summary annotation")
        wanted = {"SluiceKafkaConsumerLagGrowing": "deriv(sluice_kafka_consumer_lag[5m])",
                  "SluiceCheckpointsStalled": "time() - sluice_checkpoint_last_completed_timestamp_seconds > 30",
                  "SluiceDeadLettersHigh": "rate(sluice_dead_letters_total",
                  "SluiceWatermarkStalled": "delta(sluice_watermark_seconds[5m]) == 0"}
        for name, fragment in wanted.items():
            if name not in alerts:
                self.fail(f"alerts.yml: alert {name} is missing")
            elif fragment not in alerts[name].get("expr", ""):
                self.fail(f"alerts.yml {name}: expression does not contain {fragment!r}")

    def check_dashboard(self, datasource_uid):
        rel = "monitoring/grafana/dashboards/sluice.json"
        try:
            with open(os.path.join(self.src, rel)) as f:
                dash = json.load(f)
        except (OSError, ValueError) as e:
            self.fail(f"{rel}: cannot load: {e}")
            return
        panels = dash.get("panels", [])
        if len(panels) < 10:
            self.fail(f"{rel}: only {len(panels)} panels")
        ids = [p.get("id") for p in panels]
        if len(set(ids)) != len(ids):
            self.fail(f"{rel}: panel ids are not unique")
        n_exprs = 0
        for p in panels:
            where = f"{rel} panel {p.get('title')!r}"
            if not p.get("title") or "gridPos" not in p:
                self.fail(f"{where}: needs a title and a gridPos")
            for t in p.get("targets", []):
                if t.get("datasource", {}).get("uid") != datasource_uid:
                    self.fail(f"{where}: datasource uid is not the provisioned {datasource_uid!r}")
                self.check_expr(where, t.get("expr", ""))
                n_exprs += 1
        if n_exprs < 10:
            self.fail(f"{rel}: only {n_exprs} queries")
        for needed in ("sluice_kafka_consumer_lag", "sluice_watermark_delay_seconds",
                       "sluice_checkpoint_duration_seconds", "sluice_checkpoint_size_bytes",
                       "sluice_late_events_total", "sluice_dead_letters_total", "sluice_events_in_total",
                       "sluice_latest_window_end_seconds"):
            if needed not in json.dumps(panels):
                self.fail(f"{rel}: no panel shows {needed}")
        # Top pages of the latest window: a live panel on the engine's gauges.
        top = [p for p in panels if p.get("title") == "Top pages of the latest window"]
        exprs = [t.get("expr", "") for p in top for t in p.get("targets", [])]
        if not top or top[0].get("type") not in ("bargauge", "table") or \
                not any("sluice_top_page_views" in e for e in exprs):
            self.fail(f"{rel}: no bar gauge or table 'Top pages of the latest window' querying sluice_top_page_views")

    def check_provisioning(self):
        ds = self.load_yaml("monitoring/grafana/provisioning/datasources/prometheus.yml") or {}
        sources = ds.get("datasources", [])
        if not sources or sources[0].get("type") != "prometheus":
            self.fail("grafana datasources provisioning: no prometheus datasource")
            return None
        prov = self.load_yaml("monitoring/grafana/provisioning/dashboards/sluice.yml") or {}
        if not any(p.get("options", {}).get("path") for p in prov.get("providers", [])):
            self.fail("grafana dashboards provisioning: no provider with a path")
        return sources[0].get("uid")

    def check_docs(self, catalog):
        try:
            with open(os.path.join(self.src, "docs/operations.md")) as f:
                doc = f.read()
        except OSError as e:
            self.fail(f"docs/operations.md: {e}")
            return
        for name in catalog:
            if f"`{name}`" not in doc:
                self.fail(f"docs/operations.md: metric {name} is not documented")


def main():
    src, sluice = sys.argv[1], sys.argv[2]
    out = subprocess.run([sluice, "metrics"], check=True, capture_output=True, text=True).stdout
    catalog = [line.split()[0] for line in out.splitlines() if line.strip()]
    if len(catalog) < 18:
        print(f"FAIL: `sluice metrics` listed only {len(catalog)} metrics")
        return 1
    known = set(catalog) | STANDARD_METRICS

    # The checker must be able to say no: a made-up name is rejected.
    probe = Checker(src, known)
    probe.check_expr("self-test", 'sum by (reason) (rate(sluice_made_up_total{job="sluice"}[5m])) > 1')
    if not probe.problems or metric_names('time() - sluice_x_seconds > 30 and on (job) up') != {"sluice_x_seconds", "up"}:
        print("FAIL: the PromQL metric-name check does not detect unknown metrics")
        return 1

    c = Checker(src, known)
    c.check_prometheus()
    c.check_rules()
    uid = c.check_provisioning()
    c.check_dashboard(uid)
    c.check_docs(catalog)
    for p in c.problems:
        print("FAIL:", p)
    if not c.problems:
        print(f"PASS: prometheus.yml, alerts.yml, dashboard and provisioning use only the {len(known)} known metrics")
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
