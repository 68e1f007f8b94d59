"""Tag normalisation of the knowledge service (pure domain code)."""

from __future__ import annotations

from tandem_knowledge.articles.tags import normalise_tag, normalise_tags


def test_tags_are_trimmed_lower_case_and_unique_in_first_seen_order():
    assert normalise_tags([" Payments ", "gateway", "PAYMENTS", "Gateway", "tls"]) == ["payments", "gateway", "tls"]


def test_a_single_tag_keeps_inner_spaces():
    assert normalise_tag("  Known Error  ") == "known error"
    assert normalise_tags([]) == []
