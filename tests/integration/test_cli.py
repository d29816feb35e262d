"""The ``hotline`` command against a real database, once on SQLite and once on PostgreSQL.

Commands run through click's CliRunner with ``HOTLINE_DATABASE_URL`` pointing at the test database;
data is prepared and checked through the service layer, as another program would see it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.cli import cli
from ticketing.accounts.actor import Actor
from ticketing.accounts.service import UserService
from ticketing.calendar.models import CalendarOverride, CalendarYear
from ticketing.calendar.service import load_calendar
from ticketing.categories import Category
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.departments.models import Department
from ticketing.errors import AuthenticationRequired
from ticketing.tickets.actions import ActionService
from ticketing.tickets.export import EXPORT_FIELDS
from ticketing.tickets.lifecycle import Action, Role, Status
from ticketing.tickets.models import AuditRecord, Ticket
from ticketing.tickets.schemas import ActionRequest, CallerIn, TicketCreate
from ticketing.tickets.service import TicketService

REPO_ROOT = Path(__file__).resolve().parents[2]
HOTLINE = REPO_ROOT / ".venv" / "bin" / "hotline"
SEED = json.loads((REPO_ROOT / "ticketing" / "seed" / "departments.json").read_text(encoding="utf-8"))
SEED_CODES = sorted(item["code"] for item in SEED)
PASSWORD = "s3cret-password"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("HOTLINE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # a stray dev default (./var/hotline.sqlite3) would land here


class Hotline:
    """``hotline …`` on one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self.runner.invoke(cli, list(args), env={"HOTLINE_DATABASE_URL": self.url, **(env or {})})
        # Failures are clean: click's exit, never an escaped exception with a traceback.
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def hotline(db_url: str) -> Hotline:
    return Hotline(db_url)


@pytest.fixture
def seeded(hotline: Hotline) -> Hotline:
    hotline.ok("db", "upgrade")
    hotline.ok("db", "seed-demo")
    return hotline


@pytest.fixture
def engine(seeded: Hotline) -> Iterator[Engine]:
    engine = make_engine(seeded.url)
    yield engine
    engine.dispose()


def _session(engine: Engine) -> Session:
    return make_sessionmaker(engine)()


# -- db / users / departments -----------------------------------------------------------------------
def test_db_upgrade(hotline: Hotline) -> None:
    result = hotline.ok("db", "upgrade")
    assert result.stdout.startswith("database at revision heads: ")
    again = hotline.ok("db", "upgrade")
    assert again.stdout == result.stdout


def test_seed_demo_is_idempotent(hotline: Hotline) -> None:
    hotline.ok("db", "upgrade")
    first = hotline.ok("db", "seed-demo").stdout.splitlines()
    assert first[0] == f"{len(SEED)} demo departments added"
    assert first[1].endswith("demo knowledge articles added")
    assert not first[1].startswith("0 ")
    again = hotline.ok("db", "seed-demo").stdout.splitlines()
    assert again == ["0 demo departments added", "0 demo knowledge articles added"]


def test_departments_list_shows_seeded_codes(seeded: Hotline) -> None:
    lines = seeded.ok("departments", "list").stdout.splitlines()
    assert sorted(line.split()[0] for line in lines) == SEED_CODES
    assert any(
        line.split()[:2] == ["city.housing", "city"] and "市住房和城乡建设局" in line for line in lines
    )


def test_users_create_then_log_in(seeded: Hotline, engine: Engine) -> None:
    env = {"HOTLINE_NEW_USER_PASSWORD": PASSWORD}
    result = seeded.ok("users", "create", "agent07", "--role", "agent", "--display-name", "话务员", env=env)
    assert re.fullmatch(r"created agent agent07 \([0-9a-f-]{36}\)\n", result.stdout)
    seeded.ok("users", "create", "housing07", "--role", "department", "--department", "city.housing", env=env)

    with _session(engine) as session, session.begin():
        users = UserService(session)
        token, _, user = users.issue_token("agent07", PASSWORD)
        assert (user.role, user.display_name) == ("agent", "话务员")
        assert users.actor_for_token(token).role is Role.AGENT
        _, _, unit_user = users.issue_token("housing07", PASSWORD)
        housing = session.scalar(select(Department).where(Department.code == "city.housing"))
        assert housing is not None
        assert unit_user.department_id == housing.id
        with pytest.raises(AuthenticationRequired):
            users.issue_token("agent07", "wrong-password")

    listing = seeded.ok("users", "list").stdout
    assert re.search(r"^agent07\s+agent\s+active$", listing, re.MULTILINE)


def test_duplicate_username_is_a_clean_error(seeded: Hotline) -> None:
    env = {"HOTLINE_NEW_USER_PASSWORD": PASSWORD}
    seeded.ok("users", "create", "agent07", "--role", "agent", env=env)
    result = seeded("users", "create", "agent07", "--role", "supervisor", env=env)
    assert result.exit_code == 1
    assert "username 'agent07' is taken" in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_username_from_the_shell(seeded: Hotline) -> None:
    env = {**os.environ, "HOTLINE_DATABASE_URL": seeded.url, "HOTLINE_NEW_USER_PASSWORD": PASSWORD}
    command = [str(HOTLINE), "users", "create", "agent07", "--role", "agent"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode == 1
    assert second.stderr == "Error: conflict: username 'agent07' is taken\n"
    assert second.stdout == ""


def test_department_user_needs_a_department(seeded: Hotline, engine: Engine) -> None:
    env = {"HOTLINE_NEW_USER_PASSWORD": PASSWORD}
    result = seeded("users", "create", "unit07", "--role", "department", env=env)
    assert result.exit_code == 1
    assert "needs --department" in result.stderr
    unknown = seeded(
        "users", "create", "unit07", "--role", "department", "--department", "city.nope", env=env
    )
    assert unknown.exit_code == 1
    assert "Traceback" not in unknown.output
    with _session(engine) as session:
        assert [u.username for u in UserService(session).list()] == []


def test_short_password_is_refused(seeded: Hotline) -> None:
    result = seeded(
        "users", "create", "agent07", "--role", "agent", env={"HOTLINE_NEW_USER_PASSWORD": "short"}
    )
    assert result.exit_code == 1
    assert "password" in result.stderr


# -- calendar ----------------------------------------------------------------------------------------
DISPATCHED_AT = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def test_add_workdays_with_a_database(seeded: Hotline) -> None:
    result = seeded.ok("calendar", "add-workdays", "2026-09-30", "3")
    assert result.stdout == "2026-10-10\n"


def _dispatched_ticket(engine: Engine) -> tuple[str, str]:
    """A complaint dispatched on 2026-12-28 (deadline runs into unpublished 2027) and a registered one."""
    clock = lambda: DISPATCHED_AT  # noqa: E731
    with _session(engine) as session, session.begin():
        tickets = TicketService(session, now=clock)
        dispatched = tickets.create(_ticket_data(0), Actor.system())
        waiting = tickets.create(_ticket_data(1), Actor.system())
        ActionService(session, load_calendar(session), now=clock).perform(
            dispatched.number,
            Action.DISPATCH,
            ActionRequest(lead_department="city.housing"),
            Actor.system(Role.AGENT),
        )
        return dispatched.number, waiting.number


def _ticket(engine: Engine, number: str) -> Ticket:
    with _session(engine) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


def test_load_overrides_changes_the_calendar_and_recomputes_deadlines(
    seeded: Hotline, engine: Engine, tmp_path: Path
) -> None:
    number, waiting = _dispatched_ticket(engine)
    before = _ticket(engine, number)
    # 5 working days: 12-29, 12-30, 12-31, (元旦 1-1, weekend), 1-4, 1-5 → end of 2027-01-05 Shanghai.
    assert before.due_at == datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
    assert before.due_provisional is True
    assert seeded.ok("calendar", "is-workday", "2027-01-04").stdout == "workday\n"

    overrides = tmp_path / "2027.csv"
    overrides.write_text(
        "# day,kind,note\n2027-01-04,holiday,元旦调休\n\n2027-01-09,Workday,元旦补班\n", encoding="utf-8"
    )
    result = seeded.ok("calendar", "load-overrides", str(overrides), "--confirm-year", "2027")
    assert result.stdout == "2 override days stored; 1 provisional deadlines recomputed\n"

    with _session(engine) as session:
        stored = {(o.day, o.workday, o.note) for o in session.scalars(select(CalendarOverride))}
        assert stored == {(date(2027, 1, 4), False, "元旦调休"), (date(2027, 1, 9), True, "元旦补班")}
        assert list(session.scalars(select(CalendarYear.year))) == [2027]

    # The CLI now answers with the stored overrides, and 2027 is no longer provisional.
    holiday = seeded.ok("calendar", "is-workday", "2027-01-04")
    assert (holiday.stdout, holiday.stderr) == ("holiday\n", "")
    assert seeded.ok("calendar", "is-workday", "2027-01-09").stdout == "workday\n"
    assert seeded.ok("calendar", "add-workdays", "2026-12-31", "1").stdout == "2027-01-05\n"

    after = _ticket(engine, number)
    # 1-4 is now a day off: 12-29, 12-30, 12-31, 1-5, 1-6 → end of 2027-01-06 Shanghai, final.
    assert after.due_at == datetime(2027, 1, 6, 16, 0, tzinfo=UTC)
    assert after.due_provisional is False
    assert _ticket(engine, waiting).due_at is None

    # Loading again replaces the day's override instead of adding a second one.
    overrides.write_text("2027-01-04,workday,撤销\n", encoding="utf-8")
    seeded.ok("calendar", "load-overrides", str(overrides))
    assert seeded.ok("calendar", "is-workday", "2027-01-04").stdout == "workday\n"


def test_load_overrides_accepts_a_spreadsheet_bom(seeded: Hotline, tmp_path: Path) -> None:
    overrides = tmp_path / "excel.csv"
    overrides.write_text("2027-01-04,holiday\r\n", encoding="utf-8-sig")
    assert seeded.ok("calendar", "load-overrides", str(overrides)).stdout.startswith("1 override days stored")
    assert seeded.ok("calendar", "is-workday", "2027-01-04").stdout == "holiday\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2027-01-04,holiday\n2027-02-30,holiday\n", ":2: expected YYYY-MM-DD,holiday|workday"),
        ("2027-01-04,holiday\n# note\n2027-01-05\n", ":3: expected YYYY-MM-DD,holiday|workday"),
        ("04.01.2027,holiday\n", ":1: expected YYYY-MM-DD,holiday|workday"),
        ("2027-01-04,holiday\n2027-01-05,vacation\n", ":2: kind must be holiday or workday, not 'vacation'"),
    ],
)
def test_bad_override_line_names_file_and_line(
    seeded: Hotline, engine: Engine, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = seeded("calendar", "load-overrides", str(path))
    assert result.exit_code == 1
    assert f"{path}{message}" in result.stderr
    with _session(engine) as session:  # all or nothing: the good first line is not stored either
        assert session.scalar(select(func.count()).select_from(CalendarOverride)) == 0


def test_load_overrides_missing_file(seeded: Hotline, tmp_path: Path) -> None:
    result = seeded("calendar", "load-overrides", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


# -- export ------------------------------------------------------------------------------------------
CATEGORIES = (Category.COMPLAINT, Category.CONSULT, Category.REPORT)
TOTAL = 30


def _ticket_data(i: int) -> TicketCreate:
    return TicketCreate(
        category=CATEGORIES[i % len(CATEGORIES)],
        title=f"工单 {i:02d}：路灯不亮",
        content=f'第{i}号路口路灯连续三晚不亮, "请" 尽快修复。\n第二行',
        location=f"东城区和平街道 {i} 号",
        caller=CallerIn(name=f"来电人{i}", phone=f"138 0013 {8000 + i}", confidential=i % 5 == 0),
    )


@pytest.fixture
def tickets(engine: Engine) -> dict[str, Ticket]:
    """30 tickets registered via the service layer; every 4th dispatched to city.housing."""
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    created: dict[str, Ticket] = {}
    with _session(engine) as session, session.begin():
        for i in range(TOTAL):
            now = start + timedelta(hours=i)
            ticket = TicketService(session, now=lambda now=now: now).create(_ticket_data(i), Actor.system())
            if i % 4 == 0:
                ActionService(session, load_calendar(session), now=lambda now=now: now).perform(
                    ticket.number,
                    Action.DISPATCH,
                    ActionRequest(lead_department="city.housing"),
                    Actor.system(Role.AGENT),
                )
            created[ticket.number] = ticket
    return created


def _audits(engine: Engine) -> list[str | None]:
    with _session(engine) as session:
        return list(
            session.scalars(
                select(AuditRecord.detail).where(AuditRecord.what == "export").order_by(AuditRecord.id)
            )
        )


def test_export_csv(seeded: Hotline, engine: Engine, tickets: dict[str, Ticket], tmp_path: Path) -> None:
    out = tmp_path / "tickets.csv"
    result = seeded.ok("tickets", "export", "--format", "csv", "--output", str(out))
    assert result.stdout == ""
    assert f"{TOTAL}/{TOTAL}" in result.stderr  # the progress bar
    assert f"exported {TOTAL} tickets to {out}" in result.stderr

    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == EXPORT_FIELDS
    assert len(rows) == TOTAL
    assert [r["number"] for r in rows] == sorted(tickets)  # oldest first
    for row in rows:
        ticket = tickets[row["number"]]
        assert row["title"] == ticket.title
        assert row["content"] == ticket.content  # quotes, commas and newlines survive
        assert row["category"] == ticket.category
        assert row["caller_phone"] == ticket.caller_phone
        assert row["caller_name"] == ticket.caller_name
        assert row["confidential"] == str(ticket.confidential)
        assert row["status"] == ticket.status
        dispatched = ticket.status == Status.DISPATCHED.value
        assert row["lead_department"] == ("city.housing" if dispatched else "")
        assert bool(row["due_at"]) is dispatched
        assert datetime.fromisoformat(row["created_at"]) == ticket.created_at
    assert _audits(engine) == [f"cli:csv:{TOTAL} tickets"]


def test_export_json(seeded: Hotline, engine: Engine, tickets: dict[str, Ticket], tmp_path: Path) -> None:
    out = tmp_path / "tickets.json"
    result = seeded.ok("tickets", "export", "--format", "json", "-o", str(out))
    assert f"{TOTAL}/{TOTAL}" in result.stderr

    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == TOTAL
    assert all(tuple(row) == EXPORT_FIELDS for row in rows)
    assert {row["number"] for row in rows} == set(tickets)
    for row in rows:
        ticket = tickets[row["number"]]
        assert (row["title"], row["content"], row["caller_phone"]) == (
            ticket.title,
            ticket.content,
            ticket.caller_phone,
        )
        assert row["confidential"] is ticket.confidential
        assert row["redo_count"] == 0
        if ticket.due_at is None:
            assert row["due_at"] is None
        else:
            assert datetime.fromisoformat(row["due_at"]) == ticket.due_at
            assert row["lead_department"] == "city.housing"
    assert _audits(engine) == [f"cli:json:{TOTAL} tickets"]


def test_export_filters(seeded: Hotline, engine: Engine, tickets: dict[str, Ticket], tmp_path: Path) -> None:
    out = tmp_path / "filtered.json"

    def export(*args: str) -> list[str]:
        seeded.ok("tickets", "export", "--format", "json", "-o", str(out), *args)
        return sorted(row["number"] for row in json.loads(out.read_text(encoding="utf-8")))

    def expected(status: set[str] | None = None, category: set[str] | None = None) -> list[str]:
        return sorted(
            n
            for n, t in tickets.items()
            if (status is None or t.status in status) and (category is None or t.category in category)
        )

    dispatched = export("--status", "dispatched")
    assert dispatched == expected(status={"dispatched"})
    assert len(dispatched) == 8
    assert export("--category", "complaint") == expected(category={"complaint"})
    assert export("--category", "complaint", "--category", "report") == expected(
        category={"complaint", "report"}
    )
    both = export("--status", "registered", "--category", "consult")
    assert both == expected(status={"registered"}, category={"consult"})
    assert 0 < len(both) < 10
    assert export("--status", "archived") == []
    assert _audits(engine) == [
        "cli:json:8 tickets",
        "cli:json:10 tickets",
        "cli:json:20 tickets",
        f"cli:json:{len(both)} tickets",
        "cli:json:0 tickets",
    ]


def test_export_to_stdout_has_no_progress_bar(seeded: Hotline, tickets: dict[str, Ticket]) -> None:
    result = seeded.ok("tickets", "export", "--format", "csv", "--category", "report")
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert {r["number"] for r in rows} == {n for n, t in tickets.items() if t.category == "report"}
    assert f"{len(rows)}/{len(rows)}" not in result.stderr
    assert "exported" not in result.stderr


def test_export_refuses_bad_options(seeded: Hotline, engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "x.xml"
    unknown = seeded("tickets", "export", "--format", "xml", "-o", str(out))
    assert unknown.exit_code == 2
    assert "'xml' is not one of 'csv', 'json'" in unknown.stderr
    assert not out.exists()
    bad_status = seeded("tickets", "export", "--status", "lost")
    assert bad_status.exit_code == 1
    assert "status" in bad_status.stderr
    assert _audits(engine) == []
