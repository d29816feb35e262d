"""Knowledge-base search benchmark: ``KnowledgeSearch.search`` vs raw full-text SQL vs a ``LIKE`` scan.

Generates N articles (default 10,000; :mod:`bench.kb_data`) and tokenises them once with the app's own
jieba tokens (:func:`ticketing.knowledge.tokens.token_string`, exactly what ``KnowledgeService`` stores),
inserts them into a throw-away PostgreSQL cluster and a SQLite file, and then, per backend, times Q caller
questions (default 200) four ways, interleaved query by query so drift hits them alike:

- *service*: a new ``Session`` committed at the end like the API's unit of work,
  ``KnowledgeSearch(session).search(SearchQuery(q=…), agent)`` (jieba on the question, count + first page
  of 10, ``ArticleHit`` models);
- *raw FTS*: the same match, filters (published, valid today), count and top-10 ranking as driver-level SQL
  on one DBAPI connection, with the question's terms tokenised beforehand (PostgreSQL: the GIN-indexed
  ``tsvector`` expression ``@@`` an OR of ``plainto_tsquery``; SQLite: the FTS5 table in ``temp`` with
  ``MATCH`` and ``bm25``);
- *raw LIKE*: the naive alternative without an index: ``title LIKE '%term%' OR answer LIKE '%term%'`` for
  every term of the question (same OR semantics), count + 10 rows by code;
- *jieba*: ``query_terms`` alone (the tokeniser's share of the service time).

Also: the first search on a new connection (on SQLite that builds the connection's FTS5 table from all
current versions) and whether the service and the raw FTS return the same top 10. It never asserts.

    python -m bench.kb_bench [--articles N] [--queries Q] [--backends postgres,sqlite]
    hotline bench kb ...                 (same options)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, insert, update

from bench.datagen import ANCHOR
from bench.kb_data import Article, articles, questions
from bench.tickets_bench import (
    BACKENDS,
    Target,
    drop_schema,
    has_tables,
    machine,
    start_postgres,
    stop_postgres,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
Echo = Callable[[str], None]
PAGE = 10


@dataclass(frozen=True)
class KbBenchConfig:
    """Options of one run."""

    articles: int = 10_000
    queries: int = 200
    backends: tuple[str, ...] = BACKENDS
    warmup: int = 10
    seed: int = 12345
    pg_url: str | None = None


@dataclass
class Timing:
    """Milliseconds per query."""

    samples: list[float] = field(default_factory=list)

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.pct(0.95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)


@dataclass
class Method:
    """One way of answering a question, with its timings and hit counts."""

    name: str
    timing: Timing = field(default_factory=Timing)
    totals: list[int] = field(default_factory=list)


# -- loading -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    """Rows of both tables, tokenised once."""

    articles: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    tokenise_s: float


def prepare(items: Sequence[Article], seed: int) -> Prepared:
    from ticketing.knowledge import tokens as kb_tokens

    kb_tokens.tokenize("预热")  # build the tokenizer outside the timing (~1.5 s)
    started = time.perf_counter()
    article_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    ids = uuid.UUID(int=seed)
    for i, a in enumerate(items):
        article_id = uuid.uuid5(ids, a.code)
        article_rows.append(
            {
                "id": article_id,
                "code": a.code,
                "status": a.status,
                "current_version": 1,
                "created_by": None,
                "created_at": ANCHOR,
                "updated_by": None,
                "updated_at": ANCHOR,
            }
        )
        version_rows.append(
            {
                "id": uuid.uuid5(ids, f"{a.code}/1"),
                "article_id": article_id,
                "number": 1,
                "title": a.title,
                "category": a.category,
                "department_id": None,
                "questions": list(a.questions),
                "answer": a.answer,
                "special_cases": a.special_cases,
                "keywords": list(a.keywords),
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
                "search_head": kb_tokens.token_string(a.title, *a.questions, *a.keywords),
                "search_body": kb_tokens.token_string(a.answer, a.special_cases),
                "change_note": None if i % 7 else "初版",
                "created_by": None,
                "created_at": ANCHOR,
            }
        )
    return Prepared(article_rows, version_rows, time.perf_counter() - started)


def insert_rows(engine: Engine, rows: Prepared) -> tuple[float, float]:
    """Insert (one transaction) and gather statistics; return (insert s, analyze s)."""
    from ticketing.knowledge.models import KnowledgeArticle, KnowledgeIndexState, KnowledgeVersion

    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(KnowledgeArticle), rows.articles)
        conn.execute(insert(KnowledgeVersion), rows.versions)
        conn.execute(update(KnowledgeIndexState).values(generation=1))
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM (ANALYZE) kb_articles")
            conn.exec_driver_sql("VACUUM (ANALYZE) kb_article_versions")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return inserted, time.perf_counter() - started


# -- the raw side --------------------------------------------------------------------------------------
_JOIN = (
    "FROM kb_articles AS a "
    "JOIN kb_article_versions AS v ON v.article_id = a.id AND v.number = a.current_version"
)
_VALID = (
    "a.status = 'published' AND (v.valid_from IS NULL OR v.valid_from <= {p}) "
    "AND (v.valid_to IS NULL OR v.valid_to >= {p})"
)


class RawSearch:
    """Driver-level SQL on one DBAPI connection."""

    def __init__(self, engine: Engine, today: date) -> None:
        self.dialect = engine.dialect.name
        self._raw = engine.raw_connection()
        self._cursor = self._raw.cursor()
        self.p = "?" if self.dialect == "sqlite" else "%s"
        self.today: str | date = today.isoformat() if self.dialect == "sqlite" else today
        self.fts_build_s = 0.0
        if self.dialect == "sqlite":
            started = time.perf_counter()
            self._sql_exec(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_fts_raw USING fts5("
                "head, body, article_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
            )
            self._sql_exec(
                "INSERT INTO temp.kb_fts_raw (head, body, article_id) "
                "SELECT v.search_head, v.search_body, a.id " + _JOIN
            )
            self._raw.commit()
            self.fts_build_s = time.perf_counter() - started

    def _sql_exec(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self._cursor.execute(sql, tuple(params))
        return list(self._cursor.fetchall()) if self._cursor.description else []

    def fts(self, terms: list[str]) -> tuple[int, list[str]]:
        p = self.p
        valid = _VALID.format(p=p)
        if self.dialect == "sqlite":
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            base = (
                f"{_JOIN} JOIN temp.kb_fts_raw AS f ON f.article_id = a.id "
                f"WHERE kb_fts_raw MATCH {p} AND {valid}"
            )
            params: list[Any] = [match, self.today, self.today]
            params_page = params
            score = "-bm25(kb_fts_raw, 4.0, 1.0)"
        else:
            doc = (
                "(setweight(to_tsvector('simple'::regconfig, v.search_head), 'A') || "
                "setweight(to_tsvector('simple'::regconfig, v.search_body), 'C'))"
            )
            query = " || ".join(f"plainto_tsquery('simple'::regconfig, {p})" for _ in terms)
            base = f"{_JOIN} WHERE {doc} @@ ({query}) AND {valid}"
            params = [*terms, self.today, self.today]
            score = f"ts_rank({doc}, ({query}))"
            params_page = [*terms, *terms, self.today, self.today]
        total = int(self._sql_exec(f"SELECT count(*) {base}", params)[0][0])
        rows = self._sql_exec(
            f"SELECT a.id, a.code, v.title, v.answer, {score} AS score {base} "
            f"ORDER BY score DESC, a.code LIMIT {PAGE}",
            params_page,
        )
        self._raw.rollback()
        return total, [str(r[1]) for r in rows]

    def like(self, terms: list[str]) -> tuple[int, list[str]]:
        p = self.p
        ors = " OR ".join(f"v.title LIKE {p} OR v.answer LIKE {p}" for _ in terms)
        params: list[Any] = [x for t in terms for x in (f"%{t}%", f"%{t}%")]
        base = f"{_JOIN} WHERE ({ors}) AND {_VALID.format(p=p)}"
        params += [self.today, self.today]
        total = int(self._sql_exec(f"SELECT count(*) {base}", params)[0][0])
        rows = self._sql_exec(
            f"SELECT a.id, a.code, v.title, v.answer {base} ORDER BY a.code LIMIT {PAGE}", params
        )
        self._raw.rollback()
        return total, [str(r[1]) for r in rows]

    def explain(self, terms: list[str]) -> list[str]:
        if self.dialect != "postgresql":
            return []
        p = self.p
        doc = (
            "(setweight(to_tsvector('simple'::regconfig, v.search_head), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, v.search_body), 'C'))"
        )
        query = " || ".join(f"plainto_tsquery('simple'::regconfig, {p})" for _ in terms)
        sql = (
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) {_JOIN} "
            f"WHERE {doc} @@ ({query}) AND {_VALID.format(p=p)}"
        )
        rows = self._sql_exec(sql, [*terms, self.today, self.today])
        self._raw.rollback()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self._cursor.close()
        self._raw.close()


# -- measuring -----------------------------------------------------------------------------------------
def bench_backend(
    target: Target, rows: Prepared, qs: list[str], config: KbBenchConfig, say: Echo
) -> tuple[list[Method], list[str], list[str]]:
    """Insert, then time every question four ways; return the methods, facts and a plan."""
    from ticketing.accounts.actor import Actor
    from ticketing.db.engine import make_engine, make_sessionmaker
    from ticketing.db.migrate import upgrade
    from ticketing.knowledge.schemas import SearchQuery
    from ticketing.knowledge.search import KnowledgeSearch, today_in_shanghai
    from ticketing.knowledge.tokens import query_terms
    from ticketing.tickets.lifecycle import Role

    facts: list[str] = []
    started = time.perf_counter()
    upgrade(target.url)
    schema_s = time.perf_counter() - started
    engine = make_engine(target.url)
    inserted_s, analyze_s = insert_rows(engine, rows)
    facts.append(
        f"{target.backend}: schema {schema_s:.1f} s, "
        f"insert {len(rows.versions):,} articles {inserted_s:.1f} s, "
        f"ANALYZE {analyze_s:.1f} s"
    )
    factory = make_sessionmaker(engine)
    actor = Actor(user_id=uuid.uuid4(), username="agent01", role=Role.AGENT)
    now = ANCHOR

    def service(q: str) -> tuple[int, list[str]]:
        # Commit like the API's unit of work (``sessions.begin()``): on SQLite the connection's FTS5
        # state row is written in the session's transaction, and a rollback would make the next
        # search on that connection rebuild the whole FTS table.
        with factory.begin() as session:
            page = KnowledgeSearch(session, now=lambda: now).search(SearchQuery(q=q), actor)
            return page.total, [item.code for item in page.items]

    try:
        first = time.perf_counter()
        service(qs[0])
        first_ms = (time.perf_counter() - first) * 1000
        facts.append(
            f"{target.backend}: first search on a new connection {first_ms:,.0f} ms"
            + (" (includes building the connection's FTS5 table)" if target.backend == "sqlite" else "")
        )
        raw = RawSearch(engine, today_in_shanghai(now))
        if raw.fts_build_s:
            facts.append(
                f"{target.backend}: building an FTS5 table of {len(rows.versions):,} articles "
                "on a connection "
                f"(driver SQL): {raw.fts_build_s * 1000:,.0f} ms"
            )
        terms = [query_terms(q) for q in qs]
        methods = [Method("service"), Method("raw FTS"), Method("raw LIKE (all terms)"), Method("jieba only")]
        calls: list[Callable[[int], tuple[int, list[str]] | None]] = [
            lambda i: service(qs[i]),
            lambda i: raw.fts(terms[i]) if terms[i] else (0, []),
            lambda i: raw.like(terms[i]) if terms[i] else (0, []),
            lambda i: (len(query_terms(qs[i])), []),
        ]
        same = 0
        for round_ in range(config.warmup + len(qs)):
            i = round_ - config.warmup if round_ >= config.warmup else round_ % len(qs)
            tops: list[list[str]] = []
            for method, fn in zip(methods, calls, strict=True):
                t0 = time.perf_counter_ns()
                out = fn(i)
                elapsed = (time.perf_counter_ns() - t0) / 1e6
                if round_ >= config.warmup and out is not None:
                    method.timing.samples.append(elapsed)
                    method.totals.append(out[0])
                    tops.append(out[1])
            if round_ >= config.warmup and tops[0] == tops[1]:
                same += 1
        facts.append(
            f"{target.backend}: service and raw FTS returned the same top {PAGE} "
            f"for {same}/{len(qs)} questions"
        )
        sample = next((t for t in terms if len(t) >= 6), terms[0])
        plan = raw.explain(sample)
        raw.close()
        return methods, facts, ([f"question terms: {' '.join(sample)}", *plan] if plan else [])
    finally:
        engine.dispose()


# -- the whole run -------------------------------------------------------------------------------------
def run_benchmark(config: KbBenchConfig, echo: Echo | None = None) -> None:
    """Set up the backends, load, measure, print, and clean everything up."""
    say: Echo = echo or (lambda line: print(line, flush=True))
    unknown = set(config.backends) - set(BACKENDS)
    if unknown or not config.backends:
        raise ValueError(f"backends must be among {', '.join(BACKENDS)}")
    tmp = Path(tempfile.mkdtemp(prefix="hlkb-", dir="/tmp"))
    tmp.chmod(0o755)
    pg_dir: Path | None = None
    drop_pg_schema: str | None = None
    targets: list[Target] = []
    try:
        started_all = time.perf_counter()
        for backend in config.backends:
            if backend == "sqlite":
                (tmp / "sqlite").mkdir()
                targets.append(Target("sqlite", f"sqlite:///{tmp / 'sqlite' / 'kb.db'}"))
            elif config.pg_url:
                if has_tables(config.pg_url):
                    raise RuntimeError(
                        "--pg-url must point at an empty database (the benchmark drops its tables)"
                    )
                targets.append(Target("postgres", config.pg_url))
                drop_pg_schema = config.pg_url
            else:
                pg_dir = tmp / "pg"
                say(f"starting a throw-away PostgreSQL in {pg_dir} ...")
                targets.append(Target("postgres", start_postgres(pg_dir)))
        pg_version = None
        for target in targets:
            if target.backend == "postgres":
                probe = sqlalchemy.create_engine(target.url)
                with probe.connect() as conn:
                    pg_version = str(conn.exec_driver_sql("SHOW server_version").scalar())
                probe.dispose()
        for line in machine(targets, pg_version):
            say(line)
        items = articles(config.articles, config.seed)
        qs = questions(config.queries, config.seed)
        rows = prepare(items, config.seed)
        published = sum(a.status == "published" for a in items)
        chars = statistics.fmean(len(a.answer) for a in items)
        say(
            f"{len(items):,} articles ({published:,} published; answers {chars:.0f} characters on average), "
            f"{len(qs)} questions; jieba tokens for all articles: {rows.tokenise_s:.1f} s"
        )
        results: list[tuple[str, list[Method], float]] = []
        facts: list[str] = []
        plans: list[str] = []
        for target in targets:
            say(f"[{target.backend}] loading and measuring ... (load1 {load1():.2f})")
            methods, backend_facts, plan = bench_backend(target, rows, qs, config, say)
            results.append((target.backend, methods, load1()))
            facts += backend_facts
            if plan:
                plans += [
                    f"### {target.backend}: raw FTS count, EXPLAIN (ANALYZE, BUFFERS)",
                    "",
                    "```",
                    *plan,
                    "```",
                ]
            for ln in backend_facts:
                say("  " + ln)

        say("")
        say(
            f"## Knowledge-base search ({config.articles:,} articles, {config.queries} questions, "
            f"page of {PAGE})"
        )
        say("")
        say(
            "| backend | method | p50 ms | p95 ms | mean ms | service ÷ this (p50) | mean hits "
            "| questions with 0 hits | load1 |"
        )
        say("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for backend, methods, load in results:
            service_p50 = methods[0].timing.p50
            for m in methods:
                hits = "–" if m.name == "jieba only" else f"{statistics.fmean(m.totals):,.0f}"
                zero = "–" if m.name == "jieba only" else f"{sum(t == 0 for t in m.totals)}"
                ratio = "–" if m.name == "service" else f"{service_p50 / m.timing.p50:,.1f}x"
                say(
                    f"| {backend} | {m.name} | {m.timing.p50:,.2f} | {m.timing.p95:,.2f} | "
                    f"{m.timing.mean:,.2f} | "
                    f"{ratio} | {hits} | {zero} | {load:.2f} |"
                )
        say("")
        for ln in facts:
            say(f"- {ln}")
        if plans:
            say("")
            for ln in plans:
                say(ln)
        say("")
        say(f"total wall time {time.perf_counter() - started_all:,.0f} s; load1 at the end {load1():.2f}")
    finally:
        if drop_pg_schema:
            drop_schema(drop_pg_schema)
        if pg_dir is not None:
            stop_postgres(pg_dir)
        shutil.rmtree(tmp, ignore_errors=True)


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    """``python -m bench.kb_bench``: the same command as ``hotline bench kb``."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.cli import kb_command

    kb_command.main(prog_name="python -m bench.kb_bench")


if __name__ == "__main__":
    main()
