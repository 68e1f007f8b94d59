"""The incident linking rule without I/O: the source's word, else the latest implementation on a shared CI within
the window, else on the same service; ties by CIs in common, then by id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tandem_metrics.links.rules import ChangeCandidate, IncidentFacts, link_for

OPENED = datetime(2026, 12, 4, 12, tzinfo=UTC)


def change(hours_before: float, cis: set[str] = frozenset(), services: set[str] = frozenset(),
           change_id: uuid.UUID | None = None, project: uuid.UUID | None = None) -> ChangeCandidate:
    return ChangeCandidate(change_id or uuid.uuid4(), OPENED - timedelta(hours=hours_before), frozenset(cis),
                           frozenset(services), project)


def incident(cis: set[str] = frozenset(), service: str | None = None, **cause: uuid.UUID) -> IncidentFacts:
    return IncidentFacts(OPENED, frozenset(cis), service, cause.get("change"), cause.get("project"))


def test_the_latest_implementation_on_a_shared_ci_within_the_window_wins():
    older, newer, elsewhere = change(30, {"db-1"}), change(5, {"db-1", "app-1"}), change(1, {"web-9"})
    link = link_for(incident({"db-1"}, "svc"), [older, newer, elsewhere], 3)
    assert link is not None and link.rule == "same_ci" and link.change_id == newer.change_id
    assert link.ci_ids_in_common == ("db-1",) and link.hours_between == 5 and link.window_days == 3
    assert str(newer.change_id) in link.explanation and "5 h" in link.explanation and "db-1" in link.explanation


def test_outside_the_window_or_after_the_incident_nothing_links():
    assert link_for(incident({"db-1"}), [change(72.01, {"db-1"}), change(-1, {"db-1"})], 3) is None
    assert link_for(incident({"db-1"}), [change(72, {"db-1"})], 3) is not None  # the window's edge is inside
    assert link_for(incident({"db-1"}), [change(30, {"db-1"})], 1) is None  # a 1-day window


def test_a_shared_ci_beats_a_more_recent_change_on_the_service():
    on_ci, on_service = change(40, {"db-1"}), change(2, {"app-7"}, {"svc"})
    link = link_for(incident({"db-1"}, "svc"), [on_ci, on_service], 3)
    assert link is not None and (link.rule, link.change_id) == ("same_ci", on_ci.change_id)


def test_the_same_service_when_no_ci_is_shared():
    on_service, other = change(10, {"app-7"}, {"svc"}), change(2, {"app-8"}, {"other"})
    link = link_for(incident({"db-1"}, "svc"), [on_service, other], 3)
    assert link is not None and (link.rule, link.change_id) == ("same_service", on_service.change_id)
    assert link.ci_ids_in_common == () and "svc" in link.explanation


def test_the_service_id_is_a_ci_too():
    business_service = change(3, {"svc"})
    link = link_for(incident(set(), "svc"), [business_service], 3)
    assert link is not None and link.rule == "same_ci" and link.ci_ids_in_common == ("svc",)


def test_ties_go_to_most_cis_in_common_then_to_the_lowest_id():
    low, high = uuid.UUID(int=1), uuid.UUID(int=2)
    one, two = change(4, {"a"}, change_id=low), change(4, {"a", "b"}, change_id=high)
    assert link_for(incident({"a", "b"}), [one, two], 3).change_id == high  # type: ignore[union-attr]
    same_a, same_b = change(4, {"a"}, change_id=high), change(4, {"a"}, change_id=low)
    assert link_for(incident({"a"}), [same_a, same_b], 3).change_id == low  # type: ignore[union-attr]


def test_the_source_named_cause_wins_and_a_change_brings_its_project():
    project, named = uuid.uuid4(), change(500, {"x"}, project=uuid.uuid4())
    link = link_for(incident({"db-1"}, change=named.change_id), [change(1, {"db-1"})], 3, {named.change_id: named})
    assert link is not None and (link.rule, link.change_id, link.project_id) == ("source", named.change_id,
                                                                                 named.project_id)
    assert link.hours_between == 500 and link.window_days is None
    go_live = link_for(incident({"db-1"}, project=project), [], 3)
    assert go_live is not None and (go_live.change_id, go_live.project_id) == (None, project)
    ruled = link_for(incident({"db-1"}), [change(1, {"db-1"}, project=project)], 3)
    assert ruled is not None and ruled.project_id == project
