"""Schemathesis over every service: each OpenAPI document, every check, the stateful phase included.

For each service: a SQLite database built by migrations, the app served by uvicorn on 127.0.0.1 (no relay, no
consumer: events wait in the outbox), then `schemathesis run` against its `/<service>/openapi.json` with a fixed
seed (settings in schemathesis.toml), once with a token that may write everything (admin) and, unless
`--no-viewer`, once as a viewer (whose writes must be 403s the document declares). Prints per service and role the
operations, test cases and failures by check as a Markdown table, keeps schemathesis' JSON report and output (a curl
command per failure) under `--report-dir`, and exits 1 on any failure but the two advisory checks: a schema-valid
request rejected by a rule the schema cannot state, or a schema-violating one accepted (`--strict` counts them too).

`make fuzz` runs the short run CI uses; `make fuzz-long` the longer one whose counts docs/fuzzing.md records.

Usage: .venv/bin/python bench/fuzz.py [--services capacity,change] [--max-examples 10] [--seed 1616] [--jobs 2]
       [--phases examples,coverage,fuzzing,stateful] [--viewer-phases examples,coverage,stateful] [--no-viewer]
       [--strict] [--report-dir var/fuzz]
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from tandem_shared.auth import mint_dev_token
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings

SERVICES = ["portfolio", "capacity", "change", "knowledge", "metrics"]
ROOT = Path(__file__).resolve().parent.parent
MIGRATING = threading.Lock()


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A service app on its own migrated SQLite database, served by uvicorn in a thread."""

    def __init__(self, service: str, workdir: Path) -> None:
        self.service = service
        self.port = free_port()
        database_url = f"sqlite+aiosqlite:///{workdir / f'{service}.sqlite3'}"
        with MIGRATING:  # Alembic's `context` is one global: one migration at a time
            upgrade(service, database_url)
        self.platform = PlatformSettings(environment="test", data_dir=workdir)
        settings = service_settings(service).model_copy(update={"database_url": database_url})
        app = importlib.import_module(f"tandem_{service}.main").create_app(
            settings=settings, platform=self.platform, workers=False)
        # log_config=None: uvicorn's errors go to the root logger, which main() points at server.log.
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # The document is built on its first request: built here, schemathesis' load does not time out.
                if httpx.get(f"{self.url}/{self.service}/openapi.json", timeout=60).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.service} did not start on port {self.port}")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, role: str) -> str:
        return mint_dev_token(self.platform, f"fuzz-{role}", [role])


# Checks that judge the request against the document's promises, not the response: a business rule the schema
# cannot state (a date inside the planning horizon, a person that exists, a cursor this list returned) rejects a
# schema-valid request. Reported and listed in docs/fuzzing.md; every other check fails the run.
ADVISORY = {"ST201": "negative_data_rejection", "ST202": "positive_data_acceptance"}


def schemathesis(served: Served, role: str, args: argparse.Namespace, report: Path) -> dict[str, Any]:
    """Run schemathesis against the served app as a role; its JSON report."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(ROOT / "schemathesis.toml"), "run",
        f"{served.url}/{served.service}/openapi.json",
        "--phases", args.phases, "--max-examples", str(args.max_examples),
        "--seed", str(args.seed), "--workers", "1", "--no-color",
        "--header", f"Authorization: Bearer {served.token(role)}",
        "--report", "json", "--report-json-path", str(report),
    ]
    report.unlink(missing_ok=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    output = args.report_dir / f"{report.stem}.txt"
    output.write_text(result.stdout + result.stderr)
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report (exit {result.returncode}); see {output}")
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def counts(data: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """Failures by code that fail the run, and those that are advisory."""
    gating: dict[str, int] = {}
    advisory: dict[str, int] = {}
    for failure in data.get("failures", []):
        target = advisory if failure["code"] in ADVISORY else gating
        target[f"{failure['code']} {failure['title']}"] = int(failure["count"])
    for error in data.get("errors", []):  # the schema did not load, a case could not be generated or sent
        gating[f"error: {error['title']}"] = int(error.get("count", 1))
    return gating, advisory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1616)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--viewer-phases", default="examples,coverage,stateful",
                        help="Phases of the run as a viewer (the writer's run covers the inputs).")
    parser.add_argument("--no-viewer", action="store_true", help="Skip the run as a viewer.")
    parser.add_argument("--strict", action="store_true", help="Advisory checks fail the run too.")
    parser.add_argument("--jobs", type=int, default=1, help="Service runs at a time.")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz")
    args = parser.parse_args()
    args.report_dir.mkdir(parents=True, exist_ok=True)
    # A 500's traceback goes to a file: schemathesis reports the failure with a curl command to replay it.
    logging.basicConfig(filename=args.report_dir / "server.log", filemode="w", level=logging.WARNING, force=True)
    runs = [("admin", args.phases)] + ([] if args.no_viewer else [("viewer", args.viewer_phases)])
    jobs = [(service, role, phases) for service in args.services.split(",") for role, phases in runs]
    print("| service | role | operations | test cases | seconds | failures that fail the run | advisory |")
    print("| --- | --- | --- | --- | --- | --- | --- |", flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda job: run(args, *job), jobs))
    failed = any(gating or (args.strict and advisory) for gating, advisory in rows)
    if failed:
        print(f"\nFailures: schemathesis' output is in {args.report_dir}/<service>-<role>.txt (each with a curl "
              f"command to replay it), the services' logs in {args.report_dir}/server.log.", file=sys.stderr)
    return 1 if failed else 0


def run(args: argparse.Namespace, service: str, role: str, phases: str) -> tuple[dict[str, int], dict[str, int]]:
    """One service as one role: serve it, fuzz it, print its row; the failures that fail the run and the rest."""
    run_args = argparse.Namespace(**{**vars(args), "phases": phases})
    with tempfile.TemporaryDirectory(prefix=f"tandem-fuzz-{service}-") as tmp, Served(service, Path(tmp)) as served:
        data = schemathesis(served, role, run_args, args.report_dir / f"{service}-{role}.json")
    gating, advisory = counts(data)
    operations = (data.get("operations") or {}).get("tested", 0)
    print(f"| {service} | {role} | {operations} | {data['test_cases']['generated']} | "
          f"{data.get('running_time') or 0:.0f} | {_list(gating)} | {_list(advisory)} |", flush=True)
    return gating, advisory


def _list(found: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(found.items())) or "0"


if __name__ == "__main__":
    sys.exit(main())
