"""The search query language: parsed into a small tree, compiled to an FTS5 MATCH expression and to a tsquery.

Syntax (docs/knowledge.md, "Search and query syntax"): words must all match (AND); "quoted phrases" match words in
that order, next to each other, within one field; -word or -"phrase" excludes; `or` between two terms matches
either; `word*` matches words starting with that prefix. Parsing is lenient: an unbalanced quote runs to the end,
punctuation outside words is ignored, an `or` that is not between two terms is an ordinary word.

Words are split the way both indexes split text: a run of letters and digits is a word, everything else separates
(so `pay-gw-01` is the phrase "pay gw 01", as it is in the indexed text). Both compilers emit only these words,
each quoted or reduced to letters and digits, so nothing a user types reaches the FTS5 or tsquery syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tandem_shared.errors import ValidationProblem

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
MIN_PREFIX = 3  # shorter prefixes expand to a large part of the index (slow, and rarely what is meant)

# A word: letters and digits (str.isalnum), as SQLite's unicode61 tokenizer and PostgreSQL's [[:alnum:]] see them.
_WORD = re.compile(r"[^\W_]+")
_OR = frozenset({"or", "|"})
# PostgreSQL keeps each field apart by weight: a phrase must match inside one field, as it does in FTS5's columns.
FIELD_WEIGHTS = ("A", "B", "C", "D")  # title, tags, body, kind
# The lexeme an article's `search_pairs` holds instead of its pairs when they would not fit a tsvector (migration 0006).
PAIRS_OVERFLOW = "*"


@dataclass(frozen=True)
class Word:
    """One word; with `prefix`, any word starting with it."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words next to each other, in this order, in one field."""

    words: tuple[str, ...]


Term = Word | Phrase


@dataclass(frozen=True)
class AnyOf:
    """Terms joined by `or`: one of them must match."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Query:
    """Every group must match (AND) and no excluded term may."""

    groups: tuple[AnyOf, ...]
    excluded: tuple[Term, ...] = ()

    def terms(self) -> list[Term]:
        """The terms that must or may match (not the excluded ones)."""
        return [term for group in self.groups for term in group.terms]


@dataclass(frozen=True)
class _Item:
    term: Term | None  # None: an `or`
    negated: bool = False
    raw_or: bool = False  # written `or`: an ordinary word when it is not between two terms


def _term(text: str, *, quoted: bool) -> Term | None:
    """The term a chunk of input stands for, or None when it holds no word."""
    prefix = not quoted and text.endswith("*")
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    if len(words) > 1:
        return Phrase(words)
    return Word(words[0], prefix=prefix and len(words[0]) >= MIN_PREFIX)


def _lex(text: str) -> list[_Item]:
    """Quoted phrases, words (with a leading - or a trailing *) and `or`s, left to right."""
    items: list[_Item] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        start = i + 1 if negated else i
        if start < n and text[start] == '"':
            end = text.find('"', start + 1)
            end = n if end < 0 else end  # an unbalanced quote runs to the end
            term = _term(text[start + 1:end], quoted=True)
            i = end + 1
        else:
            end = start
            while end < n and not text[end].isspace() and text[end] != '"':
                end += 1
            chunk = text[start:end]
            i = end
            if not negated and chunk.lower() in _OR:
                items.append(_Item(None, raw_or=chunk.lower() == "or"))
                continue
            term = _term(chunk, quoted=False)
        if term is not None:
            items.append(_Item(term, negated))
    return items


def parse(text: str) -> Query:
    """The query a search string stands for; a 422 problem naming `q` when there is nothing to search for."""
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationProblem.field("q", f"at most {MAX_QUERY_LENGTH} characters")
    items = _lex(text)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous item was an `or` placed between two terms
    for index, item in enumerate(items):
        if item.term is None:
            before = items[index - 1] if index else None
            after = items[index + 1] if index + 1 < len(items) else None
            if (before is not None and before.term is not None and not before.negated
                    and after is not None and after.term is not None and not after.negated):
                joining = True
            elif item.raw_or:
                groups.append([Word("or")])  # not between two terms: the word itself
            continue
        if item.negated:
            excluded.append(item.term)
        elif joining and groups:
            groups[-1].append(item.term)
        else:
            groups.append([item.term])
        joining = False
    if not groups:
        message = ("needs a word that is not excluded (-word)" if excluded
                   else "enter a word or a \"phrase\" to search for")
        raise ValidationProblem.field("q", message)
    if sum(len(g) for g in groups) + len(excluded) > MAX_TERMS:
        raise ValidationProblem.field("q", f"at most {MAX_TERMS} words or phrases")
    return Query(tuple(AnyOf(tuple(dict.fromkeys(g))) for g in groups), tuple(dict.fromkeys(excluded)))


# FTS5 ------------------------------------------------------------------------------------------------------------

def _fts5_string(text: str) -> str:
    """An FTS5 string: every term is quoted, so its words are only ever words (never operators or columns)."""
    return '"' + text.replace('"', '""') + '"'


def _fts5_term(term: Term) -> str:
    if isinstance(term, Phrase):
        return _fts5_string(" ".join(term.words))
    return _fts5_string(term.text) + (" *" if term.prefix else "")


def _fts5_group(group: AnyOf) -> str:
    if len(group.terms) == 1:
        return _fts5_term(group.terms[0])
    return "(" + " OR ".join(_fts5_term(t) for t in group.terms) + ")"


def _fts5_positive(query: Query) -> str:
    return "(" + " AND ".join(_fts5_group(g) for g in query.groups) + ")"


def _fts5_excluding(expression: str, query: Query) -> str:
    for term in query.excluded:
        expression += " NOT " + _fts5_term(term)
    return expression


def to_fts5(query: Query, *, within: Sequence[str] = ()) -> str:
    """The FTS5 MATCH expression of a query; with `within`, its terms must match in those columns (exclusions: any)."""
    positive = _fts5_positive(query)
    if within:
        positive = "{" + " ".join(within) + "} : " + positive
    return _fts5_excluding(positive, query)


def to_fts5_outside(query: Query, columns: Sequence[str]) -> str:
    """Matches of the query whose terms do not all match within these columns."""
    return "(" + to_fts5(query) + ") NOT ({" + " ".join(columns) + "} : " + _fts5_positive(query) + ")"


# PostgreSQL -------------------------------------------------------------------------------------------------------

def _lexeme(word: str) -> str:
    """A tsquery operand: the word quoted (it holds only letters and digits; quotes are doubled regardless)."""
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"


def _tsquery_term(term: Term) -> str:
    if isinstance(term, Word):
        return _lexeme(term.text) + (":*" if term.prefix else "")
    # A phrase within one field: every word of it carries the same weight (the field's), one alternative per field.
    alternatives = [" <-> ".join(f"{_lexeme(w)}:{weight}" for w in term.words) for weight in FIELD_WEIGHTS]
    return "(" + " | ".join(f"({a})" for a in alternatives) + ")"


def _highlight_term(term: Term) -> str:
    if isinstance(term, Word):
        return _lexeme(term.text) + (":*" if term.prefix else "")
    return "(" + " <-> ".join(_lexeme(w) for w in term.words) + ")"


def to_tsquery(query: Query, *, positive: bool = False) -> str:
    """The text of a tsquery for to_tsquery() with the search configuration (weights keep phrases in one field).

    With `positive`, without the exclusions: what must match in the article's head for it to rank there.
    """
    groups = ["(" + " | ".join(_tsquery_term(t) for t in g.terms) + ")" for g in query.groups]
    excluded = [] if positive else ["!" + _tsquery_term(t) for t in query.excluded]
    return " & ".join(groups + excluded)


def pair_groups(query: Query) -> list[tuple[Phrase, ...]]:
    """The groups (ANDed) made of phrases only: every match holds one of each group's phrases, so all its pairs."""
    return [tuple(t for t in g.terms if isinstance(t, Phrase)) for g in query.groups
            if all(isinstance(t, Phrase) and len(t.words) > 1 for t in g.terms)]


def to_pairs_tsquery(groups: Sequence[Sequence[Sequence[str]]]) -> str | None:
    """A tsquery over `search_pairs` (migration 0006) that every match of the query satisfies, or None.

    `groups`: per group of `pair_groups`, per phrase, the phrase's adjacent lexeme pairs. A phrase without pairs
    narrows nothing, nor then does its group. An article whose pairs overflowed holds PAIRS_OVERFLOW and stays a
    candidate.
    """
    conditions = []
    for phrases in groups:
        if phrases and all(phrases):
            conditions.append("(" + " | ".join("(" + " & ".join(_lexeme(p) for p in pairs) + ")"
                                               for pairs in phrases) + ")")
    if not conditions:
        return None
    return "(" + " & ".join(conditions) + ") | " + _lexeme(PAIRS_OVERFLOW)


def to_highlight_tsquery(query: Query) -> str:
    """A tsquery of the terms to mark in a headline: any of them, fields ignored (the text is one field)."""
    return " | ".join(_highlight_term(t) for t in query.terms())


# How the query was read --------------------------------------------------------------------------------------------

def _describe_term(term: Term) -> str:
    if isinstance(term, Phrase):
        return '"' + " ".join(term.words) + '"'
    return term.text + ("*" if term.prefix else "")


def describe(query: Query) -> str:
    """The query spelled out: AND between groups, OR inside them, NOT before exclusions, phrases in quotes."""
    groups = [_describe_term(g.terms[0]) if len(g.terms) == 1
              else "(" + " OR ".join(_describe_term(t) for t in g.terms) + ")" for g in query.groups]
    return " AND ".join(groups + [f"NOT {_describe_term(t)}" for t in query.excluded])
