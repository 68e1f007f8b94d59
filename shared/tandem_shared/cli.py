"""The `tandem` command: run the platform or one service, migrate, mint tokens, seed, watch events."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tandem_shared.settings import SERVICES, platform_settings

if TYPE_CHECKING:  # imported where used, so `tandem --help` stays quick
    from rich.progress import Progress
    from starlette.types import ASGIApp

    from tandem_shared.broker import DevelopmentBroker
    from tandem_shared.dlq import DeadLetter, ReplayOutcome
    from tandem_shared.status import ServiceStatus
    from tandem_shared.supervisor import Backoff, Supervisor

log = logging.getLogger("tandem")
T = TypeVar("T")


def _configure_logging(service: str | None = None) -> None:
    """TANDEM_LOG_FORMAT: json lines (production) or text (development); TANDEM_LOG_LEVEL; secrets masked."""
    from tandem_shared.logs import configure_logging

    log_format = os.environ.get("TANDEM_LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("json", "text"):
        raise SystemExit(f"TANDEM_LOG_FORMAT must be json or text, not {log_format!r}")
    configure_logging(log_format, os.environ.get("TANDEM_LOG_LEVEL", "INFO"), service=service)


def _services(names: list[str]) -> list[str]:
    unknown = set(names) - set(SERVICES)
    if unknown:
        raise SystemExit(f"unknown service(s): {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}")
    return names or list(SERVICES)


def cmd_migrate(args: argparse.Namespace) -> None:
    """Upgrade each service's database to the newest migration."""
    from tandem_shared.migrations import upgrade

    for service in _services(args.services):
        upgrade(service)
        print(f"{service}: migrated")


def cmd_token(args: argparse.Namespace) -> None:
    """Print a development token."""
    from datetime import timedelta

    from tandem_shared.auth import mint_dev_token

    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    print(mint_dev_token(platform_settings(), args.sub, roles, name=args.name, ttl=timedelta(hours=args.hours)))


def _start_broker_if_needed() -> DevelopmentBroker | None:
    """Start the bundled broker unless TANDEM_KAFKA_BOOTSTRAP_SERVERS names an external Kafka."""
    if os.environ.get("TANDEM_KAFKA_BOOTSTRAP_SERVERS"):
        return None
    from tandem_shared.broker import DevelopmentBroker

    data_dir = platform_settings().data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    broker = DevelopmentBroker(log_path=data_dir / "broker.log").start()
    os.environ["TANDEM_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap
    platform_settings.cache_clear()
    (data_dir / "broker.address").write_text(broker.bootstrap)
    print(f"development broker (Tansu, memory storage) on {broker.bootstrap}", flush=True)
    return broker


async def _republish(services: list[str]) -> None:
    """A fresh development broker holds nothing: re-send each outbox's retained history (consumers dedupe)."""
    from tandem_shared.db import make_engine
    from tandem_shared.outbox import republish
    from tandem_shared.settings import database_url, service_settings

    for service in services:
        engine = make_engine(database_url(service, service_settings(service), platform_settings()))
        count = await republish(engine)
        await engine.dispose()
        if count:
            log.info("%s: %d retained events queued for re-publication to the new broker", service, count)


def _serve(app: ASGIApp, host: str, port: int, services: list[str], seed_url: str | None,
           dead: Callable[[], str | None] = lambda: None, *, quiet: bool = False) -> bool:
    """Serve until Ctrl-C (or until `dead()` names a service process that exited); False if that happened."""
    import uvicorn

    # Database drivers hand results back from worker threads; a shorter GIL switch interval keeps those
    # hand-offs from waiting behind the event loop's Python work (Python's default is 5 ms).
    sys.setswitchinterval(0.0005)
    config = uvicorn.Config(app, host=host, port=port, lifespan="on", log_level="warning", access_log=False,
                            log_config=None)  # uvicorn's lines go through our handler, in the same format
    server = uvicorn.Server(config)
    lost: list[str] = []

    def _watch() -> None:
        import time

        seeded = seed_url is None
        while not server.should_exit:
            if not seeded and seed_url is not None and server.started:
                seeded = True
                from tandem_shared.seed import seed_once

                try:
                    seed_once(seed_url, platform_settings().data_dir)
                except Exception:  # the platform keeps running without demo data
                    log.exception("loading demo data failed")
            if (service := dead()) is not None:
                log.error("the %s service stopped unexpectedly; stopping Tandem", service)
                lost.append(service)
                server.should_exit = True
            time.sleep(0.1)

    threading.Thread(target=_watch, daemon=True).start()
    if not quiet:
        print(f"Tandem: {', '.join(services)} on http://{host}:{port}  (docs: http://{host}:{port}/<service>/docs; "
              "Ctrl-C stops)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled, after every lifespan has shut down
    return not lost


def cmd_up(args: argparse.Namespace) -> None:
    """Broker, migrations, demo data and all five services behind one address, restarted when they die."""
    from tandem_shared.migrations import upgrade
    from tandem_shared.supervisor import Backoff, BrokerWatch, Supervisor

    _configure_logging()
    broker = _start_broker_if_needed()
    backoff = Backoff.from_environment()
    watch = BrokerWatch(broker, list(SERVICES), backoff) if broker is not None else None
    supervisor = Supervisor(None, watch).start()
    try:
        for service in SERVICES:
            upgrade(service)
        if broker is not None:
            asyncio.run(_republish(list(SERVICES)))
        seed_url = None if args.no_seed else f"http://{args.host}:{args.port}"
        if args.single_process:
            from tandem_shared.gateway import create_gateway

            gateway = create_gateway()
            _serve(gateway, args.host, args.port, list(SERVICES), seed_url)
            problems = list(gateway.stop_failures)
        else:
            problems = _serve_processes(args.host, args.port, seed_url, supervisor, backoff)
    finally:
        if watch is not None:
            watch.stop()
        if broker is not None:
            broker.stop()
        supervisor.close()
    if watch is not None and watch.down_at_stop:
        problems.append("the bundled broker was down at the stop, so events written since it died stay in the "
                        "outboxes")
    during = f"; during the run {'; '.join(supervisor.incidents())}" if supervisor.incidents() else ""
    if problems:
        # Nothing is lost even so: the inbox and the outbox take up on the next start whatever was left.
        raise SystemExit(f"Tandem stopped, not cleanly: {'; '.join(problems)}{during}. What was not committed or "
                         "published is taken up again on the next start.")
    if during:
        print(f"Tandem stopped: consumers committed, outboxes drained{during}", flush=True)
    else:
        print("Tandem stopped cleanly: consumers committed, outboxes drained", flush=True)


def _serve_processes(host: str, port: int, seed_url: str | None, supervisor: Supervisor,
                     backoff: Backoff) -> list[str]:
    """Each service in its own process (both cores work), one address in front; what did not stop cleanly."""
    from tandem_shared.proxy import ProxyGateway
    from tandem_shared.supervisor import ServiceProcesses

    processes = ServiceProcesses(list(SERVICES), backoff).start()
    supervisor.processes = processes  # from now on a service that dies is restarted
    try:
        processes.wait_ready()
        _serve(ProxyGateway(processes.upstreams), host, port, list(SERVICES), seed_url)
    except KeyboardInterrupt:
        pass  # Ctrl-C while the services were starting: they stop as after serving
    finally:
        problems = processes.stop()
    return problems


def cmd_serve(args: argparse.Namespace) -> None:
    """One service alone, with the same paths it has behind the gateway."""
    from tandem_shared.gateway import Gateway, load_service_app
    from tandem_shared.migrations import upgrade

    _configure_logging(args.service)
    broker = _start_broker_if_needed()
    try:
        if not args.no_migrate:
            upgrade(args.service)
        if broker is not None:
            asyncio.run(_republish([args.service]))
        gateway = Gateway({args.service: load_service_app(args.service)})
        _serve(gateway, args.host, args.port, [args.service], None, quiet=args.quiet)
    finally:
        if broker is not None:
            broker.stop()
    if gateway.stop_failures:  # the exit code tells `tandem up`'s supervisor, which has the reason logged
        failures = "; ".join(gateway.stop_failures)
        raise SystemExit(1 if args.quiet else f"{args.service} stopped, not cleanly: {failures}")
    if not args.quiet:
        print(f"{args.service} stopped cleanly: consumer committed, outbox drained", flush=True)


def cmd_worker(args: argparse.Namespace) -> None:
    """Relay and consumer of one service without HTTP (for TANDEM_<SERVICE>_RUN_WORKERS=false web replicas)."""
    import signal

    from tandem_shared.gateway import freeze_startup_heap, load_service_app

    _configure_logging(args.service)
    app = load_service_app(args.service, workers=True)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with app.router.lifespan_context(app):
            metrics = None
            if args.metrics_port is not None:
                from prometheus_client import start_http_server

                # A thread of prometheus-client's: the worker has no HTTP server of its own, and a scrape reads only
                # figures the relay and consumer keep (no await, no database).
                metrics, _ = start_http_server(args.metrics_port, addr=args.metrics_host,
                                               registry=app.state.metrics_registry)
                log.info("%s worker metrics on http://%s:%d/%s/internal/metrics", args.service, args.metrics_host,
                         metrics.server_port, args.service)
            freeze_startup_heap()
            log.info("%s worker running (relay and consumer)", args.service)
            try:
                await stop.wait()
            finally:
                if metrics is not None:
                    metrics.shutdown()

    asyncio.run(_run())


def _progress(label: str, show: bool) -> Progress:
    """A progress bar on stderr for long work (off when stderr is not a terminal, or with --no-progress)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                    TimeElapsedColumn(), console=Console(stderr=True), disable=not (show and sys.stderr.isatty()))


def cmd_seed(args: argparse.Namespace) -> None:
    """Load the demo organisation through the HTTP API."""
    from tandem_shared.seed import PHASES, seed

    _configure_logging()
    with _progress("loading demo data", not args.no_progress) as bar:
        task = bar.add_task("", total=len(PHASES))

        def phase(name: str) -> None:
            bar.update(task, completed=PHASES.index(name), description=name)

        counts = seed(args.url, progress=phase)
        bar.update(task, completed=len(PHASES), description="done")
    print(json.dumps(counts) if args.json else "demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def cmd_events_tail(args: argparse.Namespace) -> None:
    """Print events as they pass, decoded."""
    from aiokafka import AIOKafkaConsumer

    from tandem_shared.events import CloudEvent, topic_of

    address_file = platform_settings().data_dir / "broker.address"
    bootstrap = args.bootstrap or os.environ.get("TANDEM_KAFKA_BOOTSTRAP_SERVERS") or (
        address_file.read_text().strip() if address_file.exists() else None)
    if not bootstrap:
        raise SystemExit("no broker: run `make run` first, set TANDEM_KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap")
    topics = args.topic or [topic_of(s, platform_settings().kafka_topic_prefix) for s in SERVICES]

    async def _tail() -> None:
        consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap,
                                    group_id=f"tandem-tail-{uuid.uuid4().hex[:8]}", enable_auto_commit=False,
                                    auto_offset_reset="earliest" if args.from_beginning else "latest")
        await consumer.start()
        try:
            async for message in consumer:
                try:
                    event = CloudEvent.from_bytes(message.value)
                    line = {"topic": message.topic, "partition": message.partition, "offset": message.offset,
                            "type": event.type, "subject": event.subject, "time": event.time.isoformat(),
                            "actor": event.actor, "correlationid": event.correlationid, "data": event.data}
                except Exception as exc:  # noqa: BLE001 - show what it is, keep tailing
                    line = {"topic": message.topic, "offset": message.offset, "undecodable": str(exc)}
                print(json.dumps(line, default=str), flush=True)
        finally:
            await consumer.stop()

    try:
        asyncio.run(_tail())
    except KeyboardInterrupt:
        pass


def cmd_events_catalogue(args: argparse.Namespace) -> None:
    """Print the event catalogue (Markdown) from the registered contracts."""
    from tandem_shared.catalogue import render_catalogue

    text = render_catalogue()
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)


def cmd_outbox_republish(args: argparse.Namespace) -> None:
    """Queue each service's retained events for publication again."""
    from tandem_shared.outbox import republish

    _configure_logging()
    services = _services(args.services)
    counts: dict[str, int] = {}
    with _progress("queueing retained events", not args.no_progress) as bar:
        task = bar.add_task("", total=len(services))
        for service in services:
            bar.update(task, description=service)
            counts[service] = asyncio.run(_on_outbox(service, republish))
            bar.advance(task)
    if args.json:
        print(json.dumps(counts))
        return
    for service, count in counts.items():
        print(f"{service}: {count} retained events queued for publication")


async def _on_outbox(service: str, work: Callable[..., Awaitable[T]], *args: object, **kwargs: object) -> T:
    """Run one outbox query against a service's database."""
    from tandem_shared.db import make_engine
    from tandem_shared.settings import database_url, service_settings

    engine = make_engine(database_url(service, service_settings(service), platform_settings()))
    try:
        return await work(engine, *args, **kwargs)
    finally:
        await engine.dispose()


def cmd_outbox_parked(args: argparse.Namespace) -> None:
    """List the outbox rows the relay parked: refused by the broker too often, no longer sent."""
    from tandem_shared.outbox import list_parked

    rows = asyncio.run(_on_outbox(args.service, list_parked, limit=args.limit))
    if args.json:
        print(json.dumps(rows, default=str))
        return
    if not rows:
        print(f"{args.service}: no parked outbox rows")
        return
    for row in rows:
        print(f"seq {row['seq']}  {row['event_type']}  key {row['key']}  parked {row['parked_at']:%Y-%m-%d %H:%M:%S}"
              f"  after {row['attempts']} attempts: {row['last_error']}")
    print(f"{args.service}: {len(rows)} parked; after fixing the cause: tandem outbox unpark {args.service} "
          "--seq N (or --all)")


def cmd_outbox_unpark(args: argparse.Namespace) -> None:
    """Put parked outbox rows back to pending, so the relay sends them again (in order, per key)."""
    from tandem_shared.outbox import unpark

    count = asyncio.run(_on_outbox(args.service, unpark, None if args.all else args.seq))
    print(json.dumps({"unparked": count}) if args.json else f"{args.service}: {count} outbox rows back to pending")


def _broker_address(explicit: str | None) -> str:
    """The broker: --bootstrap, TANDEM_KAFKA_BOOTSTRAP_SERVERS, or the address `tandem up` left in the data folder."""
    address_file = platform_settings().data_dir / "broker.address"
    bootstrap = explicit or platform_settings().kafka_bootstrap_servers or (
        address_file.read_text().strip() if address_file.exists() else None)
    if not bootstrap:
        raise SystemExit("no broker: run `make run` first, set TANDEM_KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap")
    return bootstrap


async def _with_dead_letters(service: str, bootstrap: str, ids: list[str] | None = None, *,
                             replay_them: bool = False) -> tuple[list[DeadLetter], list[ReplayOutcome], list[str]]:
    """The service's dead letters (those with `ids`, else all) and, with `replay_them`, the replay outcomes."""
    import importlib

    from tandem_shared.dlq import find, list_dead_letters, replay
    from tandem_shared.events import dead_letter_topic_of
    from tandem_shared.runtime import ServiceRuntime
    from tandem_shared.settings import service_settings

    spec = importlib.import_module(f"tandem_{service}.main").SPEC
    # Nothing is started: the runtime gives the service's database, handlers and topic prefix as the consumer has them.
    runtime = ServiceRuntime(service, handlers=spec.handlers, settings=service_settings(service),
                             platform=platform_settings())
    try:
        letters = await list_dead_letters(runtime.sessionmaker, service, bootstrap=bootstrap,
                                          topic=dead_letter_topic_of(service, runtime.topic_prefix))
        missing: list[str] = []
        if ids is not None:
            letters, missing = find(letters, ids)
        elif replay_them:
            letters = [letter for letter in letters if letter.replayable]
        outcomes = await replay(runtime.sessionmaker, runtime.handlers, letters, bootstrap=bootstrap) \
            if replay_them else []
        return letters, outcomes, missing
    finally:
        await runtime.stop()


def cmd_dlq_list(args: argparse.Namespace) -> None:
    """List a service's dead letters: why each failed and whether it can be replayed."""
    from tandem_shared.dlq import table

    letters, _, _ = asyncio.run(_with_dead_letters(args.service, _broker_address(args.bootstrap)))
    if args.json:
        print(json.dumps([letter.to_json() for letter in letters]))
        return
    print(table(letters))
    if any(letter.replayable for letter in letters):
        print(f"after fixing the cause: tandem dlq replay {args.service} --id EVENT_ID (or --all)")


def cmd_dlq_show(args: argparse.Namespace) -> None:
    """Show one dead letter: its headers, the reason and the original message."""
    from tandem_shared.dlq import describe

    letters, _, missing = asyncio.run(_with_dead_letters(args.service, _broker_address(args.bootstrap), [args.id]))
    if missing:
        raise SystemExit(f"{args.service}: no dead letter {args.id}")
    print(json.dumps(letters[0].to_json(with_message=True)) if args.json else describe(letters[0]))


def cmd_dlq_replay(args: argparse.Namespace) -> None:
    """Apply dead-lettered events through their handler once the cause is fixed (each at most once)."""
    _configure_logging()
    _, outcomes, missing = asyncio.run(_with_dead_letters(
        args.service, _broker_address(args.bootstrap), None if args.all else args.id, replay_them=True))
    results = [{"id": o.letter.id, "outcome": o.outcome, "detail": o.detail} for o in outcomes]
    results += [{"id": wanted, "outcome": "not_found", "detail": "no such dead letter"} for wanted in missing]
    if args.json:
        print(json.dumps(results))
    else:
        for result in results:
            print(f"{result['id']}  {result['outcome']}" + (f": {result['detail']}" if result["detail"] else ""))
        counts = {name: sum(r["outcome"] == name for r in results) for name in ("applied", "skipped")}
        print(f"{args.service}: {counts['applied']} applied, {counts['skipped']} skipped, "
              f"{len(results) - sum(counts.values())} not applied")
    if any(r["outcome"] not in ("applied", "skipped") for r in results):
        raise SystemExit(1)


def cmd_status(args: argparse.Namespace) -> None:
    """Each service's database revision, outbox backlog, parked rows, inbox, dead letters and consumer lag."""
    from tandem_shared.settings import database_url, service_settings
    from tandem_shared.status import service_status

    platform = platform_settings()
    address_file = platform.data_dir / "broker.address"
    bootstrap = None if args.no_broker else (args.bootstrap or platform.kafka_bootstrap_servers or (
        address_file.read_text().strip() if address_file.exists() else None))

    async def _all() -> list[ServiceStatus]:
        services = _services(args.services)
        settings = {service: service_settings(service) for service in services}
        return list(await asyncio.gather(*(
            service_status(service, database_url(service, settings[service], platform, create=False),
                           settings[service], platform, bootstrap) for service in services)))

    statuses = asyncio.run(_all())
    if args.json:
        print(json.dumps([status.to_json() for status in statuses]))
    else:
        _print_status(statuses, bootstrap)
    if any(not status.reachable for status in statuses):
        raise SystemExit(1)


def _print_status(statuses: list[ServiceStatus], bootstrap: str | None) -> None:
    """A rich table of `tandem status`, with what needs a look in yellow or red."""
    from rich.console import Console
    from rich.table import Table

    from tandem_shared.outbox import PENDING_COUNT_CAP

    def number(value: int | None, *, bad: str = "yellow", cap: int | None = None) -> str:
        if value is None:
            return "[dim]–[/]"
        text = f"{value:,}" + ("+" if cap is not None and value >= cap else "")
        return f"[{bad}]{text}[/]" if value else text

    table = Table(title="Tandem status (outbox: pending, oldest pending, parked; inbox: applied, dead letters)",
                  title_justify="left")
    for column in ("service", "revision", "pending", "oldest", "parked", "applied", "dead", "lag"):
        table.add_column(column, justify="left" if column in ("service", "revision") else "right", no_wrap=True)
    notes = []
    for status in statuses:
        if status.error:
            notes.append(f"[red]{status.service}[/]: {status.error} ({status.database})")
        if status.broker_error:
            notes.append(f"[yellow]{status.service}[/]: lag unknown: {status.broker_error}")
        if status.note:
            notes.append(f"[yellow]{status.service}[/]: {status.note}")
        revision = "[dim]–[/]" if status.revision is None else (
            f"{status.revision} [green]✓[/]" if status.at_head else f"[yellow]{status.revision} ≠ {status.head}[/]")
        oldest = status.to_json()["outbox_oldest_pending_age_seconds"]
        table.add_row(
            f"[red]{status.service}[/]" if status.error else status.service, revision,
            number(status.outbox_pending, cap=PENDING_COUNT_CAP), "[dim]–[/]" if oldest is None else f"{oldest:,.0f} s",
            number(status.outbox_parked, bad="red"), number(status.inbox_applied, bad="default"),
            number(status.dead_letters, bad="red"),
            "[dim]n/a[/]" if status.consumer_group is None else number(status.consumer_lag))
    console = Console()
    console.print(table)
    for note in notes:
        console.print(note)
    if bootstrap is None:
        console.print("[dim]consumer lag: no broker known (--bootstrap, TANDEM_KAFKA_BOOTSTRAP_SERVERS or `tandem "
                      "up`)[/]")
    if any(status.revision and not status.at_head for status in statuses):
        console.print("revision ≠ head: the database is behind the installed service; tandem migrate SERVICE")
    if any(status.outbox_parked for status in statuses):
        console.print("parked rows: tandem outbox parked SERVICE, then tandem outbox unpark SERVICE --all")
    if any(status.dead_letters for status in statuses):
        console.print("dead letters: tandem dlq list SERVICE, then tandem dlq replay SERVICE --all")


def cmd_metrics_rebuild(args: argparse.Namespace) -> None:
    """Rebuild metrics' projections from the retained events into fresh tables, swapped in when complete."""
    import importlib

    _configure_logging()
    # Imported by name: the shared library depends on no service package.
    rebuild = importlib.import_module("tandem_metrics.rebuild.cli")
    rebuild.run(bootstrap=None if args.from_outbox else _broker_address(args.bootstrap),
                outbox_urls=args.from_outbox or [], show_progress=not args.no_progress, as_json=args.json)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `tandem`."""
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run every service behind one address (embedded default)")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--no-seed", action="store_true", help="do not load the demo organisation")
    up.add_argument("--single-process", action="store_true",
                    help="serve every service in this process (less memory, one core) instead of one process each")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="run one service alone")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-migrate", action="store_true")
    serve.add_argument("--quiet", action="store_true", help="print no banner (as when `tandem up` starts it)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run one service's relay and consumer without HTTP")
    worker.add_argument("service", choices=SERVICES)
    worker.add_argument("--metrics-port", type=int, default=None,
                        help="serve the worker's Prometheus metrics on this port (any path; 0 picks a free one)")
    worker.add_argument("--metrics-host", default="0.0.0.0", help="address of the metrics port")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="upgrade databases to the newest migration")
    migrate.add_argument("services", nargs="*", metavar="SERVICE")
    migrate.set_defaults(func=cmd_migrate)

    token = sub.add_parser("token", help="print a development token")
    token.add_argument("--sub", required=True, help="user id")
    token.add_argument("--roles", default="viewer", help="comma-separated roles")
    token.add_argument("--name", default=None, help="display name")
    token.add_argument("--hours", type=float, default=12)
    token.set_defaults(func=cmd_token)

    seed = sub.add_parser("seed", help="load the demo organisation through the API")
    seed.add_argument("--url", default="http://127.0.0.1:8000")
    seed.add_argument("--no-progress", action="store_true", help="no progress bar")
    seed.add_argument("--json", action="store_true", help="print what was created as JSON")
    seed.set_defaults(func=cmd_seed)

    events = sub.add_parser("events", help="watch or document events").add_subparsers(dest="events_command",
                                                                                      required=True)
    tail = events.add_parser("tail", help="print events as they pass, decoded")
    tail.add_argument("--bootstrap", default=None)
    tail.add_argument("--topic", action="append", help="topic to follow (repeatable); default: every service topic")
    tail.add_argument("--from-beginning", action="store_true")
    tail.set_defaults(func=cmd_events_tail)
    catalogue = events.add_parser("catalogue", help="print the event catalogue in Markdown")
    catalogue.add_argument("--output", default=None)
    catalogue.set_defaults(func=cmd_events_catalogue)

    outbox = sub.add_parser("outbox", help="outbox maintenance").add_subparsers(dest="outbox_command", required=True)
    again = outbox.add_parser("republish", help="publish each service's retained events again")
    again.add_argument("services", nargs="*", metavar="SERVICE")
    again.add_argument("--no-progress", action="store_true", help="no progress bar")
    again.add_argument("--json", action="store_true", help="print the count per service as JSON")
    again.set_defaults(func=cmd_outbox_republish)
    parked = outbox.add_parser("parked", help="list outbox rows the broker refused too often (no longer sent)")
    parked.add_argument("service", choices=SERVICES)
    parked.add_argument("--limit", type=int, default=100)
    parked.add_argument("--json", action="store_true", help="print a JSON list")
    parked.set_defaults(func=cmd_outbox_parked)
    back = outbox.add_parser("unpark", help="put parked outbox rows back to pending once the cause is fixed")
    back.add_argument("service", choices=SERVICES)
    which = back.add_mutually_exclusive_group(required=True)
    which.add_argument("--seq", type=int, action="append", help="the row's seq (repeatable)")
    which.add_argument("--all", action="store_true", help="every parked row")
    back.add_argument("--json", action="store_true", help="print the count as JSON")
    back.set_defaults(func=cmd_outbox_unpark)
    dlq = sub.add_parser("dlq", help="list, show and replay dead letters").add_subparsers(
        dest="dlq_command", required=True)
    listing = dlq.add_parser("list", help="a service's dead letters, why each failed, whether it can be replayed")
    listing.add_argument("service", choices=SERVICES)
    listing.add_argument("--bootstrap", default=None)
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(func=cmd_dlq_list)
    show = dlq.add_parser("show", help="one dead letter: headers, reason and the original message")
    show.add_argument("service", choices=SERVICES)
    show.add_argument("--id", required=True, help="the event id (or dlq@P/O for an undecodable message)")
    show.add_argument("--bootstrap", default=None)
    show.add_argument("--json", action="store_true", help="print a JSON object")
    show.set_defaults(func=cmd_dlq_show)
    again_dead = dlq.add_parser("replay", help="apply dead-lettered events once the cause is fixed (at most once)")
    again_dead.add_argument("service", choices=SERVICES)
    chosen = again_dead.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--id", action="append", help="an event id (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every replayable dead letter")
    again_dead.add_argument("--bootstrap", default=None)
    again_dead.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    again_dead.set_defaults(func=cmd_dlq_replay)
    status = sub.add_parser("status", help="each service's database revision, outbox backlog, parked rows, inbox, "
                            "dead letters and consumer lag (exit status 1 when a database does not answer)")
    status.add_argument("services", nargs="*", metavar="SERVICE")
    status.add_argument("--bootstrap", default=None, help="the broker, for the consumer lag (default: as for the "
                        "services, or the address `tandem up` wrote)")
    status.add_argument("--no-broker", action="store_true", help="do not ask the broker (no consumer lag)")
    status.add_argument("--json", action="store_true", help="print a JSON list, one object per service")
    status.set_defaults(func=cmd_status)
    metrics = sub.add_parser("metrics", help="metrics maintenance").add_subparsers(dest="metrics_command",
                                                                                  required=True)
    rebuilding = metrics.add_parser("rebuild", help="rebuild every metrics projection by replaying the retained "
                                    "events into fresh tables, swapped in when complete")
    rebuilding.add_argument("--bootstrap", default=None, help="the broker (default: as for the services)")
    rebuilding.add_argument("--from-outbox", action="append", metavar="DATABASE_URL",
                            help="read the producers' retained outboxes instead of the topics (repeatable: one URL "
                            "per producing service)")
    rebuilding.add_argument("--no-progress", action="store_true", help="no progress bar")
    rebuilding.add_argument("--json", action="store_true", help="print the outcome as JSON")
    rebuilding.set_defaults(func=cmd_metrics_rebuild)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `tandem` console script."""
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
