"""The search query language: parsing (lenient), and compilation to FTS5 MATCH and to a PostgreSQL tsquery."""

from __future__ import annotations

import pytest
from tandem_knowledge.search.query import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    AnyOf,
    Phrase,
    Query,
    Word,
    describe,
    pair_groups,
    parse,
    to_fts5,
    to_highlight_tsquery,
    to_pairs_tsquery,
    to_tsquery,
)
from tandem_shared.errors import ValidationProblem


def _q(*groups: tuple, excluded: tuple = ()) -> Query:
    return Query(tuple(AnyOf(tuple(g)) for g in groups), tuple(excluded))


@pytest.mark.parametrize(("text", "expected"), [
    ("restart gateway", _q((Word("restart"),), (Word("gateway"),))),
    ('"disk full" db', _q((Phrase(("disk", "full")),), (Word("db"),))),
    ("vpn -windows", _q((Word("vpn"),), excluded=(Word("windows"),))),
    ('vpn -"split tunnel"', _q((Word("vpn"),), excluded=(Phrase(("split", "tunnel")),))),
    ("expired or revoked", _q((Word("expired"), Word("revoked")))),
    ("a b OR c", _q((Word("a"),), (Word("b"), Word("c")))),
    ("a or b or c", _q((Word("a"), Word("b"), Word("c")))),
    ("a | b", _q((Word("a"), Word("b")))),
    ("kube* x", _q((Word("kube", prefix=True),), (Word("x"),))),
    # Punctuation separates words, as in the index: a hyphenated name is a phrase.
    ("pay-gw-01", _q((Phrase(("pay", "gw", "01")),))),
    ("snake_case", _q((Phrase(("snake", "case")),))),
    # Leniency: an unbalanced quote runs to the end; stray punctuation is dropped; a lone or is a word.
    ('"disk full', _q((Phrase(("disk", "full")),))),
    ('x "', _q((Word("x"),))),
    ("( x ) : *", _q((Word("x"),))),
    ("or", _q((Word("or"),))),
    ("a or", _q((Word("a"),), (Word("or"),))),
    ("a or -b", _q((Word("a"),), (Word("or"),), excluded=(Word("b"),))),
    ("- x", _q((Word("x"),))),
    ("x*y", _q((Phrase(("x", "y")),))),
    ("ku*", _q((Word("ku"),))),  # a two-letter prefix would expand to much of the index: a plain word
    ("kub*", _q((Word("kub", prefix=True),))),
    ('"kube*"', _q((Word("kube"),))),  # no prefixes inside quotes
    ("a a", _q((Word("a"),), (Word("a"),))),
    ("Café naïve", _q((Word("Café"),), (Word("naïve"),))),
])
def test_parse(text: str, expected: Query) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "enter a word"),
    ("   ", "enter a word"),
    ('"" - * : ()', "enter a word"),
    ("|", "enter a word"),
    ("-vpn", "not excluded"),
    ('-"a b" -c', "not excluded"),
])
def test_nothing_to_search_for_is_a_422_naming_q(text: str, message: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        parse(text)
    assert caught.value.status == 422 and caught.value.extensions["errors"][0]["field"] == "q"
    assert message in caught.value.detail


def test_limits() -> None:
    with pytest.raises(ValidationProblem, match="at most"):
        parse("x" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(ValidationProblem, match="words or phrases"):
        parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    assert len(parse(" ".join(f"w{i}" for i in range(MAX_TERMS))).groups) == MAX_TERMS


def test_compiles_to_fts5_with_every_term_quoted() -> None:
    query = parse('restart "payment gateway" kube* expired or revoked -windows -"split tunnel"')
    assert to_fts5(query) == ('("restart" AND "payment gateway" AND "kube" * AND ("expired" OR "revoked")) '
                              'NOT "windows" NOT "split tunnel"')


def test_compiles_to_a_tsquery_keeping_phrases_inside_one_field() -> None:
    query = parse('restart "payment gateway" kube* expired or revoked -windows')
    phrase = ("(('payment':A <-> 'gateway':A) | ('payment':B <-> 'gateway':B) | ('payment':C <-> 'gateway':C) | "
              "('payment':D <-> 'gateway':D))")
    assert to_tsquery(query) == (f"('restart') & ({phrase}) & ('kube':*) & ('expired' | 'revoked') & !'windows'")
    assert to_highlight_tsquery(query) == "'restart' | ('payment' <-> 'gateway') | 'kube':* | 'expired' | 'revoked'"


def test_describe_spells_the_query_out() -> None:
    assert describe(parse('a b or c -"d e" foo*')) == 'a AND (b OR c) AND foo* AND NOT "d e"'


@pytest.mark.parametrize("hostile", [
    '"a" OR b NEAR(c) * :',
    'title:secret NOT x AND (y OR z) ^start',
    "x' & !y | z:* <-> w:A",
    'NEAR("a" "b", 3) {title body}: q + r',
    "\"; DROP TABLE articles; --",
    "a\\\" b'' c\"\"",
    "\x00 x \u200b y",
])
def test_hostile_input_reaches_the_index_only_as_quoted_words(hostile: str) -> None:
    query = parse(hostile)
    words = [w for t in query.terms() + list(query.excluded)
             for w in (t.words if isinstance(t, Phrase) else (t.text,))]
    assert all(w.isalnum() for w in words), words
    fts5, tsquery = to_fts5(query), to_tsquery(query)
    # Outside the quoted words only the compiler's own syntax remains.
    outside_fts5 = fts5
    for word in sorted(set(words), key=len, reverse=True):
        outside_fts5 = outside_fts5.replace(f'"{word}"', "").replace(word, "")
    assert set(outside_fts5) <= set("() ANDOTR*\" "), outside_fts5
    outside_tsquery = tsquery
    for word in sorted(set(words), key=len, reverse=True):
        outside_tsquery = outside_tsquery.replace(f"'{word}'", "")
    assert set(outside_tsquery) <= set("()&|!<->:*ABCD "), outside_tsquery


def test_the_hostile_example_reads_as_words() -> None:
    query = parse('"a" OR b NEAR(c) * :')
    assert query == _q((Word("a"), Word("b")), (Phrase(("NEAR", "c")),))
    assert to_fts5(query) == '(("a" OR "b") AND "NEAR c")'


def test_only_groups_of_phrases_narrow_by_their_pairs() -> None:
    # A word in an `or` group, a lone word and an excluded phrase require no pair; an `or` of phrases one of them.
    query = parse('"a b" "c d" or "e f" "g h" or w x -"y z"')
    assert pair_groups(query) == [(Phrase(("a", "b")),), (Phrase(("c", "d")), Phrase(("e", "f")))]
    assert to_pairs_tsquery([[["a b"]], [["c d"], ["e f"]]]) == "((('a b')) & (('c d') | ('e f'))) | '*'"
    assert to_pairs_tsquery([[["a b", "b c"]]]) == "((('a b' & 'b c'))) | '*'"
    # A phrase without pairs narrows nothing, and its group nothing either.
    assert to_pairs_tsquery([[["a b"]], [["c d"], []]]) == "((('a b'))) | '*'"
    assert to_pairs_tsquery([[[]]]) is None and to_pairs_tsquery([]) is None
    assert pair_groups(parse('w -"y z"')) == []
    # Quotes in a lexeme stay inside the operand.
    assert to_pairs_tsquery([[["it's x"]]]) == "((('it''s x'))) | '*'"
