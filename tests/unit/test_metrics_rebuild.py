"""The rebuild's pure parts: every table classified, the order records are replayed in, the handlers replayed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition
from tandem_metrics.main import SPEC
from tandem_metrics.models import Base
from tandem_metrics.rebuild.service import rebuilt_handlers
from tandem_metrics.rebuild.sources import _Merge
from tandem_metrics.rebuild.tables import FACTS, PROJECTIONS, SETTINGS, swapped_tables, unclassified
from tandem_shared.events import REGISTRY


def test_every_metrics_table_says_whether_a_rebuild_replays_keeps_or_skips_it() -> None:
    assert unclassified() == set(), "classify new tables in tandem_metrics/rebuild/tables.py"
    groups = [set(PROJECTIONS), set(FACTS), set(SETTINGS)]
    assert sum(map(len, groups)) == len(set().union(*groups)), "a table is in two groups"
    assert {t.name for t in swapped_tables()} == {*PROJECTIONS, *FACTS}
    for name, derived in FACTS.items():
        columns = Base.metadata.tables[name].columns
        assert "updated_at" in columns and all(c in columns and columns[c].nullable for c in derived), name


def test_inbound_signals_are_facts_not_replayed() -> None:
    replayed = rebuilt_handlers(SPEC.handlers)
    assert replayed and all(REGISTRY[name].channel is None for name in replayed)
    assert set(SPEC.handlers) - set(replayed) == {
        "metrics.signal.incident.v1", "metrics.signal.outage.v1", "metrics.signal.csat.v1"}


def _records(*pairs: tuple[int, int]) -> list[SimpleNamespace]:
    return [SimpleNamespace(offset=offset, timestamp=ts, value=b"") for offset, ts in pairs]


def test_records_of_many_partitions_come_out_in_publication_order() -> None:
    people, bookings = TopicPartition("t.capacity", 0), TopicPartition("t.capacity", 1)
    merge = _Merge([people, bookings])
    merge.add(bookings, _records((0, 20), (1, 40)))
    # The other partition is still being read and has nothing buffered: it may hold something earlier.
    assert merge.take(waiting_for={people}) == []
    merge.add(people, _records((0, 10), (1, 30)))
    taken = merge.take(waiting_for={people})
    assert [(m.partition, m.offset) for m in taken] == [(0, 0), (1, 0), (0, 1)]
    assert [(m.partition, m.offset) for m in merge.take(waiting_for=set())] == [(1, 1)]


def test_equal_times_keep_partition_order_and_each_partition_its_own_order() -> None:
    a, b = TopicPartition("t.change", 0), TopicPartition("t.change", 2)
    merge = _Merge([a, b])
    merge.add(b, _records((5, 7), (6, 7)))
    merge.add(a, _records((3, 7), (4, 1)))  # a broker's timestamps may step back within a partition
    assert [(m.partition, m.offset) for m in merge.take(waiting_for=set())] == [(0, 3), (0, 4), (2, 5), (2, 6)]


def test_the_command_reads_the_producers_topics_or_their_outboxes() -> None:
    from tandem_metrics.rebuild.cli import source_of, topics_to_replay
    from tandem_metrics.rebuild.sources import OutboxSource, TopicSource
    from tandem_shared.cli import build_parser, cmd_metrics_rebuild

    args = build_parser().parse_args(["metrics", "rebuild", "--from-outbox", "sqlite+aiosqlite:///c.db", "--json"])
    assert args.func is cmd_metrics_rebuild and args.from_outbox == ["sqlite+aiosqlite:///c.db"] and args.json
    assert topics_to_replay("acme") == ["acme.capacity", "acme.change", "acme.knowledge", "acme.portfolio"]
    assert isinstance(source_of(bootstrap="127.0.0.1:9092", outbox_urls=[], prefix="acme"), TopicSource)
    assert isinstance(source_of(bootstrap=None, outbox_urls=["sqlite+aiosqlite:///c.db"], prefix="acme"),
                      OutboxSource)
    with pytest.raises(SystemExit, match="no broker"):
        source_of(bootstrap=None, outbox_urls=[], prefix="acme")
