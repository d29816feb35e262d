"""Ticket-list benchmark: the service layer next to hand-written SQL, on SQLite and PostgreSQL.

Loads N generated work orders (default 1,000,000, with events and assignments; see
:mod:`bench.datagen`) into a throw-away SQLite file and a throw-away PostgreSQL cluster, then times the
common list/filter calls through ``TicketService.find`` (as a supervisor) and the same query as raw SQL
(:mod:`bench.rawsql`), and prints p50/p95 tables. It measures; it never asserts on times.

    python -m bench.tickets_bench [--tickets N] [--backends sqlite,postgres] [--runs 30]
    hotline bench tickets ...            (same options)

See bench/README.md for what is measured and the results.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bench.datagen import ANCHOR, Dataset
from bench.loaders import PostgresSink, Sink, SqliteSink
from bench.rawsql import RawResult, RawRunner
from ticketing.accounts.actor import Actor
from ticketing.categories import Category
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import alembic_config, upgrade
from ticketing.schema_types import Page
from ticketing.tickets import privacy
from ticketing.tickets.lifecycle import Role, Status
from ticketing.tickets.models import Ticket
from ticketing.tickets.schemas import TicketOut, TicketQuery
from ticketing.tickets.service import TicketService

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = REPO_ROOT / "scripts" / "pg_ephemeral.sh"
BACKENDS = ("sqlite", "postgres")
SLOW_MS = 1000.0

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BenchConfig:
    """Options of one benchmark run."""

    tickets: int = 1_000_000
    backends: tuple[str, ...] = BACKENDS
    runs: int = 30
    warmup: int = 3
    seed: int = 12345
    pg_url: str | None = None
    explain: bool = False
    batch_size: int = 50_000


@dataclass(frozen=True)
class Case:
    """One list call of the benchmark."""

    name: str
    query: TicketQuery


@dataclass
class Timing:
    """Milliseconds of the measured runs."""

    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]

    def cell(self) -> str:
        return f"{self.p50:,.1f} / {self.p95:,.1f}"


@dataclass
class Row:
    """One line of a result table."""

    name: str
    backend: str
    service: Timing
    raw: Timing
    rows: str = ""
    statements: str = ""
    same: str = ""

    @property
    def ratio(self) -> float:
        return self.service.p50 / self.raw.p50 if self.raw.p50 else float("nan")


@dataclass
class Target:
    """One backend under test."""

    backend: str
    url: str
    engine: Engine | None = None


# -- cases ---------------------------------------------------------------------------------------------
def cases(dataset: Dataset) -> list[Case]:
    """The list calls measured: what the desk and supervisors run all day."""
    deep = max(1, min(1000, dataset.n // 100))
    return [
        Case("default first page", TicketQuery()),
        Case("status=in_progress", TicketQuery(status=[Status.IN_PROGRESS])),
        Case(
            "complaint, last 30 days",
            TicketQuery(
                category=[Category.COMPLAINT],
                created_from=ANCHOR - timedelta(days=30),
                created_to=ANCHOR,
            ),
        ),
        Case(f"department={dataset.bench_department}", TicketQuery(department=dataset.bench_department)),
        Case("caller phone", TicketQuery(caller_phone=dataset.bench_phone)),
        Case("overdue=true", TicketQuery(overdue=True)),
        Case(f"deep page (page {deep})", TicketQuery(page=deep)),
    ]


# -- timing --------------------------------------------------------------------------------------------
def measure(fns: list[Callable[[], object]], warmup: int, runs: int) -> list[Timing]:
    """Run ``fns`` interleaved (so drift hits them alike); ``warmup`` unrecorded rounds first."""
    timings = [Timing() for _ in fns]
    for i in range(warmup + runs):
        for fn, timing in zip(fns, timings, strict=True):
            started = time.perf_counter_ns()
            fn()
            elapsed = (time.perf_counter_ns() - started) / 1e6
            if i >= warmup:
                timing.samples.append(elapsed)
    return timings


@contextmanager
def statement_counter(engine: Engine) -> Iterator[list[int]]:
    """Count the statements SQLAlchemy sends while the block runs."""
    box = [0]

    def count(*_args: Any, **_kwargs: Any) -> None:
        box[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- backends ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_postgres(directory: Path) -> str:
    """Start a throw-away cluster in ``directory``; return its SQLAlchemy URL."""
    proc = subprocess.run(
        ["bash", str(PG_SCRIPT), "start", str(directory), str(free_port())],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"could not start PostgreSQL:\n{proc.stderr.strip()}")
    return lines[-1]


def stop_postgres(directory: Path) -> None:
    subprocess.run(
        ["bash", str(PG_SCRIPT), "stop", str(directory)],
        capture_output=True,
        timeout=180,
        check=False,
    )


def drop_schema(url: str) -> None:
    """Remove what the benchmark created in a database given with ``--pg-url``."""
    from alembic import command

    command.downgrade(alembic_config(url), "base")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def has_tables(url: str) -> bool:
    engine = sqlalchemy.create_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def machine(targets: list[Target], pg_version: str | None) -> list[str]:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    out = [
        f"machine: {os.cpu_count()} CPUs ({platform.machine()}), {memory} RAM, "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}",
    ]
    if any(t.backend == "sqlite" for t in targets):
        out.append(f"SQLite {sqlite3.sqlite_version}")
    if pg_version:
        out.append(f"PostgreSQL {pg_version} (psycopg {_psycopg_version()})")
    return out


def _psycopg_version() -> str:
    import psycopg

    return str(psycopg.__version__)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


# -- loading -------------------------------------------------------------------------------------------
def load(dataset: Dataset, sinks: list[Sink], batch_size: int, echo: Echo) -> float:
    """Feed every batch to every sink; return the seconds spent generating rows."""
    for sink in sinks:
        sink.reference(dataset.department_rows(), dataset.user_rows())
    generate = 0.0
    done = 0
    mark = time.perf_counter()
    next_report = max(batch_size, dataset.n // 10)
    for batch in dataset.batches(batch_size):
        generate += time.perf_counter() - mark
        for sink in sinks:
            sink.write(batch)
        done += len(batch.tickets)
        if done >= next_report or done == dataset.n:
            writes = ", ".join(f"{s.backend} {s.write_seconds:.0f}s" for s in sinks)
            echo(f"  loaded {done:,} tickets (generate {generate:.0f}s, {writes})")
            next_report += max(batch_size, dataset.n // 10)
        mark = time.perf_counter()
    return generate


# -- the service side ----------------------------------------------------------------------------------
def service_find(factory: sessionmaker[Session], query: TicketQuery, actor: Actor) -> Page[TicketOut]:
    with factory() as session:
        page = TicketService(session, now=lambda: ANCHOR).find(query, actor)
        session.rollback()  # drop the caller-search audit row, keep runs independent
        return page


def orm_count(factory: sessionmaker[Session], query: TicketQuery, actor: Actor) -> int:
    with factory() as session:
        stmt = privacy.restrict_to_visible(TicketService(session, now=lambda: ANCHOR).filtered(query), actor)
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        session.rollback()
        return total or 0


def orm_page(factory: sessionmaker[Session], query: TicketQuery, actor: Actor) -> list[Ticket]:
    with factory() as session:
        stmt = privacy.restrict_to_visible(TicketService(session, now=lambda: ANCHOR).filtered(query), actor)
        rows = session.scalars(
            stmt.options(selectinload(Ticket.assignments))
            .order_by(Ticket.created_at.desc(), Ticket.number.desc())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).all()
        session.rollback()
        return list(rows)


def compare(page: Page[TicketOut], raw: RawResult) -> str:
    """``same`` when the service and the raw SQL fetched the same tickets in the same order."""
    service_ids = [item.id for item in page.items]
    service_assignments = sum(len(item.assignments) for item in page.items)
    if (page.total, service_ids, service_assignments) == (raw.total, raw.ids(), len(raw.assignments)):
        return "same"
    return f"DIFFERENT (service {page.total}/{len(service_ids)}, raw {raw.total}/{len(raw.page)})"


def bench_backend(
    target: Target, dataset: Dataset, config: BenchConfig, echo: Echo
) -> tuple[list[Row], list[Row], list[str]]:
    """Time every case on one backend; return the case rows, the overdue rows and plans to show."""
    engine = make_engine(target.url)
    target.engine = engine
    factory = make_sessionmaker(engine)
    raw = RawRunner(engine, ANCHOR)
    actor = Actor(user_id=uuid.UUID(dataset.supervisor_ids[0]), username="supervisor01", role=Role.SUPERVISOR)
    rows: list[Row] = []
    plans: list[str] = []
    try:
        for case in cases(dataset):
            with statement_counter(engine) as statements:
                page = service_find(factory, case.query, actor)
            raw_result = raw.find(case.query)
            raw_statements = 2 + (1 if case.query.department else 0) + (1 if raw_result.page else 0)
            query = case.query
            service_t, raw_t = measure(
                [partial(service_find, factory, query, actor), partial(raw.find, query)],
                config.warmup,
                config.runs,
            )
            row = Row(
                case.name,
                target.backend,
                service_t,
                raw_t,
                rows=f"{len(page.items)}/{page.total:,}",
                statements=f"{statements[0]} vs {raw_statements}",
                same=compare(page, raw_result),
            )
            rows.append(row)
            echo(
                f"  [{target.backend}] {case.name:<28} service {service_t.cell():>22} ms   "
                f"raw {raw_t.cell():>22} ms   x{row.ratio:.1f}  {row.same}"
            )
            if config.explain or service_t.p50 > SLOW_MS or raw_t.p50 > SLOW_MS:
                plans.append(f"### {target.backend}: {case.name} (service p50 {service_t.p50:,.0f} ms)")
                plans += raw.explain(case.query)

        overdue = TicketQuery(overdue=True)
        count_t, raw_count_t, page_t, raw_page_t = measure(
            [
                lambda: orm_count(factory, overdue, actor),
                lambda: raw.count(overdue),
                lambda: orm_page(factory, overdue, actor),
                lambda: raw.page(overdue),
            ],
            config.warmup,
            config.runs,
        )
        total = raw.count(overdue)
        first = len(raw.page(overdue).page)
        overdue_rows = [
            Row("overdue: count only", target.backend, count_t, raw_count_t, rows=f"{total:,}"),
            Row("overdue: first page only", target.backend, page_t, raw_page_t, rows=f"{first}"),
        ]
        for row in overdue_rows:
            echo(
                f"  [{target.backend}] {row.name:<28} ORM     {row.service.cell():>22} ms   "
                f"raw {row.raw.cell():>22} ms   x{row.ratio:.1f}"
            )
    finally:
        raw.close()
        engine.dispose()
    return rows, overdue_rows, plans


# -- output --------------------------------------------------------------------------------------------
def table(rows: list[Row], *, service_label: str, extra: bool) -> list[str]:
    head = f"| query | backend | rows | {service_label} p50 / p95 ms | raw p50 / p95 ms | ratio (p50) |"
    rule = "|---|---|---:|---:|---:|---:|"
    if extra:
        head += " SQL statements (service vs raw) | same rows |"
        rule += "---:|---|"
    out = [head, rule]
    for r in rows:
        line = f"| {r.name} | {r.backend} | {r.rows} | {r.service.cell()} | {r.raw.cell()} | {r.ratio:.1f}x |"
        if extra:
            line += f" {r.statements} | {r.same} |"
        out.append(line)
    return out


# -- the whole run -------------------------------------------------------------------------------------
def run_benchmark(config: BenchConfig, echo: Echo | None = None) -> None:
    """Set up the backends, load, measure, print, and clean everything up."""
    say: Echo = echo or (lambda line: print(line, flush=True))
    unknown = set(config.backends) - set(BACKENDS)
    if unknown or not config.backends:
        raise ValueError(f"backends must be among {', '.join(BACKENDS)}")
    tmp = Path(tempfile.mkdtemp(prefix="hlbench-", dir="/tmp"))
    tmp.chmod(0o755)  # the postgres OS user must reach its cluster directory inside
    pg_dir: Path | None = None
    drop_pg_schema: str | None = None
    sinks: list[Sink] = []
    targets: list[Target] = []
    try:
        started_all = time.perf_counter()
        for backend in config.backends:
            if backend == "sqlite":
                targets.append(Target("sqlite", f"sqlite:///{tmp / 'sqlite' / 'bench.db'}"))
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

        dataset = Dataset(config.tickets, config.seed)
        schema_seconds: dict[str, float] = {}
        for target in targets:
            started = time.perf_counter()
            upgrade(target.url)
            schema_seconds[target.backend] = time.perf_counter() - started
            if target.backend == "sqlite":
                sinks.append(SqliteSink(tmp / "sqlite" / "bench.db"))
            else:
                sinks.append(PostgresSink(target.url))
        pg_version = next((s.server_version() for s in sinks if isinstance(s, PostgresSink)), None)
        for line in machine(targets, pg_version):
            say(line)

        say(f"loading {config.tickets:,} tickets (seed {config.seed}) into {', '.join(config.backends)} ...")
        generate = load(dataset, sinks, config.batch_size, say)
        stats = dataset.stats
        analyze = {s.backend: s.finish() for s in sinks}
        load_seconds = {s.backend: s.write_seconds for s in sinks}
        sizes = {s.backend: s.sizes() for s in sinks}
        for sink in sinks:
            sink.close()
        sinks = []

        out: list[str] = []
        out.append("")
        out.append(
            f"data: {stats.tickets:,} tickets, {stats.events:,} events, {stats.assignments:,} assignments, "
            f"{len(stats.phones):,} distinct caller phones, {stats.overdue:,} overdue at {ANCHOR.isoformat()}"
        )
        statuses = ", ".join(f"{k} {v:,}" for k, v in stats.statuses.most_common())
        out.append(f"statuses: {statuses}")
        out.append(f"row generation (seeded, shared by the backends): {generate:.1f} s")
        out.append("")
        out.append(
            "| backend | schema (upgrade) s | load s | ANALYZE s | DB size | tickets | events | assignments |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for target in targets:
            size = sizes[target.backend]
            out.append(
                f"| {target.backend} | {schema_seconds[target.backend]:.1f} | "
                f"{load_seconds[target.backend]:.1f} | {analyze[target.backend]:.1f} | "
                f"{_mb(size['total'])} | "
                f"{_mb(size.get('tickets', 0))} | {_mb(size.get('ticket_events', 0))} | "
                f"{_mb(size.get('ticket_assignments', 0))} |"
            )
        for line in out:
            say(line)

        say("")
        say(f"measuring: {config.warmup} warm-ups + {config.runs} runs per query, supervisor actor")
        all_rows: list[Row] = []
        all_overdue: list[Row] = []
        all_plans: list[str] = []
        for target in targets:
            rows, overdue_rows, plans = bench_backend(target, dataset, config, say)
            all_rows += rows
            all_overdue += overdue_rows
            all_plans += plans

        ordered = sorted(all_rows, key=lambda r: [c.name for c in cases(dataset)].index(r.name))
        say("")
        say(f"## List queries through TicketService.find vs raw SQL ({config.tickets:,} tickets)")
        say("")
        for line in table(ordered, service_label="service", extra=True):
            say(line)
        say("")
        say("## Overdue query, count and first page timed separately (ORM statements vs raw SQL)")
        say("")
        for line in table(all_overdue, service_label="ORM", extra=False):
            say(line)
        if all_plans:
            say("")
            say("## Plans" + ("" if config.explain else f" of queries slower than {SLOW_MS:,.0f} ms (p50)"))
            for line in all_plans:
                say(line)
        say("")
        say(f"total wall time {time.perf_counter() - started_all:,.0f} s")
    finally:
        for sink in sinks:
            sink.close()
        for target in targets:
            if target.engine is not None:
                target.engine.dispose()
        if drop_pg_schema:
            drop_schema(drop_pg_schema)
        if pg_dir is not None:
            stop_postgres(pg_dir)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """``python -m bench.tickets_bench``: the same command as ``hotline bench tickets``."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.cli import tickets_command

    tickets_command.main(prog_name="python -m bench.tickets_bench")


if __name__ == "__main__":
    main()
