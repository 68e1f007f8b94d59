"""Writes deploy/grafana/tandem-services.json, the Grafana dashboard of the services' Prometheus metrics.

Run `python tools/grafana_dashboard.py` after changing it; tests/unit/test_grafana_dashboard.py checks that the
committed file is this script's output, and tests/integration/platform/test_grafana_dashboard.py that every metric
it queries is exported by a running service.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "tandem-services.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SVC = 'service=~"$service"'
# Every worker replica counts the same outbox table, so its figures are taken with max, never summed.
RATE = "$__rate_interval"


class Layout:
    """Places panels left to right in rows of 24 grid columns and numbers them."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.x = self.y = self.row_height = 0

    def row(self, title: str) -> None:
        """Start a new collapsible row."""
        self.y += self.row_height
        self.x = self.row_height = 0
        self.panels.append({"type": "row", "title": title, "collapsed": False, "id": len(self.panels) + 1,
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []})
        self.y += 1

    def add(self, panel: dict[str, Any], width: int, height: int = 8) -> None:
        """Add a panel, wrapping to the next line when the row is full."""
        if self.x + width > 24:
            self.y += self.row_height
            self.x = self.row_height = 0
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": width, "h": height}
        self.panels.append(panel)
        self.x += width
        self.row_height = max(self.row_height, height)


def target(expr: str, legend: str, ref: str = "A") -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def timeseries(title: str, description: str, targets: list[dict[str, Any]], unit: str = "short",
               stack: bool = False) -> dict[str, Any]:
    return {
        "type": "timeseries", "title": title, "description": description, "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "min": 0, "custom": {
            "drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0, "showPoints": "never",
            "stacking": {"mode": "normal" if stack else "none", "group": "A"}}}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }


def stat(title: str, description: str, expr: str, unit: str,
         thresholds: list[tuple[float | None, str]]) -> dict[str, Any]:
    return {
        "type": "stat", "title": title, "description": description, "datasource": DATASOURCE,
        "targets": [target(expr, title)],
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": [
            {"value": value, "color": color} for value, color in thresholds]}}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "background", "graphMode": "area", "textMode": "value"},
    }


def quantiles(metric: str, by: str, selector: str) -> list[dict[str, Any]]:
    return [target(f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{selector}}}[{RATE}])))",
                   f"{{{{{by}}}}} p{int(q * 100)}", ref)
            for q, ref in ((0.5, "A"), (0.95, "B"), (0.99, "C"))]


def dashboard() -> dict[str, Any]:
    """The dashboard as Grafana's JSON model."""
    layout = Layout()
    ok_red = [(None, "green"), (1, "red")]

    layout.row("Overview")
    layout.add(stat("Requests/s", "HTTP requests per second, every selected service.",
                    f"sum(rate(tandem_http_requests_total{{{SVC}}}[{RATE}]))", "reqps", [(None, "blue")]), 4, 4)
    layout.add(stat("5xx ratio", "Share of requests answered with a server error.",
                    f'sum(rate(tandem_http_requests_total{{{SVC},status=~"5.."}}[{RATE}])) / '
                    f"sum(rate(tandem_http_requests_total{{{SVC}}}[{RATE}]))", "percentunit",
                    [(None, "green"), (0.01, "orange"), (0.05, "red")]), 4, 4)
    layout.add(stat("Outbox pending", "Events written but not yet published (relay behind or broker down).",
                    f"sum(max by (service) (tandem_outbox_pending{{{SVC}}}))", "short",
                    [(None, "green"), (100, "orange"), (1000, "red")]), 4, 4)
    layout.add(stat("Outbox parked", "Rows the broker refused too often: `tandem outbox parked SERVICE`.",
                    f"sum(max by (service) (tandem_outbox_parked{{{SVC}}}))", "short", ok_red), 4, 4)
    layout.add(stat("Consumer lag", "Events on the topics not yet applied, every consumer and partition.",
                    f"sum(tandem_consumer_lag{{{SVC}}})", "short",
                    [(None, "green"), (100, "orange"), (1000, "red")]), 4, 4)
    layout.add(stat("Dead letters (1h)", "Events sent to a dead-letter topic in the last hour: `tandem dlq list`.",
                    f"sum(increase(tandem_consumer_dead_letters_total{{{SVC}}}[1h]))", "short", ok_red), 4, 4)

    layout.row("HTTP: rate, errors, duration (RED) per service")
    layout.add(timeseries("Request rate", "Requests per second by service.", [
        target(f"sum by (service) (rate(tandem_http_requests_total{{{SVC}}}[{RATE}]))", "{{service}}")],
        "reqps"), 8)
    layout.add(timeseries("Error ratio", "5xx (server faults) and 4xx (refused requests) as a share of requests.", [
        target(f'sum by (service) (rate(tandem_http_requests_total{{{SVC},status=~"5.."}}[{RATE}])) / '
               f"sum by (service) (rate(tandem_http_requests_total{{{SVC}}}[{RATE}]))", "{{service}} 5xx", "A"),
        target(f'sum by (service) (rate(tandem_http_requests_total{{{SVC},status=~"4.."}}[{RATE}])) / '
               f"sum by (service) (rate(tandem_http_requests_total{{{SVC}}}[{RATE}]))", "{{service}} 4xx", "B")],
        "percentunit"), 8)
    layout.add(timeseries("Duration", "Request duration quantiles by service (histogram).",
                          quantiles("tandem_http_request_duration_seconds", "service", SVC), "s"), 8)
    layout.add(timeseries("Slowest routes (p95)", "The ten route templates with the highest p95 duration.", [
        target(f"topk(10, histogram_quantile(0.95, sum by (service, method, route, le) "
               f"(rate(tandem_http_request_duration_seconds_bucket{{{SVC}}}[{RATE}]))))",
               "{{method}} {{route}}")], "s"), 12)
    layout.add(timeseries("Busiest routes", "The ten route templates with the most requests per second.", [
        target(f"topk(10, sum by (service, method, route) (rate(tandem_http_requests_total{{{SVC}}}[{RATE}])))",
               "{{method}} {{route}}")], "reqps"), 12)

    layout.row("Outbox and relay (producing side)")
    layout.add(timeseries("Pending", "Outbox rows waiting for publication (counted up to 10 000).", [
        target(f"max by (service) (tandem_outbox_pending{{{SVC}}})", "{{service}}")]), 6)
    layout.add(timeseries("Oldest pending age", "How long the oldest unpublished event has waited: the producing "
                          "side's share of propagation.", [
        target(f"max by (service) (tandem_outbox_oldest_pending_age_seconds{{{SVC}}})", "{{service}}")], "s"), 6)
    layout.add(timeseries("Parked", "Rows no longer sent after repeated refusals; unpark once the cause is fixed.", [
        target(f"max by (service) (tandem_outbox_parked{{{SVC}}})", "{{service}}")]), 6)
    layout.add(timeseries("Published/s", "Events the relays published (acknowledged by the broker).", [
        target(f"sum by (service) (rate(tandem_outbox_published_total{{{SVC}}}[{RATE}]))", "{{service}}")]), 6)
    layout.add(timeseries("Relay leaders", "Replicas holding the publishing lease: 1 per service (0: nothing is "
                          "published).", [target(f"sum by (service) (tandem_relay_leader{{{SVC}}})",
                                                 "{{service}}")]), 12)
    layout.add(timeseries("Since the relay's last success", "Seconds since a relay last published or found nothing "
                          "to publish.", [
        target(f"time() - max by (service) (tandem_relay_last_success_timestamp_seconds{{{SVC}}})", "{{service}}")],
        "s"), 12)

    layout.row("Consumers (consuming side)")
    layout.add(timeseries("Lag by partition", "Events on a partition not yet applied and committed.", [
        target(f"sum by (service, topic, partition) (tandem_consumer_lag{{{SVC}}})",
               "{{service}} ← {{topic}}[{{partition}}]")]), 8)
    layout.add(timeseries("Events by outcome", "Consumed events per second: applied, duplicate, ignored, "
                          "dead_lettered.", [
        target(f"sum by (service, outcome) (rate(tandem_consumer_events_total{{{SVC}}}[{RATE}]))",
               "{{service}} {{outcome}}")], "ops", stack=True), 8)
    layout.add(timeseries("Apply duration", "Time to apply one transaction (a batch, or one event).",
                          quantiles("tandem_consumer_apply_duration_seconds", "service", SVC), "s"), 8)
    layout.add(timeseries("Retries and dead letters", "Failures retried (transient: the batch held; deterministic: "
                          "one event, before its dead letter) and messages dead-lettered.", [
        target(f"sum by (service, kind) (rate(tandem_consumer_retries_total{{{SVC}}}[{RATE}]))",
               "{{service}} retry {{kind}}", "A"),
        target(f"sum by (service, kind) (rate(tandem_consumer_dead_letters_total{{{SVC}}}[{RATE}]))",
               "{{service}} dead letter {{kind}}", "B")], "ops"), 8)
    layout.add(timeseries("Consumer health", "1 while the consumer runs and its last batch succeeded.", [
        target(f"min by (service) (tandem_consumer_healthy{{{SVC}}})", "{{service}}")]), 8)
    layout.add(timeseries("Since the consumer's last success", "Seconds since a consumer last applied a batch or "
                          "found nothing new.", [
        target(f"time() - max by (service) (tandem_consumer_last_success_timestamp_seconds{{{SVC}}})",
               "{{service}}")], "s"), 8)

    layout.row("Propagation (one service's event reaching another's projection)")
    layout.add(timeseries("Waiting before publication", "The oldest event not yet published, per producer.", [
        target(f"max by (service) (tandem_outbox_oldest_pending_age_seconds{{{SVC}}})", "{{service}} outbox")],
        "s"), 8)
    layout.add(timeseries("Time to drain the lag", "Consumer lag divided by the rate events are handled: how long "
                          "a new event waits behind the others.", [
        target(f"sum by (service) (tandem_consumer_lag{{{SVC}}}) / "
               f"clamp_min(sum by (service) (rate(tandem_consumer_events_total{{{SVC}}}[5m])), 0.001)",
               "{{service}}")], "s"), 8)
    layout.add(timeseries("Apply p95", "Time a consumer spends applying a transaction, the last step.", [
        target(f"histogram_quantile(0.95, sum by (service, le) "
               f"(rate(tandem_consumer_apply_duration_seconds_bucket{{{SVC}}}[{RATE}])))", "{{service}}")], "s"), 8)

    layout.row("Database pools")
    layout.add(timeseries("Connections in use", "Checked-out connections against the pool size (overflow comes on "
                          "top, up to the size again).", [
        target(f'sum by (service) (tandem_db_pool_connections{{{SVC},state="in_use"}})', "{{service}} in use", "A"),
        target(f"sum by (service) (tandem_db_pool_size{{{SVC}}})", "{{service}} size", "B")]), 12)
    layout.add(timeseries("Overflow", "Connections beyond the pool size: raise TANDEM_<SVC>_DB_POOL_SIZE or add "
                          "replicas within the database's limit.", [
        target(f'sum by (service) (tandem_db_pool_connections{{{SVC},state="overflow"}})', "{{service}}")]), 12)

    return {
        "title": "Tandem services",
        "uid": "tandem-services",
        "description": "RED per service, outbox and relay, consumer lag, propagation and database pools, from each "
                       "service's /<service>/internal/metrics. Generated by tools/grafana_dashboard.py.",
        "tags": ["tandem"],
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-3h", "to": "now"},
        "refresh": "30s",
        "timezone": "utc",
        "graphTooltip": 1,
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0},
            {"name": "service", "label": "Service", "type": "query", "datasource": DATASOURCE,
             "query": {"query": "label_values(tandem_http_requests_total, service)", "refId": "services"},
             "definition": "label_values(tandem_http_requests_total, service)", "refresh": 2, "multi": True,
             "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "sort": 1},
        ]},
        "annotations": {"list": []},
        "links": [],
        "panels": layout.panels,
    }


def render() -> str:
    """The dashboard as the committed JSON text."""
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT}")
