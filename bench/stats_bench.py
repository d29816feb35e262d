"""Statistics and scoring benchmark: ``StatisticsService`` over a year of work orders vs a raw aggregate.

Loads N generated work orders with the full event chain the statistics replay (:mod:`bench.stats_datagen`;
default 1,000,000 tickets) into a throw-away PostgreSQL cluster (and optionally SQLite), then times

- ``StatisticsService.report`` for the busiest month and for the whole year, by department and by
  category, and ``StatisticsService.scores`` (the monthly score table) for the busiest month;
- next to it, in the same run, a raw SQL aggregate over the same period (events per action per lead
  department, resp. per category) — what a plain ``GROUP BY`` costs, so the ratio says what reading every
  candidate ticket's history into Python and replaying it costs.

Each service call runs in a fresh worker process (spawned, so its RSS is its own): wall time, a split into
*fetch* (``queries.ticket_events``: SQL + building the rows), *replay* (``timeline.replay``) and the rest
(grouping, scoring, the pydantic report), the number of event rows read, and the RSS before / peak. A call
that runs past ``--timeout`` seconds is stopped and reported as such. It measures; it never asserts.

    python -m bench.stats_bench [--tickets N] [--backends postgres,sqlite] [--month YYYY-MM] [--runs 3]
    hotline bench stats ...              (same options)

See bench/README.md ("Statistics, scoring and knowledge-base search") for the results.
"""

from __future__ import annotations

import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event, text

from bench.datagen import ANCHOR
from bench.loaders import PostgresSink, Sink, SqliteSink
from bench.stats_datagen import StatsDataset
from bench.tickets_bench import (
    BACKENDS,
    Target,
    drop_schema,
    has_tables,
    load,
    machine,
    start_postgres,
    stop_postgres,
)
from ticketing.db.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
KINDS = ("department", "category", "scores")

Echo = Callable[[str], None]


@dataclass(frozen=True)
class StatsBenchConfig:
    """Options of one run."""

    tickets: int = 1_000_000
    backends: tuple[str, ...] = ("postgres",)
    seed: int = 12345
    month: str | None = None  # None: the month with the most new tickets
    runs: int = 3  # measured runs of each month call (the year calls run once)
    warmup: int = 0  # unrecorded month calls first (each worker is a fresh process)
    raw_runs: int = 5
    timeout_s: float = 600.0
    year: bool = True
    pg_url: str | None = None
    batch_size: int = 50_000


# -- the worker process --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One service call to time in a worker."""

    url: str
    kind: str  # department | category | scores
    first: date
    last: date
    runs: int
    warmup: int
    supervisor_id: str
    capture_sql: bool = False


@dataclass
class JobResult:
    """What a worker measured (seconds; bytes)."""

    seconds: list[float] = field(default_factory=list)
    fetch: list[float] = field(default_factory=list)
    replay: list[float] = field(default_factory=list)
    events: int = 0
    statements: int = 0
    rss_before: int = 0
    rss_peak: int = 0
    rss_after: int = 0
    driver_fetch_s: float | None = None
    driver_rows: int = 0
    plan: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    error: str | None = None


def _proc_status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _worker(job: Job, conn: Connection) -> None:
    try:
        result = _run_job(job)
    except BaseException:  # report anything to the parent
        result = JobResult(error=traceback.format_exc(limit=8))
    conn.send(result)
    conn.close()


def _run_job(job: Job) -> JobResult:
    import ticketing.statistics.service as service_module
    from ticketing.accounts.actor import Actor
    from ticketing.db.engine import make_engine, make_sessionmaker
    from ticketing.statistics import periods, queries
    from ticketing.statistics.rates import GroupBy
    from ticketing.statistics.schemas import ScoreTableOut, StatisticsReport
    from ticketing.tickets.lifecycle import Role

    phases = {"fetch": 0.0, "replay": 0.0}
    events = [0]
    original_events = queries.ticket_events
    original_replay = getattr(service_module, "replay")  # noqa: B009 - not re-exported

    def fetch(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        rows = original_events(*args, **kwargs)
        phases["fetch"] += time.perf_counter() - started
        events[0] = len(rows)
        return rows

    def replay(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_replay(*args, **kwargs)
        finally:
            phases["replay"] += time.perf_counter() - started

    queries.ticket_events = fetch
    setattr(service_module, "replay", replay)  # noqa: B010 - the service looks it up here

    engine = make_engine(job.url)
    factory = make_sessionmaker(engine)
    actor = Actor(user_id=uuid.UUID(job.supervisor_id), username="supervisor01", role=Role.SUPERVISOR)
    period = periods.Period(job.first, job.last)
    captured: list[tuple[str, Any]] = []
    statements = [0]

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements[0] += 1
        if "ticket_events" in statement and "UNION" in statement.upper() and not captured:
            captured.append((statement, parameters))

    def call() -> StatisticsReport | ScoreTableOut:
        with factory() as session:
            service = service_module.StatisticsService(session, now=lambda: ANCHOR)
            out: StatisticsReport | ScoreTableOut
            if job.kind == "scores":
                assert period.month is not None
                out = service.scores(period.month, actor)
            else:
                out = service.report(period, GroupBy(job.kind), actor)
            session.rollback()
            return out

    result = JobResult()
    with engine.connect() as conn:  # connect and warm the pool before the RSS baseline
        conn.execute(text("SELECT 1"))
    result.rss_before = _proc_status("VmRSS")
    out: StatisticsReport | ScoreTableOut | None = None
    for i in range(job.warmup + job.runs):
        phases["fetch"] = phases["replay"] = 0.0
        if i == job.warmup:
            event.listen(engine, "before_cursor_execute", on_execute)
        started = time.perf_counter()
        out = call()
        elapsed = time.perf_counter() - started
        if i == job.warmup:
            event.remove(engine, "before_cursor_execute", on_execute)
            result.statements = statements[0]
        if i >= job.warmup:
            result.seconds.append(elapsed)
            result.fetch.append(phases["fetch"])
            result.replay.append(phases["replay"])
    result.rss_peak = _proc_status("VmHWM")
    result.rss_after = _proc_status("VmRSS")  # the last result is still held
    result.events = events[0]
    result.summary = _summary(out)  # the figures show that the data is plausible
    del out
    if job.capture_sql and captured:
        result.driver_fetch_s, result.driver_rows, result.plan = _driver_fetch(engine, *captured[0])
    engine.dispose()
    return result


def _driver_fetch(engine: Engine, statement: str, parameters: Any) -> tuple[float, int, list[str]]:
    """The service's event query re-run on the DBAPI cursor (fetchall, no ORM), and its plan."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(statement, parameters)
        rows = len(cursor.fetchall())
        seconds = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
        cursor.close()
        raw.rollback()
        return seconds, rows, plan
    finally:
        raw.close()


def _summary(out: Any) -> list[str]:
    from ticketing.statistics.schemas import ScoreTableOut, StatisticsReport

    def rate(value: float | None) -> str:
        return "–" if value is None else f"{value * 100:.1f} %"

    lines: list[str] = []
    if isinstance(out, StatisticsReport):
        lines.append(
            "| row | registered | dispatched | response rate | on-time rate | overdue | returns | callbacks "
            "| resolution | process / result satisfied |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in [*out.rows, out.total]:
            lines.append(
                f"| {row.key or 'total'} | {row.registered:,} | {row.dispatched:,} | "
                f"{rate(row.response.rate)} | "
                f"{rate(row.on_time.rate)} | {row.overdue:,} | {row.returns:,} | {row.callbacks:,} | "
                f"{rate(row.resolution.rate)} | {rate(row.process_satisfaction.rate)} / "
                f"{rate(row.result_satisfaction.rate)} |"
            )
    elif isinstance(out, ScoreTableOut):
        lines.append("| unit | total | effectiveness (of 80) | callbacks | deduction lines | bonus lines |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for unit in out.departments:
            lines.append(
                f"| {unit.department} | {unit.total:.2f} | {float(unit.effectiveness.points):.2f} | "
                f"{unit.callbacks:,} | {len(unit.deductions):,} ({unit.deduction_points:+,}) | "
                f"{len(unit.bonuses):,} ({unit.bonus_points:+,}) |"
            )
    return lines


def run_job(job: Job, timeout_s: float) -> JobResult:
    """Run ``job`` in a spawned process; stop it after ``timeout_s``."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(job, child), daemon=True)
    process.start()
    child.close()
    try:
        if parent.poll(timeout_s):
            result: JobResult = parent.recv()
        else:
            result = JobResult(error=f"timeout: stopped after {timeout_s:.0f} s")
    except EOFError:
        result = JobResult(error=f"worker died (exit code {process.exitcode})")
    finally:
        if process.is_alive():
            process.terminate()
            process.join(10)
            if process.is_alive():
                process.kill()
        process.join(10)
        parent.close()
    return result


# -- the raw baseline ----------------------------------------------------------------------------------
RAW_DEPARTMENT = """
SELECT d.code, e.action, count(*)
FROM ticket_events AS e
JOIN ticket_assignments AS a ON a.ticket_id = e.ticket_id AND a.role = 'lead' AND a.active = {true}
JOIN departments AS d ON d.id = a.department_id
WHERE e.at >= :start AND e.at < :end
GROUP BY d.code, e.action
"""
RAW_CATEGORY = """
SELECT t.category, e.action, count(*)
FROM ticket_events AS e
JOIN tickets AS t ON t.id = e.ticket_id
WHERE e.at >= :start AND e.at < :end
GROUP BY t.category, e.action
"""


def _bound(engine: Engine, at: datetime) -> datetime | str:
    naive = at.astimezone(UTC).replace(tzinfo=None)
    if engine.dialect.name == "sqlite":  # stored as SQLAlchemy's DateTime text
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f")
    return naive


def raw_aggregate(engine: Engine, kind: str, start: datetime, end: datetime) -> tuple[float, int, int]:
    """One run: seconds, result rows, events counted."""
    sql = RAW_CATEGORY if kind == "category" else RAW_DEPARTMENT
    sql = sql.replace("{true}", "1" if engine.dialect.name == "sqlite" else "true")
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(text(sql), {"start": _bound(engine, start), "end": _bound(engine, end)}).all()
        seconds = time.perf_counter() - started
    return seconds, len(rows), sum(int(r[2]) for r in rows)


def busiest_month(engine: Engine) -> str:
    """The Shanghai month with the most new tickets (no DST in Asia/Shanghai: +8 h is exact)."""
    if engine.dialect.name == "sqlite":
        expr = "strftime('%Y-%m', created_at, '+8 hours')"
    else:
        expr = "to_char(created_at + interval '8 hours', 'YYYY-MM')"
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT {expr} AS m, count(*) AS n FROM tickets GROUP BY m ORDER BY n DESC, m LIMIT 1")
        ).one()
    return str(row[0])


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# -- output helpers ------------------------------------------------------------------------------------
def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f}"


@dataclass
class Line:
    """One row of the timing table."""

    call: str
    backend: str
    period: str
    result: JobResult
    raw_seconds: list[float]
    raw_events: int
    load: float


def _timing_table(lines: list[Line]) -> list[str]:
    out = [
        "| call | backend | period | events in period / read by the service | service s | raw aggregate s | "
        "ratio | fetch s (SQL + rows) | replay s | rest s | SQL statements | load1 |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ln in lines:
        r = ln.result
        raw = _p50(ln.raw_seconds)
        if r.error:
            cell = "**timeout**" if r.error.startswith("timeout") else "**error**"
            out.append(
                f"| {ln.call} | {ln.backend} | {ln.period} | {ln.raw_events:,} / – | "
                f"{cell} ({r.error.splitlines()[-1]}) "
                f"| {raw:.2f} | – | – | – | – | – | {ln.load:.2f} |"
            )
            continue
        service = _p50(r.seconds)
        fetch, replay = _p50(r.fetch), _p50(r.replay)
        runs = f" (p50 of {len(r.seconds)})" if len(r.seconds) > 1 else ""
        out.append(
            f"| {ln.call} | {ln.backend} | {ln.period} | {ln.raw_events:,} / {r.events:,} | "
            f"{service:,.2f}{runs} | "
            f"{raw:.2f} | {service / raw if raw else float('nan'):,.0f}x | {fetch:,.2f} | {replay:,.2f} | "
            f"{service - fetch - replay:,.2f} | {r.statements} | {ln.load:.2f} |"
        )
    return out


def _memory_table(lines: list[Line]) -> list[str]:
    out = [
        "| call | backend | period | RSS before MB | peak RSS MB | peak − before MB "
        "| RSS after (result held) MB |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for ln in lines:
        r = ln.result
        if r.error:
            continue
        out.append(
            f"| {ln.call} | {ln.backend} | {ln.period} | {_mb(r.rss_before)} | {_mb(r.rss_peak)} | "
            f"{_mb(r.rss_peak - r.rss_before)} | {_mb(r.rss_after)} |"
        )
    return out


# -- the whole run -------------------------------------------------------------------------------------
def run_benchmark(config: StatsBenchConfig, echo: Echo | None = None) -> None:
    """Set up the backends, load, measure, print, and clean everything up."""
    from ticketing.statistics import periods

    say: Echo = echo or (lambda line: print(line, flush=True))
    unknown = set(config.backends) - set(BACKENDS)
    if unknown or not config.backends:
        raise ValueError(f"backends must be among {', '.join(BACKENDS)}")
    tmp = Path(tempfile.mkdtemp(prefix="hlstats-", dir="/tmp"))
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
        dataset = StatsDataset(config.tickets, config.seed)
        for target in targets:
            upgrade(target.url)
            if target.backend == "sqlite":
                sinks.append(SqliteSink(tmp / "sqlite" / "bench.db"))
            else:
                sinks.append(PostgresSink(target.url))
        pg_version = next((s.server_version() for s in sinks if isinstance(s, PostgresSink)), None)
        for line in machine(targets, pg_version):
            say(line)
        say(f"loading {config.tickets:,} tickets (seed {config.seed}, full event chains) ...")
        generate = load(dataset, sinks, config.batch_size, say)
        analyze = {s.backend: s.finish() for s in sinks}
        load_seconds = {s.backend: s.write_seconds for s in sinks}
        for sink in sinks:
            sink.close()
        sinks = []
        stats = dataset.stats
        say(
            f"data: {stats.tickets:,} tickets, {stats.events:,} events, {stats.assignments:,} assignments; "
            f"row generation {generate:.0f} s; "
            + ", ".join(
                f"{b} load {load_seconds[b]:.0f} s + ANALYZE {analyze[b]:.0f} s" for b in load_seconds
            )
        )

        lines: list[Line] = []
        summaries: list[str] = []
        plans: list[str] = []
        year = periods.between(date(2025, 12, 1), date(2026, 11, 30))
        for target in targets:
            engine = sqlalchemy.create_engine(target.url)
            try:
                month_label = config.month or busiest_month(engine)
                month = periods.month(month_label)
                say(f"[{target.backend}] busiest month {month_label}; year {year.label}")
                chosen = [(month, kind) for kind in KINDS]
                if config.year:
                    chosen += [(year, "department"), (year, "category")]
                year_timed_out = False
                for period, kind in chosen:
                    is_year = period is year
                    raw_kind = "category" if kind == "category" else "department"
                    raw = [
                        raw_aggregate(engine, raw_kind, period.start, period.end)
                        for _ in range(config.raw_runs if not is_year else max(1, config.raw_runs // 2))
                    ]
                    raw_seconds = [r[0] for r in raw]
                    name = "scores (monthly table)" if kind == "scores" else f"report by {kind}"
                    if is_year and year_timed_out:
                        result = JobResult(error="skipped: the other year call timed out")
                    else:
                        say(f"[{target.backend}] {name}, {period.label} ... (load1 {load1():.2f})")
                        job = Job(
                            url=target.url,
                            kind=kind,
                            first=period.first,
                            last=period.last,
                            runs=1 if is_year else config.runs,
                            warmup=0 if is_year else config.warmup,
                            supervisor_id=dataset.supervisor_ids[0],
                            capture_sql=kind == "department",
                        )
                        result = run_job(job, config.timeout_s)
                        year_timed_out = is_year and bool(result.error and result.error.startswith("timeout"))
                    entry = Line(name, target.backend, period.label, result, raw_seconds, raw[0][2], load1())
                    lines.append(entry)
                    for row in _timing_table([entry])[2:]:
                        say("  " + row)
                    if result.error and not result.error.startswith(("timeout", "skipped")):
                        say(result.error)
                    if result.summary:
                        summaries += [
                            "",
                            f"### {target.backend}: {name}, {period.label}",
                            "",
                            *result.summary,
                        ]
                    if result.driver_fetch_s is not None:
                        summaries += [
                            "",
                            f"{target.backend}, {period.label}: the service's event query alone on the DBAPI "
                            f"cursor (fetchall, no ORM): {result.driver_fetch_s:.2f} s for "
                            f"{result.driver_rows:,} rows",
                        ]
                        plans += ["", f"### {target.backend}: events query, {period.label}", "", "```"]
                        plans += [*result.plan, "```"]
            finally:
                engine.dispose()

        say("")
        say(f"## StatisticsService vs raw aggregate ({config.tickets:,} tickets, {stats.events:,} events)")
        say("")
        for row in _timing_table(lines):
            say(row)
        say("")
        say("## Memory of the worker process (each call in a fresh spawned process)")
        say("")
        for row in _memory_table(lines):
            say(row)
        say("")
        say("## What the calls returned (summary)")
        for row in summaries:
            say(row)
        if plans:
            say("")
            say("## Plans of the service's event query")
            for row in plans:
                say(row)
        say("")
        say(f"total wall time {time.perf_counter() - started_all:,.0f} s; load1 at the end {load1():.2f}")
    finally:
        for sink in sinks:
            sink.close()
        if drop_pg_schema:
            drop_schema(drop_pg_schema)
        if pg_dir is not None:
            stop_postgres(pg_dir)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """``python -m bench.stats_bench``: the same command as ``hotline bench stats``."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.cli import stats_command

    stats_command.main(prog_name="python -m bench.stats_bench")


if __name__ == "__main__":
    main()
