"""Event propagation on the embedded default: approval committed → booking visible through the capacity API.

Usage: .venv/bin/python bench/propagation.py [--approvals 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import embedded_platform, headers, machine

RM = headers("bench-rm", "resource_manager")
REQ = headers("bench-requester", "requester")
CAB = headers("bench-cab", "cab_member")
MANAGER = headers("bench-manager", "change_manager")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=500)
    parser.add_argument("--single-process", action="store_true",
                        help="`tandem up --single-process`: every service in one process (default: one process each)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run on fresh PostgreSQL databases on this server, e.g. postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with (embedded_platform(args.postgres, *(["--single-process"] if args.single_process else [])) as url,
          httpx.Client(base_url=url, timeout=10) as client):
        person = client.post("/capacity/v1/people", headers=RM, json={
            "name": "Bench Person", "team": "Bench", "skills": [], "weekly_hours": 40}).json()["id"]
        groups = client.get("/change/v1/approver-groups", headers=MANAGER).json()["items"]
        managers = next(g for g in groups if g["name"] == "Change managers")  # low risk: one approval from it
        client.patch(f"/change/v1/approver-groups/{managers['id']}", headers=MANAGER,
                     json={"members": ["bench-cab"]}).raise_for_status()
        base = datetime(2030, 1, 7, tzinfo=UTC)
        changes = []
        for i in range(args.approvals):
            start = base + timedelta(hours=2 * i)
            body = {"title": f"Bench change {i}", "type": "normal", "assignee_id": person, "effort_hours": 1,
                    "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=1)).isoformat()}
            while (r := client.post("/change/v1/changes", headers=REQ, json=body)).status_code == 422:
                time.sleep(0.01)  # change has not heard of the person yet
            change = r.json()
            client.post(f"/change/v1/changes/{change['id']}/submit", headers=REQ).raise_for_status()
            client.post(f"/change/v1/changes/{change['id']}/assess", headers=MANAGER).raise_for_status()
            changes.append((change["id"], start))
        latencies = []
        for change_id, start in changes:
            window = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
            client.post(f"/change/v1/changes/{change_id}/approve", headers=CAB).raise_for_status()
            committed = time.perf_counter()
            while True:
                items = client.get(f"/capacity/v1/people/{person}/bookings", headers=RM, params=window).json()["items"]
                if items:
                    latencies.append((time.perf_counter() - committed) * 1000)
                    break
                time.sleep(0.002)  # poll every 2 ms without starving the platform's event loop
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        print(f"machine: {machine()}  database: {'PostgreSQL' if args.postgres else 'SQLite'}  "
              f"processes: {'one' if args.single_process else 'one per service'}")
        print(f"date: {datetime.now(UTC).date().isoformat()}")
        print(f"approvals: {len(latencies)}")
        print(f"propagation ms: p50 {p(0.50):.1f}  p90 {p(0.90):.1f}  p99 {p(0.99):.1f}  max {latencies[-1]:.1f}  "
              f"mean {statistics.fmean(latencies):.1f}")


if __name__ == "__main__":
    main()
