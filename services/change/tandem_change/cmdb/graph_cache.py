"""The CMDB graph held in process, one per database engine, reloaded when the CMDB version moves.

Every transaction that writes CIs or relationships raises `cmdb_version` (`mark_cmdb_changed`), so a walk reads the
version (one single-row query) and uses the cached graph when it has that version, else reloads the whole active
graph in two queries. Each replica checks the version, so none walks a stale graph. The cache hangs off the
engine (weakly), so apps with their own engines, as in tests, never share one.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_change.cmdb.impact_rules import BOTH_WAYS, CINode, ImpactGraph
from tandem_change.cmdb.repository import CMDBVersionRepository, GraphSnapshotRepository

CHANGED_KEY = "cmdb.version"


def mark_cmdb_changed(session: AsyncSession) -> None:
    """Raise the CMDB version once when this transaction commits (however many CIs or relationships it wrote)."""
    UnitOfWork.of(session).before_commit(CHANGED_KEY, _bump)


async def _bump(uow: UnitOfWork) -> None:
    await uow.repo(CMDBVersionRepository).bump()


def has_pending_cmdb_writes(session: AsyncSession) -> bool:
    """Whether this transaction wrote CIs or relationships not yet counted in the version.

    The cache cannot see them.
    """
    return UnitOfWork.of(session).has_before_commit(CHANGED_KEY)


@dataclass(frozen=True)
class CachedGraph:
    """The active CMDB at one version: the walk's graph on raw ids, and each CI's (name, class, criticality)."""

    version: int
    graph: ImpactGraph
    info: dict[Hashable, tuple[str, str, int]]
    postgresql: bool
    nodes: dict[Hashable, CINode] = field(default_factory=dict)  # CINodes already built, by raw id

    def raw_ids(self, ids: Iterable[uuid.UUID]) -> list[Hashable]:
        return list(ids) if self.postgresql else [i.hex for i in ids]

    def details(self, ids: Sequence[Hashable]) -> dict[Hashable, CINode]:
        """Raw id -> CINode (with a uuid.UUID id) for these CIs; built on first use, then kept with the graph."""
        built, missing = self.nodes, [raw for raw in ids if raw not in self.nodes]
        if missing:
            to_uuid = (lambda raw: uuid.UUID(bytes=raw.bytes)) if self.postgresql else (lambda raw: uuid.UUID(hex=raw))
            info, min_up = self.info, self.graph.min_up
            built.update({raw: CINode(to_uuid(raw), *info[raw], min_up[raw]) for raw in missing})
        return {raw: built[raw] for raw in ids}


class GraphCache:
    """The latest graph loaded through one engine; reloads are serialised so concurrent walks load it once."""

    def __init__(self) -> None:
        self.current: CachedGraph | None = None
        self._lock = asyncio.Lock()

    async def graph(self, session: AsyncSession) -> CachedGraph:
        """The graph at the version this session sees, loading it if the cache holds another version."""
        version = await CMDBVersionRepository(session).current()
        cached = self.current
        if cached is not None and cached.version == version:
            return cached
        async with self._lock:
            cached = self.current
            if cached is not None and cached.version == version:
                return cached
            loaded = await _load(session, version)
            # a transaction that started before a newer reload must not push the cache back
            if cached is None or loaded.version > cached.version:
                self.current = loaded
            return loaded


async def _load(session: AsyncSession, version: int) -> CachedGraph:
    repo = GraphSnapshotRepository(session)
    min_up: dict[Hashable, int | None] = {}
    info: dict[Hashable, tuple[str, str, int]] = {}
    for raw, name, ci_class, criticality, up in await repo.nodes():
        min_up[raw] = up
        info[raw] = (name, ci_class, criticality)
    dependents: dict[Hashable, list[Hashable]] = {}
    providers: dict[Hashable, list[Hashable]] = {}
    for source, target, type in await repo.edges():
        if source in min_up and target in min_up:  # a retired CI takes its relationships out of the walk
            dependents.setdefault(target, []).append(source)
            providers.setdefault(source, []).append(target)
            if type == BOTH_WAYS:
                dependents.setdefault(source, []).append(target)
                providers.setdefault(target, []).append(source)
    # Tuples, deduplicated as ImpactGraph's sets would be (min_up counts distinct providers): tuples of ids drop
    # out of the garbage collector's tracking, so a cached graph of ~100,000 containers does not slow every
    # full collection in the process.
    graph = ImpactGraph(min_up=min_up,
                        dependents={k: tuple(dict.fromkeys(v)) for k, v in dependents.items()},  # type: ignore[misc]
                        providers={k: tuple(dict.fromkeys(v)) for k, v in providers.items()})  # type: ignore[misc]
    return CachedGraph(version, graph, info, repo.dialect == "postgresql")


_CACHES: weakref.WeakKeyDictionary[Engine, GraphCache] = weakref.WeakKeyDictionary()


def graph_cache(session: AsyncSession) -> GraphCache:
    """The cache of the engine this session runs on."""
    engine = session.get_bind()
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = GraphCache()
    return cache
