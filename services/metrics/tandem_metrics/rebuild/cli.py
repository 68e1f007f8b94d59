"""`tandem metrics rebuild`: the rebuild from the retained topics (or outboxes), with a progress bar."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tandem_shared.events import REGISTRY
from tandem_shared.settings import database_url, platform_settings, service_settings

from tandem_metrics.main import SPEC
from tandem_metrics.rebuild.service import RebuildFailed, RebuildReport, rebuild, rebuilt_handlers
from tandem_metrics.rebuild.sources import EventSource, OutboxSource, TopicSource


def topics_to_replay(prefix: str) -> list[str]:
    """The topics of the event types a rebuild replays (the producers' topics; not the inbound one)."""
    return sorted({REGISTRY[name].topic_under(prefix) for name in rebuilt_handlers(SPEC.handlers)})


def source_of(*, bootstrap: str | None, outbox_urls: Sequence[str], prefix: str) -> EventSource:
    """The producers' outboxes when their database URLs are given, else the topics on the broker."""
    topics = topics_to_replay(prefix)
    if outbox_urls:
        return OutboxSource(outbox_urls, topics, rebuilt_handlers(SPEC.handlers))
    if not bootstrap:
        raise SystemExit("no broker: set TANDEM_KAFKA_BOOTSTRAP_SERVERS, pass --bootstrap, or --from-outbox URLs")
    return TopicSource(bootstrap, topics)


async def _run(source: EventSource, url: str, *, show: bool) -> RebuildReport:
    console = Console(stderr=True)
    columns = (TextColumn("rebuilding metrics"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
               TimeElapsedColumn(), TextColumn("{task.fields[rate]}"))
    with Progress(*columns, console=console, disable=not show, transient=False) as bar:
        task = bar.add_task("replay", total=None, rate="")
        clock = asyncio.get_running_loop().time
        started = clock()

        def progress(done: int, total: int) -> None:
            elapsed = clock() - started
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f}/s" if elapsed > 0 else "")

        try:
            return await rebuild(url, source, SPEC.handlers, progress=progress)
        finally:
            await source.close()


def run(*, bootstrap: str | None, outbox_urls: Sequence[str], show_progress: bool, as_json: bool) -> None:
    """Rebuild the metrics database of this environment; print what was done (exit 1 if it did not swap)."""
    platform = platform_settings()
    url = database_url("metrics", service_settings("metrics"), platform)
    source = source_of(bootstrap=bootstrap, outbox_urls=outbox_urls, prefix=platform.kafka_topic_prefix)
    try:
        report = asyncio.run(_run(source, url, show=show_progress and sys.stderr.isatty()))
    except RebuildFailed as exc:
        raise SystemExit(f"metrics rebuild stopped, the live tables are unchanged: {exc}") from None
    summary = {
        "read": report.read, "applied": report.applied, "duplicates": report.duplicates,
        "dead_lettered_skipped": report.dead_lettered, "ignored": report.ignored, "undecodable": report.undecodable,
        "caught_up_during_swap": report.caught_up, "marked_in_inbox": report.marked, "fact_rows_kept": report.facts,
        "fact_rows_caught_up": report.facts_caught_up, "seconds": round(report.seconds, 3),
        "events_per_second": round(report.rate), "tables": report.tables,
    }
    if as_json:
        print(json.dumps(summary))
        return
    print(f"metrics rebuilt from {report.read} events in {report.seconds:.1f}s ({report.rate:,.0f}/s): "
          f"{report.applied} applied, {report.duplicates} duplicates and {report.dead_lettered} dead letters "
          f"skipped, {report.caught_up} caught up while swapping; {report.facts} fact rows kept; "
          f"tables swapped in: {', '.join(report.tables)}")
