"""Screen-pop latency: from ``AgentConnect`` as Asterisk stamps it to the ``pop.connected`` message on the
agent's WebSocket, with 1, 10 and 50 agents answering at once.

One Asterisk sandbox of its own (free ports, ``/etc/asterisk/hotline-bench-pop``, as many agent phones as
the largest step), one ``hotline serve`` subprocess (a SQLite file in a temp directory, the agent bridge on
the sandbox's AMI, no IVR: the dialplan queues the callers straight into the general queue), N agent
accounts bound to phones 1001… and logged in, N SIPp phone registrations whose contact is one answering
SIPp (it takes every call after ``ring_ms``), N WebSocket desktops in this process, and N citizens placed
at once by one SIPp load. Per step it prints p50/p99/max of

- **pop**: ``pop.connected`` received on the desktop − the event's ``Timestamp`` (Asterisk's clock);
- **ami**: the same ``AgentConnect`` received by a bare AMI listener in this process − its ``Timestamp``,
  the baseline of the same run (what any AMI client pays: Asterisk's own delivery);

and pop ÷ ami. It measures; it never asserts.

    python -m bench.pop_bench [--agents 1,10,50] [--rounds 3]
    hotline bench pop ...                (same options)

Needs root (the sandbox chroot) and sipp. See bench/README.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from agent_bridge.ami.connection import AmiConnection, AmiTarget
from agent_bridge.ami.events import AgentConnect, AmiEvent
from sandbox import RenderConfig, Sandbox
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.load import SippLoad, run_load, write_callers
from sandbox.sipp.phone import AgentPhone
from sandbox.sipp.scenario import Answer, CallScenario, Wait, answer_xml

CONFIG_DIR = "/etc/asterisk/hotline-bench-pop"
PASSWORD = "bench-password-123"
Echo = Callable[[str], None]


@dataclass(frozen=True)
class PopBenchConfig:
    """What to measure."""

    agents: tuple[int, ...] = (1, 10, 50)
    rounds: int = 3  # calls per agent per step (one wave each)
    ring_ms: int = 600


@dataclass
class StepResult:
    """One step: N agents answering at once, ``rounds`` waves."""

    agents: int
    pop_ms: list[float] = field(default_factory=list)
    ami_ms: list[float] = field(default_factory=list)

    def line(self) -> str:
        def pct(values: list[float], q: float) -> float:
            if not values:
                return float("nan")
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

        pop50, pop99 = pct(self.pop_ms, 0.5), pct(self.pop_ms, 0.99)
        ami50, ami99 = pct(self.ami_ms, 0.5), pct(self.ami_ms, 0.99)
        ratio = pop99 / ami99 if ami99 > 0 else float("nan")
        return (
            f"| {self.agents:>3} | {len(self.pop_ms):>4} | {pop50:7.1f} | {pop99:7.1f} | "
            f"{max(self.pop_ms, default=float('nan')):7.1f} | {ami50:6.1f} | {ami99:6.1f} | {ratio:5.2f} |"
        )


def run_benchmark(config: PopBenchConfig, echo: Echo | None = None) -> list[StepResult]:
    """Run every step; print a table."""
    say = echo or print
    if shutil.which("sipp") is None:
        raise RuntimeError("missing tools: sipp (apt-get install sip-tester)")
    if os.geteuid() != 0:
        raise RuntimeError("run as root: the Asterisk sandbox is a chroot")
    most = max(config.agents)
    render = RenderConfig(agents=most, agent_qualify_s=0)
    box = Sandbox(config_dir=CONFIG_DIR, ports=free_ports(), config=render, log=lambda _: None)
    box.up()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-pop-"))
    server: subprocess.Popen[str] | None = None
    try:
        base, server = _serve(box, tmp, most)
        say(f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}")
        say(f"hotline serve on {base}; Asterisk {box.version()}; {most} agent phones")
        say("| agents | pops | pop p50 ms | pop p99 ms | pop max ms | ami p50 ms | ami p99 ms | ratio p99 |")
        say("|---:|---:|---:|---:|---:|---:|---:|---:|")
        results = []
        for agents in config.agents:
            result = asyncio.run(_step(box, base, agents, config, tmp))
            say(result.line())
            results.append(result)
        return results
    finally:
        if server is not None:
            server.terminate()
            try:
                server.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        box.down()
        shutil.rmtree(tmp, ignore_errors=True)


def _serve(box: Sandbox, tmp: Path, agents: int) -> tuple[str, subprocess.Popen[str]]:
    """Users and phones in a fresh database, then ``hotline serve`` with the bridge on the sandbox."""
    from ticketing.accounts.actor import Actor
    from ticketing.accounts.schemas import UserCreate
    from ticketing.accounts.service import UserService
    from ticketing.agents.service import AgentService
    from ticketing.calls.vocabulary import Skill
    from ticketing.db.engine import make_engine, make_sessionmaker
    from ticketing.db.migrate import upgrade

    url = f"sqlite:///{tmp}/bench.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        users, bound = UserService(session), AgentService(session)
        for n in range(agents):
            name = f"agent{n + 1:03d}"
            account = UserCreate(
                username=name, role="agent", display_name=f"话务员{n + 1}", password=PASSWORD
            )
            users.create(account, Actor.system())
            bound.bind(name, str(1001 + n), [Skill.GENERAL], Actor.system(), wrapup_seconds=0)
    engine.dispose()
    user, secret = box.ami_credentials
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({
        "HOTLINE_DATABASE_URL": url, "HOTLINE_AMI_HOST": "127.0.0.1", "HOTLINE_AMI_PORT": str(box.ports.ami),
        "HOTLINE_AMI_USERNAME": user, "HOTLINE_AMI_SECRET": secret,
        "HOTLINE_ASR_MODELS_DIR": str(tmp / "none"),
    })  # fmt: skip
    hotline = Path(sys.executable).with_name("hotline")
    server = subprocess.Popen([str(hotline), "serve", "--port", str(port)], cwd=tmp, env=env, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    token = _token(base, "agent001", wait_s=30)
    deadline = time.monotonic() + 30
    while httpx.get(f"{base}/api/v1/agents/me", headers={"Authorization": f"Bearer {token}"},
                    trust_env=False).status_code != 200:  # fmt: skip
        if time.monotonic() > deadline:
            raise RuntimeError("hotline serve did not come up")
        time.sleep(0.2)
    return base, server


def _token(base: str, user: str, wait_s: float = 0) -> str:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            response = httpx.post(f"{base}/api/v1/auth/token", json={"username": user, "password": PASSWORD},
                                  trust_env=False, timeout=5)  # fmt: skip
            response.raise_for_status()
            return str(response.json()["access_token"])
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def _step(box: Sandbox, base: str, agents: int, config: PopBenchConfig, tmp: Path) -> StepResult:
    result = StepResult(agents)
    names = [f"agent{n + 1:03d}" for n in range(agents)]
    tokens = {name: await asyncio.to_thread(_token, base, name) for name in names}
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", trust_env=False, timeout=20) as http:
        for name in names:
            (
                await http.post("/agents/me/login", headers={"Authorization": f"Bearer {tokens[name]}"})
            ).raise_for_status()
        answer_port, media = free_port(), free_udp_range(4)
        for n in range(agents):  # every phone's contact is the one answering SIPp
            phone = AgentPhone(f"agent{1001 + n}", box.agent_password(str(1001 + n)), port=answer_port,
                               media_port=media, server_port=box.ports.sip)  # fmt: skip
            registered = await asyncio.to_thread(phone.register, settle_ms=0)
            if not registered.ok:
                raise RuntimeError(f"agent{1001 + n} did not register: {registered.stderr[-300:]}")
        user, secret = box.ami_credentials
        ami = AmiConnection(AmiTarget("127.0.0.1", box.ports.ami, user, secret, "bench-baseline"))
        seen: dict[str, float] = {}

        def baseline(event: AmiEvent) -> None:
            if isinstance(event, AgentConnect):
                seen[event.caller.linkedid] = time.time()
                result.ami_ms.append((time.time() - event.at) * 1000)

        ami.add_listener(baseline)
        ami_task = asyncio.create_task(ami.run())
        await asyncio.wait_for(ami.connected.wait(), 10)
        sockets = [await connect(f"{base.replace('http', 'ws')}/api/v1/agents/me/events?token={tokens[n]}")
                   for n in names]  # fmt: skip
        readers = [asyncio.create_task(_read(ws, result)) for ws in sockets]
        total = agents * config.rounds
        folder = tmp / f"step-{agents}"
        folder.mkdir()
        answering = subprocess.Popen(
            ["sipp", "-sf", str(_write(folder / "answer.xml", answer_xml(Answer(config.ring_ms, 2000)))),
             "-m", str(total), "-i", "127.0.0.1", "-p", str(answer_port), "-mp", str(media), "-aa",
             "-timeout", "300s", "-nostdin", "-trace_err", "-error_file", str(folder / "answer-errors.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
        )  # fmt: skip
        callers = folder / "callers.csv"
        write_callers(callers, "139", total)
        xml = CallScenario((Wait(config.ring_ms + 4000),), name="bench pop citizen").xml()
        for _wave in range(config.rounds):
            load = SippLoad("12345", rate=float(agents * 10), limit=agents, calls=agents, port=box.ports.sip,
                            local_port=free_port(), media_port=free_udp_range(4), timeout_s=60)  # fmt: skip
            await asyncio.to_thread(run_load, load, folder, xml, callers)
        await asyncio.sleep(1.0)
        answering.terminate()
        for reader in readers:
            reader.cancel()
        for ws in sockets:
            await ws.close()
        for name in names:
            await http.post("/agents/me/logout", headers={"Authorization": f"Bearer {tokens[name]}"})
        await ami.stop()
        ami_task.cancel()
    return result


async def _read(ws: object, result: StepResult) -> None:
    async for raw in ws:  # type: ignore[attr-defined]
        received = time.time()
        message = json.loads(raw)
        if message.get("type") == "pop.connected" and message.get("asterisk_at"):
            result.pop_ms.append((received - float(message["asterisk_at"])) * 1000)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    """``python -m bench.pop_bench``: the same options as ``hotline bench pop``."""
    from bench.cli import pop_command

    pop_command(prog_name="python -m bench.pop_bench")


if __name__ == "__main__":
    main()
