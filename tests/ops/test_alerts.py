"""The example alerts (deploy/prometheus/alerts.yml) are well formed and name only metrics
the service exports; promtool checks them too where it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import ticketflow.metrics  # noqa: F401 - registers the process's own metrics
from ticketflow.api.exporter import ReadModelCollector

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
GAUGES = {
    "ticketflow_queue_tickets",
    "ticketflow_queue_oldest_open_seconds",
    "ticketflow_mail_set_aside",
    "ticketflow_tickets_past_deadline",
    "ticketflow_early_warning_tickets",
    "ticketflow_read_model_up",
}


def exported() -> set[str]:
    names = set(GAUGES)
    suffixes = {"counter": ["_total"], "histogram": ["_count", "_sum", "_bucket"]}
    for family in REGISTRY.collect():
        if family.name.startswith("ticketflow_"):
            names |= {family.name + suffix for suffix in suffixes.get(family.type, [""])}
    return names


def test_the_gauges_listed_here_are_the_collector_s() -> None:
    source = Path(ReadModelCollector.__module__.replace(".", "/") + ".py")
    text = (Path(__file__).resolve().parents[2] / source).read_text()
    assert set(re.findall(r'"(ticketflow_[a-z_]+)"', text)) == GAUGES


def test_every_alert_is_complete_and_names_exported_metrics() -> None:
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 6
    known = exported()
    for rule in alerts:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        for name in re.findall(r"\b(ticketflow_[a-z_]+)", rule["expr"]):
            assert name in known, (rule["alert"], name)
    wanted = {"TicketflowMailFailed", "TicketflowMailUnconfirmed", "TicketflowQuarantineGrowing"}
    wanted |= {"TicketflowFirstLineOldestPastAnHour", "TicketflowBreachesRising"}
    assert wanted <= {rule["alert"] for rule in alerts}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_rules_and_the_scrape_configuration() -> None:
    for command in (["check", "rules", "alerts.yml"], ["check", "config", "prometheus.yml"]):
        done = subprocess.run(
            ["promtool", *command], cwd=DEPLOY, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
