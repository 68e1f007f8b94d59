"""Knowledge search over 100,000 articles: indexing throughput, index size, and query latency over HTTP.

Builds a knowledge database by migrations (SQLite FTS5, or PostgreSQL tsvector + GIN with --postgres), fills it in
bulk with a deterministic corpus (bench/knowledge_corpus.py: 300–3,000 words per article, Zipf-distributed words with
IT terms), timing the inserts (the triggers index each row as it is written) in transactions of 10,000 articles.
Then times `GET /knowledge/v1/search?q=…&limit=20` through the app (httpx's ASGI transport: routing, auth, the
ranked page, facets, snippets, JSON) as a viewer, for classes of queries: one, two and three IT terms, phrases cut
from the articles' text, and (beside the target) prefix, or and exclusion queries.

PostgreSQL narrows phrases by the articles' adjacent lexeme pairs (migration 0006): `--pairs off` times without that
condition, `--pairs ab` times each query both ways, alternating which goes first (an A/B in the same minutes).

Usage: .venv/bin/python bench/knowledge_search.py [--articles 100000] [--queries 100] [--keep]
       [--postgres postgresql://postgres@127.0.0.1:5432 | --database URL-of-a-kept-database] [--pairs on|off|ab]
       [--only CLASS]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as host
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tandem_knowledge.articles.models import Article
from tandem_knowledge.main import create_app
from tandem_knowledge.search import repository as search_repository
from tandem_shared.auth import mint_dev_token
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings

sys.path.insert(0, str(Path(__file__).parent))
from knowledge_corpus import FUNCTION_WORDS, IT_TERMS, Corpus  # the corpus sits beside this script

CHUNK = 2_000
PER_TRANSACTION = 10_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def fill(engine: AsyncEngine, corpus: Corpus, articles: int) -> tuple[float, float]:
    """Insert the corpus; return (seconds spent in the database, seconds generating text)."""
    insert = sa.insert(Article.__table__)
    in_db = generating = 0.0
    chunks = corpus.chunks(articles, CHUNK)
    for _ in range(0, articles, PER_TRANSACTION):
        began = time.perf_counter()
        batch = [next(chunks, []) for _ in range(PER_TRANSACTION // CHUNK)]
        generating += time.perf_counter() - began
        began = time.perf_counter()
        async with engine.begin() as conn:
            for rows in batch:
                if rows:
                    await conn.execute(insert, rows)
        in_db += time.perf_counter() - began
        print(f"  {min(articles, (_ + PER_TRANSACTION)):>7} articles, {in_db:.0f} s in the database", flush=True)
    return in_db, generating


async def sizes(engine: AsyncEngine, path: Path | None) -> dict[str, float]:
    """Index and table sizes in MB."""
    mb = 1024 * 1024
    async with engine.connect() as conn:
        if path is not None:
            rows = (await conn.execute(sa.text(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))).all()
            by_name = dict(rows)
            fts = sum(v for k, v in by_name.items() if k.startswith("articles_fts"))
            return {"FTS5 shadow tables": fts / mb, "filter table": by_name.get("article_search_filters", 0) / mb,
                    "articles table": by_name.get("articles", 0) / mb,
                    "database file": (await asyncio.to_thread(path.stat)).st_size / mb}
        row = (await conn.execute(sa.text(
            "SELECT pg_relation_size('ix_articles_search_vector'), pg_relation_size('ix_articles_search_head'), "
            "sum(pg_column_size(search_vector)), sum(pg_column_size(search_head)), pg_total_relation_size('articles'), "
            "sum(pg_column_size(body)) FROM articles"))).one()
        found = {"GIN search_vector": row[0] / mb, "GIN search_head": row[1] / mb, "search_vector column": row[2] / mb,
                 "search_head column": row[3] / mb, "articles, total": row[4] / mb, "body column": row[5] / mb}
        if (await conn.execute(sa.text("SELECT to_regclass('ix_articles_search_pairs') IS NOT NULL"))).scalar():
            pairs = (await conn.execute(sa.text(
                "SELECT pg_relation_size('ix_articles_search_pairs'), sum(pg_column_size(search_pairs)), "
                "avg(length(search_pairs)) FROM articles"))).one()
            found |= {"GIN search_pairs": pairs[0] / mb, "search_pairs column": pairs[1] / mb,
                      "pairs per article": float(pairs[2])}
        return found


def queries(corpus: Corpus, n: int, seed: int = 3) -> dict[str, list[str]]:
    """The query classes, `n` queries each."""
    rnd = random.Random(seed)
    terms = sorted(set(IT_TERMS))
    sample = corpus.chunk(0, CHUNK)[:200]  # articles of the corpus: phrases that occur in its text
    common = set(FUNCTION_WORDS)
    phrases = []
    while len(phrases) < n:
        words = rnd.choice(sample)["body"].replace(".", "").lower().split()
        at = rnd.randrange(len(words) - 3)
        phrase = words[at:at + rnd.choice((2, 3))]
        # What people put in quotes: a phrase that starts and ends with a word that means something.
        if phrase[0] not in common and phrase[-1] not in common:
            phrases.append('"' + " ".join(phrase) + '"')
    return {
        "1 word": [rnd.choice(terms) for _ in range(n)],
        "2 words": [" ".join(rnd.sample(terms, 2)) for _ in range(n)],
        "3 words": [" ".join(rnd.sample(terms, 3)) for _ in range(n)],
        "phrase (2-3 words)": phrases,
        "prefix (3 letters*)": [rnd.choice(terms)[:3] + "*" for _ in range(n)],
        "a or b": [" or ".join(rnd.sample(terms, 2)) for _ in range(n)],
        "a -b": [" -".join(rnd.sample(terms, 2)) for _ in range(n)],
    }


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tandem-knowledge-search-"))
    pg_name = path = None
    if args.database:
        url = args.database
        path = Path(url.split("///", 1)[1]) if url.startswith("sqlite") else None
    elif args.postgres:
        pg_name = f"tandem_bench_knowledge_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(args.postgres)
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
        await conn.close()
        url = args.postgres.replace("postgresql://", "postgresql+asyncpg://").rstrip("/") + f"/{pg_name}"
    else:
        path = workdir / "knowledge.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    try:
        await asyncio.to_thread(upgrade, "knowledge", url)
        platform = PlatformSettings(environment="test", kafka_bootstrap_servers=None)
        settings = service_settings("knowledge").model_copy(update={"database_url": url})
        app = create_app(settings=settings, platform=platform, workers=False)
        corpus = Corpus()
        async with app.router.lifespan_context(app):
            engine = app.state.runtime.engine
            in_db = generating = after_load = 0.0
            if not args.database:
                print(f"{backend}: filling {args.articles} articles", flush=True)
                in_db, generating = await fill(engine, corpus, args.articles)
                began = time.perf_counter()
                if backend == "PostgreSQL":
                    async with engine.connect() as conn:
                        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
                            sa.text("VACUUM ANALYZE articles"))
                else:
                    async with engine.begin() as conn:
                        await conn.execute(sa.text("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')"))
                after_load = time.perf_counter() - began
            size = await sizes(engine, path)
            headers = {"Authorization": f"Bearer {mint_dev_token(platform, 'bench', ['viewer'])}"}
            classes = queries(corpus, args.queries)
            timings: dict[str, list[float]] = {}
            totals: dict[str, list[int]] = {}
            slowest: dict[str, list[tuple[float, str]]] = {}
            variants = {"on": [True], "off": [False], "ab": [True, False]}[args.pairs]
            answers: dict[tuple[str, str], set[tuple[int, tuple[str, ...]]]] = {}  # both ways: the same page
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client:
                for name, texts in classes.items():
                    if args.only and name not in args.only:
                        continue
                    for warm in (True, False):
                        for index, text in enumerate(texts):
                            for pairs in variants[::-1] if index % 2 else variants:
                                search_repository.PHRASE_PAIRS = pairs
                                key = name if len(variants) == 1 else f"{name}, pairs {'on' if pairs else 'off'}"
                                began = time.perf_counter()
                                response = await client.get(
                                    "/knowledge/v1/search?" + urlencode({"q": text, "limit": 20}), headers=headers)
                                elapsed = (time.perf_counter() - began) * 1000
                                assert response.status_code == 200, response.text[:300]
                                page = response.json()
                                answers.setdefault((name, text), set()).add(
                                    (page["total"], tuple(hit["id"] for hit in page["items"])))
                                if not warm:
                                    timings.setdefault(key, []).append(elapsed)
                                    totals.setdefault(key, []).append(page["total"])
                                    slowest.setdefault(key, []).append((elapsed, text))
        words = sum(len(a["body"].split()) for a in corpus.chunk(0, 1000)) / 1000
        print(f"\nmachine: {host.node()} · {host.machine()} · {os.cpu_count()} cores · Python {host.python_version()} "
              f"· {backend} · load before queries {os.getloadavg()[0]:.2f}")
        if in_db:
            print(f"articles {args.articles} (mean {words:.0f} words); inserted and indexed in {in_db:.0f} s: "
                  f"{args.articles / in_db:.0f} articles/s (text generation, {generating:.0f} s, not counted); "
                  f"{'VACUUM ANALYZE' if pg_name else 'FTS5 optimize'} {after_load:.0f} s")
        print("sizes: " + ", ".join(f"{k} {v:.0f}" + ("" if k == "pairs per article" else " MB")
                                    for k, v in size.items()))
        if len(variants) > 1:
            differing = [text for (_, text), pages in answers.items() if len(pages) > 1]
            print(f"pairs on and off: {len(answers) - len(differing)} queries with the same first page and total, "
                  f"{len(differing)} differing {differing[:5]}")
        for name, values in timings.items():
            matched = sorted(totals[name])
            print(f"{name:>22}: p50 {statistics.median(values):6.1f} ms, p95 {percentile(values, 0.95):6.1f} ms, "
                  f"max {max(values):6.1f} ms over {len(values)} queries; matches median {matched[len(matched) // 2]}"
                  f", p95 {percentile([float(m) for m in matched], 0.95):.0f}, max {matched[-1]}")
            if args.slowest:
                worst = sorted(slowest[name])[-args.slowest:]
                print("    slowest: " + ", ".join(f"{q} {ms:.0f} ms" for ms, q in worst))
    finally:
        if args.keep or args.database:
            print(f"kept: {url}")
        elif pg_name:
            conn = await asyncpg.connect(args.postgres)
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="queries per class")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--slowest", type=int, default=0, help="print this many of the slowest queries per class")
    parser.add_argument("--database", metavar="URL", default=None,
                        help="a database a --keep run filled: time the queries only")
    parser.add_argument("--pairs", choices=("on", "off", "ab"), default="on",
                        help="PostgreSQL: phrases narrowed by their lexeme pairs, not, or each query both ways")
    parser.add_argument("--only", action="append", metavar="CLASS", help="time only this class (repeatable)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a PostgreSQL server for a fresh database, e.g. postgresql://postgres@127.0.0.1:5432")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
