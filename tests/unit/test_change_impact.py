"""Impact analysis: propagation, redundancy (min_up), depth limit, cycles, criticality cut-off."""

import uuid

import pytest
from tandem_change.cmdb.impact_rules import CINode, ImpactGraph, ImpactWalk, analyse_impact


class G:
    """A small graph built by name."""

    def __init__(self) -> None:
        self.graph = ImpactGraph()
        self.ids: dict[str, uuid.UUID] = {}

    def ci(self, name: str, ci_class: str = "server", criticality: int = 3, min_up: int | None = None) -> "G":
        self.ids[name] = uuid.uuid4()
        self.graph.add_node(CINode(self.ids[name], name, ci_class, criticality, min_up))
        return self

    def rel(self, source: str, target: str, type: str = "depends_on") -> "G":
        self.graph.add_relationship(self.ids[source], self.ids[target], type)
        return self

    def impact(self, *affected: str, **kwargs) -> dict[str, int]:
        result = analyse_impact(self.graph, [self.ids[a] for a in affected], **kwargs)
        return {c.name: c.depth for c in result.impacted}


def redundant_app(min_up: int = 2) -> G:
    g = G().ci("app", "application", min_up=min_up).ci("web", "business_service", criticality=1)
    for node in ("n1", "n2", "n3"):
        g.ci(node).rel("app", node, "runs_on")
    return g.rel("web", "app")


def test_outage_flows_from_provider_to_dependents_not_back() -> None:
    g = G().ci("db", "database").ci("app", "application").ci("svc", "business_service").ci("other")
    g.rel("app", "db").rel("svc", "app").rel("app", "other")
    assert g.impact("db") == {"db": 0, "app": 1, "svc": 2}
    assert g.impact("svc") == {"svc": 0}  # a dependent's outage does not take its providers down


def test_redundancy_one_of_three_providers_down_keeps_min_up_two() -> None:
    assert redundant_app().impact("n1") == {"n1": 0}


def test_redundancy_two_of_three_providers_down_breaks_min_up_two() -> None:
    assert redundant_app().impact("n1", "n2") == {"n1": 0, "n2": 0, "app": 1, "web": 2}


def test_redundancy_reconsidered_when_a_second_provider_goes_down_later() -> None:
    g = redundant_app().ci("power").rel("n2", "power")
    # n1 is affected; n2 goes down one level later through its power feed; only then does app lose quorum.
    assert g.impact("n1", "power") == {"n1": 0, "power": 0, "n2": 1, "app": 2, "web": 3}


def test_without_min_up_any_provider_takes_the_ci_down() -> None:
    g = G().ci("app", "application").ci("n1").ci("n2").rel("app", "n1").rel("app", "n2")
    assert g.impact("n2") == {"n2": 0, "app": 1}


def test_depth_limit_stops_the_walk() -> None:
    g = G()
    for i in range(8):
        g.ci(f"c{i}")
    for i in range(1, 8):
        g.rel(f"c{i}", f"c{i - 1}")
    assert g.impact("c0", depth=3) == {"c0": 0, "c1": 1, "c2": 2, "c3": 3}
    assert g.impact("c0", depth=0) == {"c0": 0}
    assert len(g.impact("c0", depth=10)) == 8


@pytest.mark.parametrize("depth", [-1, 11])
def test_depth_outside_zero_to_ten_is_refused(depth: int) -> None:
    g = G().ci("a")
    with pytest.raises(ValueError):
        g.impact("a", depth=depth)


def test_cycles_terminate_and_each_ci_appears_once_at_its_nearest_depth() -> None:
    g = G().ci("a").ci("b").ci("c").rel("b", "a").rel("c", "b").rel("a", "c")
    assert g.impact("a") == {"a": 0, "b": 1, "c": 2}


def test_connects_to_carries_impact_both_ways() -> None:
    g = G().ci("sw1", "network_device").ci("sw2", "network_device").ci("srv").rel("sw1", "sw2", "connects_to")
    g.rel("srv", "sw1")
    assert g.impact("sw2") == {"sw2": 0, "sw1": 1, "srv": 2}
    assert g.impact("sw1") == {"sw1": 0, "sw2": 1, "srv": 1}


def test_criticality_cut_off_lists_only_critical_cis_but_propagates_through_others() -> None:
    g = G().ci("disk", "storage", criticality=4).ci("vm", "virtual_machine", criticality=5)
    g.ci("pay", "business_service", criticality=1).rel("vm", "disk").rel("pay", "vm")
    g.ci("cheap", "business_service", criticality=4).rel("cheap", "vm")
    result = analyse_impact(g.graph, [g.ids["disk"]], max_criticality=2)
    assert [(c.name, c.depth) for c in result.impacted] == [("pay", 2)]
    assert [c.name for c in result.business_services] == ["pay"]
    full = analyse_impact(g.graph, [g.ids["disk"]])
    assert sorted(c.name for c in full.business_services) == ["cheap", "pay"]


def test_results_sorted_by_depth_then_criticality_and_unknown_starts_ignored() -> None:
    g = G().ci("root").ci("low", criticality=5).ci("high", criticality=1).rel("low", "root").rel("high", "root")
    result = analyse_impact(g.graph, [g.ids["root"], uuid.uuid4()])
    assert [c.name for c in result.impacted] == ["root", "high", "low"]


def test_walk_driven_step_by_step_sees_nodes_added_between_steps() -> None:
    # The database loader fills the graph level by level; the walk must use what is there at each step.
    g = G().ci("a").ci("b")
    walk = ImpactWalk(g.graph, [g.ids["a"]], depth=5)
    g.rel("b", "a")
    assert walk.candidates() == [g.ids["b"]]
    assert walk.step() == [g.ids["b"]]
    g.ci("c").rel("c", "b")
    walk.step()
    assert walk.impacted == {g.ids["a"]: 0, g.ids["b"]: 1, g.ids["c"]: 2}


def test_walk_on_bare_ids_lists_the_details_given_at_the_end() -> None:
    # The database loader records only min_up during the walk (ids as the driver returns them) and reads the
    # names of the impacted CIs at the end.
    graph = ImpactGraph()
    graph.min_up.update({"sw": None, "srv": 1, "other": None, "app": None})
    graph.add_relationship("srv", "sw", "depends_on")
    graph.add_relationship("srv", "other", "depends_on")
    graph.add_relationship("app", "sw", "depends_on")
    walk = ImpactWalk(graph, ["sw"], depth=5)
    while not walk.done:
        walk.step()
    assert walk.impacted == {"sw": 0, "app": 1}  # srv keeps one of its two providers
    details = {raw: CINode(uuid.uuid4(), raw, "server", 3) for raw in walk.impacted}
    result = walk.result(details=details)
    assert [(c.id, c.name, c.depth) for c in result.impacted] == [
        (details["sw"].id, "sw", 0), (details["app"].id, "app", 1)]
