"""The compose monitoring profile: Prometheus scrapes every service's metrics path; Grafana loads the dashboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from tandem_shared.prometheus import METRICS_PATH
from tandem_shared.settings import SERVICES

from tests.unit.test_deploy_config import load_compose

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path of a compose service's bind mounts (relative to the repository)."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            found[target] = source.removeprefix("./")
    return found


def test_prometheus_scrapes_each_service_at_its_metrics_path() -> None:
    compose = load_compose()
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    config = yaml.safe_load((ROOT / mounts(prometheus)["/etc/prometheus/prometheus.yml"]).read_text())
    (job,) = config["scrape_configs"]
    (discovery,) = job["dns_sd_configs"]
    assert sorted(discovery["names"]) == sorted(SERVICES) and set(SERVICES) <= set(compose["services"])
    assert discovery["port"] == int(compose["services"]["change"]["ports"][0].rsplit(":", 1)[1])
    (relabel,) = job["relabel_configs"]
    assert relabel["source_labels"] == ["__meta_dns_name"] and relabel["target_label"] == "__metrics_path__"
    for svc in SERVICES:  # Prometheus' default regex (.*) makes ${1} the whole name
        assert re.sub(r"\$\{1\}", svc, relabel["replacement"]) == f"/{svc}{METRICS_PATH}"


def test_grafana_loads_the_dashboard_from_prometheus() -> None:
    compose = load_compose()
    grafana = compose["services"]["grafana"]
    assert grafana["profiles"] == ["monitoring"]
    bound = mounts(grafana)
    provider = yaml.safe_load((ROOT / bound["/etc/grafana/provisioning/dashboards/tandem.yml"]).read_text())
    (files,) = provider["providers"]
    assert bound[files["options"]["path"]] == "deploy/grafana"
    assert (ROOT / "deploy" / "grafana" / "tandem-services.json").is_file()
    sources = yaml.safe_load((ROOT / bound["/etc/grafana/provisioning/datasources/tandem.yml"]).read_text())
    (prometheus,) = sources["datasources"]
    assert prometheus["type"] == "prometheus" and prometheus["isDefault"]
    assert prometheus["url"] == "http://prometheus:9090"
    assert "127.0.0.1:9090:9090" in compose["services"]["prometheus"]["ports"]
    # Only on the host's loopback: neither has the services' authentication in front of it.
    ports = [str(p) for s in ("prometheus", "grafana") for p in compose["services"][s]["ports"]]
    assert all(p.startswith("127.0.0.1:") for p in ports)
