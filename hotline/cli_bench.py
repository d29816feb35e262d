"""``bench`` CLI group: benchmarks that measure and print (they never assert on timings).

The benchmark code lives in the source checkout's ``bench/`` directory, which is not part of the
installed package; the commands import it lazily and, when ``hotline`` runs from an editable install
of a checkout, find it next to this package.
"""

from __future__ import annotations

import sys
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


def _ensure_importable() -> None:
    """Make ``bench`` importable when ``hotline`` runs from an (editable) install of a checkout."""
    try:
        import bench.tickets_bench  # noqa: F401 - only checking that it imports
    except ModuleNotFoundError as exc:
        checkout = Path(__file__).resolve().parent.parent
        if (
            exc.name not in ("bench", "bench.tickets_bench")
            or not (checkout / "bench" / "tickets_bench.py").is_file()
        ):
            raise click.ClickException(
                "the benchmark lives in the source checkout's bench/ directory; run it from a checkout"
            ) from exc
        sys.path.insert(0, str(checkout))


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
    _ensure_importable()
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
    _ensure_importable()
    from bench.ivr_bench import IvrBenchConfig, run_benchmark

    config = IvrBenchConfig(
        steps=steps, step_seconds=step_seconds, in_queue_ms=in_queue_ms, db_url=db_url, keep_log=keep_log
    )
    try:
        run_benchmark(config, echo=lambda line: click.echo(line))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
