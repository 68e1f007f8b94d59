"""Impact analysis over the CMDB graph (iTop's rule): an outage flows from providers to their dependents.

A relationship "source depends_on / runs_on target" carries impact from target to source; connects_to carries
it both ways. A CI with `min_up` stays up while at least `min_up` of its providers are unimpacted; without
`min_up` it goes down with any provider. The walk is breadth-first, one level per depth, so it can be driven
over an in-memory graph (`analyse_impact`) or over a graph loaded level by level from the database
(`ImpactWalk` with a loader filling the graph before each step).
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_DEPTH = 5
MAX_DEPTH = 10
BUSINESS_SERVICE = "business_service"
BOTH_WAYS = "connects_to"


@dataclass(frozen=True)
class CINode:
    """What the walk needs to know about one CI."""

    id: uuid.UUID
    name: str
    ci_class: str
    criticality: int
    min_up: int | None = None


@dataclass
class ImpactGraph:
    """The part of the CMDB a walk has seen: the CIs it may enter, and who reaches whom.

    Ids are whatever the caller uses consistently (UUIDs in memory; the database driver's raw ids for a walk
    loaded from the database). `nodes` holds the CIs' details for the result; a loader may instead record a CI
    in `min_up` only and give the details of the impacted CIs to `ImpactWalk.result` at the end.
    """

    nodes: dict[Hashable, CINode] = field(default_factory=dict)
    # every CI the walk may enter -> its min_up (None: needs every provider)
    min_up: dict[Hashable, int | None] = field(default_factory=dict)
    # provider -> the CIs its outage reaches
    dependents: dict[Hashable, set[Hashable]] = field(default_factory=dict)
    # CI -> the CIs whose outage reaches it (what min_up counts)
    providers: dict[Hashable, set[Hashable]] = field(default_factory=dict)

    def add_node(self, node: CINode) -> None:
        self.nodes[node.id] = node
        self.min_up[node.id] = node.min_up

    def add_relationship(self, source: Hashable, target: Hashable, type: str) -> None:
        """Source depends on / runs on / connects to target."""
        self.dependents.setdefault(target, set()).add(source)
        self.providers.setdefault(source, set()).add(target)
        if type == BOTH_WAYS:
            self.dependents.setdefault(source, set()).add(target)
            self.providers.setdefault(target, set()).add(source)


@dataclass(frozen=True)
class ImpactedCI:
    """A CI the change takes down, and how many hops from an affected CI (0 = affected itself)."""

    id: uuid.UUID
    name: str
    ci_class: str
    criticality: int
    depth: int


@dataclass(frozen=True)
class ImpactResult:
    """Impacted CIs (most critical and nearest first) and, among them, the business services."""

    depth: int
    impacted: list[ImpactedCI]
    business_services: list[ImpactedCI]


def check_depth(depth: int) -> int:
    """The depth if it is within 0..MAX_DEPTH, else ValueError."""
    if not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"must be between 0 and {MAX_DEPTH}")
    return depth


class ImpactWalk:
    """A breadth-first walk that advances one depth level per `step`; the graph may grow between steps."""

    def __init__(self, graph: ImpactGraph, affected: Iterable[Hashable], depth: int = DEFAULT_DEPTH) -> None:
        self.graph = graph
        self.max_depth = check_depth(depth)
        self.level = 0
        self.impacted: dict[Hashable, int] = {ci: 0 for ci in affected if ci in graph.min_up}
        self.frontier: list[Hashable] = list(self.impacted)

    @property
    def done(self) -> bool:
        return not self.frontier or self.level >= self.max_depth

    def candidates(self) -> list[Hashable]:
        """CIs the current frontier reaches that are not down yet (known nodes only), in a stable order."""
        seen: dict[Hashable, None] = {}
        known, impacted, dependents = self.graph.min_up, self.impacted, self.graph.dependents
        for provider in self.frontier:
            for ci in dependents.get(provider, ()):
                if ci not in impacted and ci in known:
                    seen[ci] = None
        return list(seen)

    def needs_providers(self, candidates: Iterable[Hashable]) -> list[Hashable]:
        """The candidates whose providers must be known before the step (those with min_up)."""
        return [ci for ci in candidates if self.graph.min_up[ci] is not None]

    def step(self, candidates: list[Hashable] | None = None) -> list[Hashable]:
        """Go one level deeper; return the CIs that went down at it."""
        pending = self.candidates() if candidates is None else candidates
        self.level += 1
        # Decided against the previous levels only, so the order within a level does not matter; a CI held up
        # by redundancy is reconsidered when one more of its providers goes down.
        down = [ci for ci in pending if self._goes_down(ci)]
        for ci in down:
            self.impacted[ci] = self.level
        self.frontier = down
        return down

    def _goes_down(self, ci: Hashable) -> bool:
        min_up = self.graph.min_up[ci]
        if min_up is None:
            return True
        up = sum(1 for p in self.graph.providers.get(ci, ()) if p not in self.impacted)
        return up < min_up

    def result(self, max_criticality: int | None = None, details: Mapping[Hashable, CINode] | None = None
               ) -> ImpactResult:
        """The impacted CIs, listing only those with criticality <= max_criticality when given.

        `details` maps each impacted CI's walk id to its CINode (whose `id` is the one listed); default the graph's.
        """
        nodes = self.graph.nodes if details is None else details
        listed = [
            ImpactedCI(node.id, node.name, node.ci_class, node.criticality, depth)
            for ci, depth in self.impacted.items()
            if (node := nodes[ci]) and (max_criticality is None or node.criticality <= max_criticality)
        ]
        listed.sort(key=lambda c: (c.depth, c.criticality, c.name))
        return ImpactResult(
            depth=self.max_depth, impacted=listed,
            business_services=[c for c in listed if c.ci_class == BUSINESS_SERVICE],
        )


def analyse_impact(
    graph: ImpactGraph, affected: Iterable[uuid.UUID], *, depth: int = DEFAULT_DEPTH,
    max_criticality: int | None = None,
) -> ImpactResult:
    """The impact of taking the affected CIs down, over a graph held in memory."""
    walk = ImpactWalk(graph, affected, depth)
    while not walk.done:
        walk.step()
    return walk.result(max_criticality)
