"""Implementation-caused disruption in a project's status and register: the weights, the bands at their thresholds,
the automatic issue."""

from __future__ import annotations

import pytest
from tandem_portfolio.disruption import rules
from tandem_portfolio.status import rules as status
from tandem_portfolio.status.rules import Rag


def _incidents(*priorities: str) -> list[rules.Incident]:
    return [rules.Incident(f"INC{n}", p, f"same CI as CHG{n}") for n, p in enumerate(priorities)]


def test_incidents_weigh_as_metrics_weighs_them() -> None:
    assert rules.WEIGHTS == {"P1": 10, "P2": 5, "P3": 2, "P4": 1}
    assert rules.points(_incidents("P1", "P2", "P3", "P4")) == 18
    assert rules.points([]) == 0


@pytest.mark.parametrize(("points", "colour"), [(0, "green"), (4, "green"), (5, "amber"), (9, "amber"),
                                                (10, "red"), (25, "red")])
def test_disruption_bands_at_the_thresholds(points: int, colour: str) -> None:
    assert rules.colour(points) == colour
    disruption = status.Disruption(points, 1, "words") if points else None
    assert status.resources([], 0, None, disruption).colour == Rag(colour)


def test_resources_show_the_disruption_and_its_explanation() -> None:
    caused = _incidents("P2", "P4")
    words = rules.describe(caused)
    assessment = status.resources([], 0, None, status.Disruption(rules.points(caused), len(caused), words))
    assert assessment.colour == Rag.AMBER
    assert assessment.facts["implementation_disruption"] == {"points": 6, "incidents": 2}
    assert "implementation-caused disruption: 2 incident(s) caused by the project's go-live weigh 6 point(s)" \
        in assessment.explanation
    assert "INC0 (P2): same CI as CHG0" in assessment.explanation
    assert status.resources([]).facts["implementation_disruption"] is None


@pytest.mark.parametrize(("priorities", "impact"), [(("P4",), 2), (("P3", "P3"), 2), (("P2",), 3), (("P1",), 4),
                                                     (("P2", "P2"), 4)])
def test_an_issue_while_disruption_is_above_zero(priorities: tuple[str, ...], impact: int) -> None:
    issue = rules.issue(_incidents(*priorities))
    assert issue is not None and (issue.title, issue.impact) == ("Go-live caused incidents", impact)
    assert issue.explanation == rules.describe(_incidents(*priorities))
    assert rules.issue([]) is None
