"""``hotline demo`` end to end: a real process, a real server on loopback, one ticket's whole life."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

HOTLINE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "hotline"


def _run_demo(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [str(HOTLINE), "demo"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def first_run(demo_dir: Path) -> subprocess.CompletedProcess[str]:
    return _run_demo(demo_dir)


def test_demo_succeeds(first_run: subprocess.CompletedProcess[str], demo_dir: Path) -> None:
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    assert "Traceback" not in first_run.stderr
    assert (demo_dir / "var" / "demo.sqlite3").is_file()
    assert "» database: sqlite:///var/demo.sqlite3" in first_run.stdout


def test_demo_walks_one_ticket_to_the_archive(first_run: subprocess.CompletedProcess[str]) -> None:
    out = first_run.stdout.split("» 8.")[0]  # the walk-through, before the telephone call
    numbers = set(re.findall(r"\b\d{8}-\d{6}\b", out))
    assert len(numbers) == 1, numbers  # one ticket, the same number at every step
    number = numbers.pop()
    for status in ("registered", "dispatched", "in_progress", "replied", "completed", "archived"):
        assert re.search(rf"^\s+{number}\s+{status}\b", out, re.MULTILINE), status
    assert re.search(r"dispatched .* due \d{4}-\d{2}-\d{2}", out)
    assert "illegal_transition" in out
    assert "dispatch an archived ticket → HTTP 409" in out
    # Event history: six state changes in order.
    actions = re.findall(
        r"^\s+\S+\s+\S+\s+(register|dispatch|accept|reply|close|callback)\b", out, re.MULTILINE
    )
    assert actions == ["register", "dispatch", "accept", "reply", "close", "callback"]


def test_demo_masks_the_confidential_caller_for_the_department(
    first_run: subprocess.CompletedProcess[str],
) -> None:
    seen = next(line for line in first_run.stdout.splitlines() if "housing01 sees caller" in line)
    assert "'masked': True" in seen
    assert "'confidential': True" in seen
    assert "张三" not in seen
    assert "138" not in seen
    assert "8000" not in seen
    assert "housing01 tries 办结 → HTTP 403 permission_denied" in first_run.stdout


def test_demo_runs_again(first_run: subprocess.CompletedProcess[str], demo_dir: Path) -> None:
    assert first_run.returncode == 0
    second = _run_demo(demo_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "seeded 13 departments and 5 accounts" in second.stdout
    assert "archived" in second.stdout
    assert "illegal_transition" in second.stdout
    # A fresh database each time: the ticket numbering starts over.
    assert re.findall(r"\b\d{8}-\d{6}\b", second.stdout)[0].endswith("-000001")


def test_demo_call_is_answered_pops_and_becomes_a_dispatched_and_closed_ticket(
    first_run: subprocess.CompletedProcess[str],
) -> None:
    call_part = first_run.stdout.split("» 8.")[1]
    assert "agent01 logs in at phone 1001: ready" in call_part
    assert "SIPp citizen finished with exit code 0" in call_part
    assert re.search(r"answered by PJSIP/agent1001 after [\d.]+ s in the queue", call_part)
    draft = re.search(r"draft\s+([0-9a-f-]{36})\s+category complaint", call_part)
    assert draft, call_part
    pop = call_part.split("pop.offered")[1]
    assert f"draft {draft.group(1)}" in pop  # the pop carried the call's draft
    assert re.search(r"pop.connected\s+\d+ ms after Asterisk's AgentConnect", call_part)
    ticket = re.search(r"(\d{8}-\d{6})\s+registered\s+from draft " + draft.group(1), call_part)
    assert ticket, call_part
    for status in ("dispatched", "in_progress", "replied", "completed"):
        assert re.search(rf"^\s+{ticket.group(1)}\s+{status}\b", call_part, re.MULTILINE), status
    survey = call_part.split("» 12.")[1]
    assert re.search(
        r"attempt 1\s+answered\s+answered \S+\s+\(the phone got 1 INVITE, SIPp rc 0\)", survey
    ), survey
    assert "answers  问题已解决, 满意度 satisfied (complete)" in survey
    assert re.search(rf"^\s+{ticket.group(1)}\s+archived\b", survey, re.MULTILINE), survey
