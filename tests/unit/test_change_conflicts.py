"""Schedule conflicts of a change from gathered facts (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tandem_change.scheduling.conflicts import (
    Blackout,
    Booking,
    ConflictFacts,
    ConflictKind,
    GoLive,
    OtherChange,
    PlannedChange,
    find_conflicts,
)
from tandem_change.scheduling.windows import Interval

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
H = timedelta(hours=1)
WEB, DB, LB = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NAMES = {WEB: "web-01", DB: "db-01", LB: "lb-01"}
ME = uuid.uuid4()
PERSON = uuid.uuid4()


def planned(**kw) -> PlannedChange:
    values = {"id": ME, "start": T0, "end": T0 + 2 * H, "ci_ids": frozenset({WEB}), "assignee_id": PERSON} | kw
    return PlannedChange(**values)


def other(ci: uuid.UUID, start: datetime, end: datetime, *, state: str = "scheduled", via: uuid.UUID | None = None,
          title: str = "Patch the OS", change_id: uuid.UUID | None = None) -> OtherChange:
    return OtherChange(change_id or uuid.uuid4(), title, state, start, end, ci, via)


def kinds(conflicts) -> list[str]:
    return [c.kind.value for c in conflicts]


def test_a_clear_window_has_no_conflicts():
    assert find_conflicts(planned(), ConflictFacts(ci_names=NAMES)) == []


def test_same_ci_overlap_names_the_other_change_and_the_ci():
    o = other(WEB, T0 + H, T0 + 3 * H, title="Upgrade nginx")
    conflicts = find_conflicts(planned(), ConflictFacts(same_ci=[o], ci_names=NAMES))
    assert kinds(conflicts) == ["ci_overlap"]
    c = conflicts[0]
    assert c.other_change_id == o.id and c.ci_id == WEB
    assert "web-01" in c.reason and "Upgrade nginx" in c.reason and str(o.id) in c.reason and "scheduled" in c.reason


def test_only_blocking_states_and_true_overlaps_count_and_never_the_change_itself():
    facts = ConflictFacts(same_ci=[
        other(WEB, T0 + H, T0 + 3 * H, state="new"),
        other(WEB, T0 + H, T0 + 3 * H, state="closed"),
        other(WEB, T0 + 2 * H, T0 + 3 * H),  # starts when ours ends
        other(WEB, T0 - H, T0),  # ends when ours starts
        other(WEB, T0, T0 + H, change_id=ME),
        other(WEB, T0, T0 + H, state="authorize"),
        other(WEB, T0, T0 + H, state="implement"),
    ], ci_names=NAMES)
    assert kinds(find_conflicts(planned(), facts)) == ["ci_overlap", "ci_overlap"]


def test_related_ci_overlap_names_both_cis():
    o = other(DB, T0, T0 + H, via=WEB, title="Failover the database")
    conflicts = find_conflicts(planned(), ConflictFacts(related_ci=[o], ci_names=NAMES))
    assert kinds(conflicts) == ["related_ci_overlap"]
    assert conflicts[0].ci_id == DB and "db-01" in conflicts[0].reason and "web-01" in conflicts[0].reason
    # A related change on a CI that is itself affected is a ci_overlap, reported once by that rule.
    assert find_conflicts(planned(ci_ids=frozenset({WEB, DB})), ConflictFacts(related_ci=[o])) == []


def test_blackouts_say_their_scope():
    facts = ConflictFacts(blackouts=[
        Blackout(uuid.uuid4(), "Year-end freeze", T0 - 24 * H, T0 + 24 * H, "global"),
        Blackout(uuid.uuid4(), "Shop peak", T0 + H, T0 + 5 * H, "service", LB),
        Blackout(uuid.uuid4(), "Later", T0 + 2 * H, T0 + 5 * H, "ci", WEB),
    ], ci_names=NAMES)
    conflicts = find_conflicts(planned(), facts)
    assert kinds(conflicts) == ["blackout", "blackout"]
    assert "Year-end freeze" in conflicts[0].reason and "global" in conflicts[0].reason
    assert "business service lb-01" in conflicts[1].reason and conflicts[1].ci_id == LB


def test_outside_maintenance_window_when_no_occurrence_holds_the_whole_window():
    inside = {WEB: [Interval(T0 - H, T0 + 4 * H)]}
    assert find_conflicts(planned(), ConflictFacts(maintenance=inside)) == []
    partly = {WEB: [Interval(T0 + H, T0 + 4 * H)], DB: []}
    conflicts = find_conflicts(planned(ci_ids=frozenset({WEB, DB})), ConflictFacts(maintenance=partly, ci_names=NAMES))
    assert kinds(conflicts) == ["outside_maintenance_window"] * 2
    assert {c.ci_id for c in conflicts} == {WEB, DB}
    assert "db-01" in conflicts[0].reason  # sorted by CI name
    # A CI without maintenance windows (absent from the map) may change at any time.
    assert find_conflicts(planned(), ConflictFacts(maintenance={DB: []})) == []


def test_assignee_booked_except_by_this_changes_own_booking():
    project = Booking(uuid.uuid4(), "project", "PRJ-7", T0 - H, T0 + H, 8)
    own = Booking(uuid.uuid4(), "change", str(ME), T0, T0 + 2 * H, 2)
    elsewhere = Booking(uuid.uuid4(), "operations", "on-call", T0 + 3 * H, T0 + 5 * H, 2)
    conflicts = find_conflicts(planned(), ConflictFacts(bookings=[own, project, elsewhere]))
    assert kinds(conflicts) == ["assignee_booked"]
    assert conflicts[0].booking_id == project.id and "project PRJ-7" in conflicts[0].reason
    assert find_conflicts(planned(assignee_id=None), ConflictFacts(bookings=[project])) == []


def test_every_kind_together_in_a_stable_order():
    facts = ConflictFacts(
        same_ci=[other(WEB, T0, T0 + H)], related_ci=[other(DB, T0, T0 + H, via=WEB)],
        blackouts=[Blackout(uuid.uuid4(), "Freeze", T0, T0 + H, "global")],
        maintenance={WEB: []}, bookings=[Booking(uuid.uuid4(), "project", "P", T0, T0 + H, 1)], ci_names=NAMES,
        go_lives=[GoLive(uuid.uuid4(), "Portal live", T0, T0 + H, WEB, "ci")],
    )
    assert kinds(find_conflicts(planned(), facts)) == [k.value for k in ConflictKind]


PROJECT, SERVICE = uuid.uuid4(), uuid.uuid4()
DAY = timedelta(days=1)


def go_live(start: datetime, end: datetime, *, target: uuid.UUID = WEB, via: str = "ci") -> GoLive:
    return GoLive(PROJECT, "Portal live", start, end, target, via)


def test_a_go_live_freezes_what_it_touches_for_the_freeze_days_either_side():
    # Our change runs [T0, T0 + 2 h); freezes are half-open like every window: touching ends do not overlap.
    cases = [(T0 - 2 * DAY - H, False), (T0 - 2 * DAY, True), (T0, True), (T0 + 2 * DAY + H, True),
             (T0 + 2 * DAY + 2 * H, False)]
    for start, conflicts in cases:
        found = find_conflicts(planned(), ConflictFacts(go_lives=[go_live(start, start + H)], go_live_freeze=2 * DAY))
        assert kinds(found) == (["project_go_live"] if conflicts else []), (start, found)
    without_freeze = ConflictFacts(go_lives=[go_live(T0 + 2 * H, T0 + 3 * H)], go_live_freeze=timedelta(0))
    assert find_conflicts(planned(), without_freeze) == []


def test_a_go_live_conflict_names_the_project_the_go_live_and_how_it_touches_the_change():
    facts = ConflictFacts(go_lives=[go_live(T0 + DAY, T0 + DAY + 4 * H, target=SERVICE, via="service"),
                                    go_live(T0 + DAY, T0 + DAY + 4 * H)],
                          ci_names={**NAMES, SERVICE: "Customer portal"}, go_live_freeze=2 * DAY)
    conflicts = find_conflicts(planned(), facts)
    assert kinds(conflicts) == ["project_go_live", "project_go_live"]
    assert {c.project_id for c in conflicts} == {PROJECT} and {c.ci_id for c in conflicts} == {WEB, SERVICE}
    reasons = sorted(c.reason for c in conflicts)
    assert reasons[0].startswith("CI web-01 is touched by project") and "business service Customer portal" in \
        reasons[1]
    assert f"project {PROJECT}'s go-live 'Portal live'" in reasons[0] and "freeze of 2 day(s)" in reasons[0]
    assert "2026-12-04 22:00–2026-12-09 02:00 UTC" in reasons[0]  # the window widened by two days either side
    # The same go-live reported twice for the same CI (a row per match) is one conflict.
    twice = ConflictFacts(go_lives=[go_live(T0, T0 + H), go_live(T0, T0 + H)], go_live_freeze=DAY)
    assert len(find_conflicts(planned(), twice)) == 1
