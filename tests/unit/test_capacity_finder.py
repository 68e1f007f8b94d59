"""The resource finder's ranking: skill match, then proficiency, then free hours, then name."""

from __future__ import annotations

import uuid

from tandem_capacity.views.finder import FULL, NONE, PARTIAL, Candidate, rank, skill_match


def person(name: str, proficiency: int | None, free: float) -> Candidate:
    return Candidate(uuid.uuid5(uuid.NAMESPACE_DNS, name), name, "Platform", proficiency, free, 0)


def test_skill_match_levels():
    assert skill_match(4, 3, True) == FULL and skill_match(2, 3, True) == PARTIAL
    assert skill_match(None, 3, True) == NONE and skill_match(None, 3, False) == FULL


def test_skill_match_outranks_free_hours_which_outrank_names():
    people = [person("Zoe", None, 400), person("Ann", 2, 300), person("Bob", 4, 10), person("Cat", 4, 80),
              person("Dan", 5, 0), person("abe", 4, 80)]
    ranked = [c.name for c in rank(people, min_proficiency=3, skill_wanted=True)]
    # Full matches first (higher proficiency first), then partial, then none.
    assert ranked == ["Dan", "abe", "Cat", "Bob", "Ann", "Zoe"]


def test_without_a_skill_free_hours_decide_then_name():
    people = [person("Bea", None, 20), person("al", 4, 20), person("Cy", None, 35)]
    assert [c.name for c in rank(people, min_proficiency=1, skill_wanted=False)] == ["al", "Cy", "Bea"]
