"""Record the AMI transcripts in tests/fixtures/ami from the real Asterisk sandbox (run as root).

    .venv/bin/python scripts/record_ami_fixtures.py [OUT_DIR]

Each file is exactly what Asterisk sent on one AMI session (the bytes we sent are not recorded: no
secret lands in the repository), logged in with the event classes the AMI bridge reads
(``system,call,agent,user``):

- ``actions.ami`` — QueueStatus of an empty queue, QueueAdd (a Chinese MemberName), QueuePause with a
  reason, QueueStatus with the member, unpause, QueueAdd again (error), QueueRemove twice (error),
  CoreShowChannels, QueueStatus of an unknown queue, Ping;
- ``answered.ami`` — a SIPp agent phone registered as agent1001 in the general queue; a SIPp citizen
  calls 12345 with no IVR connected (the dialplan fallback queues it), the phone answers after 1 s and
  hangs up after 3 s (AgentComplete Reason agent);
- ``caller_hangup.ami`` — the same, the citizen hangs up while talking (Reason caller);
- ``ring_no_answer.ami`` — the phone rings and never answers (AgentRingNoAnswer after the member
  timeout), the citizen gives up (QueueCallerAbandon).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from sandbox import Ports, Sandbox
from sandbox.sipp.citizen import CitizenCall
from sandbox.sipp.phone import AgentPhone, finished
from sandbox.sipp.scenario import Answer, Wait

PORTS = Ports(sip=36060, ami=36038, http=38088, rtp_start=37000, rtp_end=37199, trunk=36070)
EVENTS = "system,call,agent,user"
QUEUE = "hotline-general"
AGENT = "PJSIP/agent1001"


class Session:
    """A raw AMI session that keeps every byte Asterisk sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.received = bytearray()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while data := await self.reader.read(65536):
            self.received += data

    async def send(self, *lines: str, settle: float = 0.3) -> None:
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        await self.writer.drain()
        await asyncio.sleep(settle)

    async def close(self) -> bytes:
        await asyncio.sleep(1.0)
        self.writer.close()
        self.task.cancel()
        return bytes(self.received)


async def session(box: Sandbox) -> Session:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORTS.ami)
    s = Session(reader, writer)
    user, secret = box.ami_credentials
    await s.send(
        "Action: Login", "ActionID: login-1", f"Username: {user}", f"Secret: {secret}", f"Events: {EVENTS}"
    )
    return s


async def actions(box: Sandbox) -> bytes:
    s = await session(box)
    member = [f"Queue: {QUEUE}", f"Interface: {AGENT}"]
    await s.send("Action: QueueStatus", "ActionID: qs-1", f"Queue: {QUEUE}")
    await s.send(
        "Action: QueueAdd", "ActionID: add-1", *member, "MemberName: 张伟", f"StateInterface: {AGENT}"
    )
    await s.send(
        "Action: QueuePause", "ActionID: pause-1", f"Interface: {AGENT}", "Paused: true", "Reason: 小休"
    )
    await s.send("Action: QueueStatus", "ActionID: qs-2", f"Queue: {QUEUE}")
    await s.send("Action: QueuePause", "ActionID: pause-2", f"Interface: {AGENT}", "Paused: false")
    await s.send("Action: QueueAdd", "ActionID: add-2", *member)
    await s.send("Action: QueueRemove", "ActionID: rm-1", *member)
    await s.send("Action: QueueRemove", "ActionID: rm-2", *member)
    await s.send("Action: CoreShowChannels", "ActionID: cs-1")
    await s.send("Action: QueueStatus", "ActionID: qs-3", "Queue: no-such-queue")
    await s.send("Action: Ping", "ActionID: ping-1")
    return await s.close()


async def call(box: Sandbox, answer: Answer, citizen_waits_ms: int) -> bytes:
    s = await session(box)
    phone = AgentPhone(
        "agent1001", box.agent_password("1001"), port=36100, media_port=36110, server_port=PORTS.sip
    )
    registered = await asyncio.to_thread(phone.register)
    if not registered.ok:
        raise RuntimeError(f"registration failed: {registered.stderr}")
    await s.send("Action: QueueAdd", "ActionID: add-1", f"Queue: {QUEUE}", f"Interface: {AGENT}",
                 "MemberName: 张伟", f"StateInterface: {AGENT}", settle=1.0)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        answering = phone.answer(folder, answer, calls=1, timeout_s=60)
        await asyncio.sleep(0.5)
        citizen = CitizenCall("13912340001", [Wait(citizen_waits_ms)], port=PORTS.sip, local_port=36120,
                              media_port=36130, timeout_s=60)  # fmt: skip
        placed = await asyncio.to_thread(citizen.run)
        answered = await asyncio.to_thread(finished, answering, folder, 20)
    if not placed.ok or not answered.ok:
        raise RuntimeError(f"SIPp failed: {placed.stderr[-800:]} {answered.stderr[-800:]}")
    await s.send(
        "Action: QueueRemove", "ActionID: rm-1", f"Queue: {QUEUE}", f"Interface: {AGENT}", settle=1.0
    )
    return await s.close()


async def record(out: Path) -> None:
    box = Sandbox(config_dir="/etc/asterisk/hotline-fixtures", ports=PORTS)
    box.up()
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "actions.ami").write_bytes(await actions(box))
        (out / "answered.ami").write_bytes(await call(box, Answer(ring_ms=1000, talk_ms=3000), 15_000))
        (out / "caller_hangup.ami").write_bytes(await call(box, Answer(ring_ms=500, talk_ms=None), 6_000))
        (out / "ring_no_answer.ami").write_bytes(await call(box, Answer(ring_ms=None), 19_000))
    finally:
        box.down()


if __name__ == "__main__":
    asyncio.run(record(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/fixtures/ami")))
