"""Phrases on PostgreSQL are narrowed by the articles' adjacent lexeme pairs (migration 0006): the same matches as
without the pairs and as SQLite's FTS5, for the phrases a wrong pair condition would get wrong. Articles are written
through the API."""

from __future__ import annotations

import asyncio
import random
import re

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_knowledge.search import repository as search_repository
from tandem_knowledge.search.query import parse
from tandem_shared.migrations import downgrade, upgrade

from tests.integration.knowledge.test_knowledge_search import EDITOR, SAMPLE, VIEWER, _app, _article, _titles
from tests.support import running

ARTICLES = [
    ("Gateway restart", "runbook", "Drain pay-gw-01 then restart the payment gateway. Check check the logs.",
     ["payments"]),
    ("Payment gateways", "how_to", "The gateway of payments: restart the gateways.", ["gateway", "payments"]),
    ("Disk full", "known_error", "Bye bye disk: the disk is full, full full.", ["storage"]),
    ("Restart the node", "runbook", "Restart the payment service, not the gateway.", []),
]
EXPECTED = {
    # Function words are words on both indexes (no stop words): a phrase with "the" inside; stemmed words.
    '"restart the payment gateway"': {"Gateway restart"},
    '"restarting the payments gateways"': {"Gateway restart"},
    # A hyphenated host name is the phrase of its parts, numbers included.
    "pay-gw-01": {"Gateway restart"},
    '"pay gw 01 then restart"': {"Gateway restart"},
    "pay-gw-02": set(),
    # A repeated word: the pair of a word with itself.
    '"check check"': {"Gateway restart"},
    '"check check check"': set(),
    '"full full"': {"Disk full"},
    '"bye bye disk"': {"Disk full"},
    # The title's last word and the body's first are a pair (the pairs ignore fields) but never a phrase.
    '"restart drain"': set(),
    # Adjacent tags are a phrase of the tags' field.
    '"gateway payments"': {"Payment gateways"},
    '"payment gateway"': {"Gateway restart", "Payment gateways"},
    # Phrases in an `or` group: either phrase's pairs; a phrase or a word: no narrowing.
    '"payment gateway" or "disk full"': {"Gateway restart", "Payment gateways", "Disk full"},
    '"payment gateway" or node': {"Gateway restart", "Payment gateways", "Restart the node"},
    # Excluded phrases narrow nothing: their pairs are not required, nor their absence.
    'restart -"payment gateway"': {"Restart the node"},
    '"restart the" -"payment gateway"': {"Restart the node"},
    '"disk full" "full full"': {"Disk full"},
    '"payment service" gateway': {"Restart the node"},
}


async def _matches(client, headers: dict[str, str]) -> dict[str, set[str]]:  # noqa: ANN001
    return {q: await _titles(client, headers, q) for q in EXPECTED}


async def test_phrases_match_the_same_with_the_pairs_as_without(databases, backend, broker, monkeypatch):
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        for title, kind, body, tags in ARTICLES:
            await _article(client, title, kind, body, tags)
        assert await _matches(client, VIEWER) == EXPECTED
        if backend == "sqlite":
            return
        async with AsyncSession(app.state.runtime.engine) as session:
            # The articles' pairs are those of their vectors, stemmed as the vectors are (Porter: gateway -> gatewai).
            stale = (await session.execute(sa.text(
                "SELECT count(*) FROM articles WHERE search_pairs IS DISTINCT FROM "
                "tandem_search_pairs(search_vector)"))).scalar()
            holding = (await session.execute(sa.text(
                "SELECT title FROM articles WHERE search_pairs @@ CAST(:pair AS tsquery) ORDER BY title"),
                {"pair": "'payment gatewai'"})).scalars().all()
            assert stale == 0 and holding == ["Gateway restart", "Payment gateways"]
            # The narrowing a query gets: an `or` group of phrases, not a group with a word, nor an exclusion.
            searches = search_repository.SearchRepository(session)
            query = parse('"restarting the payments" "disk full" or "full full" "x y" or z -"pay gw"')
            await searches.plan_for_search(query)
            assert searches.pairs(query) == (
                "((('restart the' & 'the payment')) & (('disk full') | ('full full'))) | '*'")
        # And the same matches without the pairs.
        monkeypatch.setattr(search_repository, "PHRASE_PAIRS", False)
        assert await _matches(client, VIEWER) == EXPECTED


async def test_every_phrase_of_a_text_of_odd_tokens_matches_with_the_pairs_as_without(databases, backend, broker,
                                                                                      monkeypatch):
    # Host names, paths, numbers, versions, e-mail addresses, accents, Greek, CJK, symbols: every run of two and
    # three words of it as the query splits them, and each reversed, found with the pairs as without.
    words = re.findall(r"[^\W_]+", SAMPLE)
    phrases = [" ".join(words[i:i + n]) for n in (2, 3) for i in range(len(words) - n + 1)]
    phrases += [" ".join(reversed(p.split())) for p in phrases]
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        await _article(client, "Tokens", "faq", SAMPLE, [])
        with_pairs = {p: await _titles(client, VIEWER, f'"{p}"') for p in phrases}
        monkeypatch.setattr(search_repository, "PHRASE_PAIRS", False)
        without = {p: await _titles(client, VIEWER, f'"{p}"') for p in phrases}
    assert with_pairs == without
    assert sum(1 for titles in with_pairs.values() if titles) >= len(phrases) // 2 - 2


def _words(rnd: random.Random, n: int) -> list[str]:
    """Distinct words of 25 CJK ideographs (75 bytes in UTF-8)."""
    return ["".join(chr(rnd.randrange(0x4E00, 0x9FFF)) for _ in range(25)) for _ in range(n)]


async def test_an_article_whose_pairs_overflow_a_tsvector_is_saved_and_found(databases, backend, broker):
    # 7,300 words of 75 bytes: the vector holds each once (about 600 kB), the pairs twice (1.1 MB, more than a
    # tsvector holds): the article would not be saved if its pairs were stored as they are.
    words = _words(random.Random(14), 7_300)
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        await _article(client, "Long glossary", "faq", " ".join(words), [])
        await _article(client, "Short glossary", "faq", f"{words[1]} {words[0]}", [])
        assert await _titles(client, VIEWER, f'"{words[0]} {words[1]}"') == {"Long glossary"}
        assert await _titles(client, VIEWER, f'"{words[1]} {words[0]}"') == {"Short glossary"}
        assert await _titles(client, VIEWER, f'"{words[-1]} {words[0]}"') == set()
        if backend == "postgres":
            async with app.state.runtime.engine.connect() as conn:
                overflowed = (await conn.execute(sa.text(
                    "SELECT title, CAST(search_pairs AS text) = '''*''' FROM articles ORDER BY title"))).all()
            assert overflowed == [("Long glossary", True), ("Short glossary", False)]


async def test_migration_0006_fills_the_pairs_and_its_downgrade_removes_them(databases, backend, broker):
    url = await databases.fresh("knowledge", backend)
    app = _app(url, broker)
    async with running(app) as client:
        await _article(client, *ARTICLES[0])
    await asyncio.to_thread(downgrade, "knowledge", url, "0005")
    app = _app(url, broker)
    async with running(app) as client:
        await _article(client, *ARTICLES[2])  # written without the pairs
        if backend == "postgres":
            async with app.state.runtime.engine.connect() as conn:
                left = (await conn.execute(sa.text(
                    "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = 'articles'::regclass "
                    "AND attname = 'search_pairs' AND NOT attisdropped) + (SELECT count(*) FROM pg_proc "
                    "WHERE proname = 'tandem_search_pairs') + (SELECT count(*) FROM pg_class "
                    "WHERE relname = 'ix_articles_search_pairs')"))).scalar()
            assert left == 0
    await asyncio.to_thread(upgrade, "knowledge", url)
    app = _app(url, broker)
    async with running(app) as client:
        assert await _titles(client, EDITOR, '"payment gateway"') == {"Gateway restart"}
        assert await _titles(client, EDITOR, '"full full"') == {"Disk full"}
        if backend == "postgres":
            async with app.state.runtime.engine.connect() as conn:
                filled = (await conn.execute(sa.text(
                    "SELECT count(*) FROM articles WHERE search_pairs = tandem_search_pairs(search_vector) "
                    "AND search_pairs @@ CAST(:pair AS tsquery)"), {"pair": "'full full' | 'payment gatewai'"})
                ).scalar()
            assert filled == 2
