"""Free loopback ports for a sandbox instance and its simulated phones, so that tests never fix ports by
hand (and never collide with each other or with a developer's own sandbox).

Every port is taken **below Linux's ephemeral range** (32768+ by default): a port picked there could be
handed by the kernel to some client's outgoing connection between the moment we check it and the moment
Asterisk or SIPp binds it (an AMI port in CI was once lost that way). Signalling ports (SIP, trunk, AMI,
HTTP, a SIPp phone's own port) come from 10000–19999 and are free for both TCP and UDP; RTP ranges from
20000–31999. A port handed out once is not handed out again by this process.
"""

from __future__ import annotations

import random
import socket
import threading

from sandbox.render import Ports

SIGNALLING_FIRST, SIGNALLING_LAST = 10_000, 19_999
RTP_FIRST, RTP_LAST = 20_000, 32_000

_lock = threading.Lock()
_handed: set[int] = set()  # ports handed out by this process (not yet bound when the next one is chosen)


def _free(port: int, kinds: tuple[int, ...]) -> bool:
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _take(first: int, last: int, span: int, kinds: tuple[int, ...], rng: random.Random, even: bool) -> int:
    with _lock:
        for _ in range(200):
            start = rng.randrange(first, last - span + 1)
            if even:
                start &= ~1
            block = range(start, start + span)
            if any(p in _handed for p in block) or not all(_free(p, kinds) for p in block):
                continue
            _handed.update(block)
            return start
    raise RuntimeError(f"no {span} consecutive free ports between {first} and {last}")


def free_ports(rtp_span: int = 200, rng: random.Random | None = None) -> Ports:
    """Ports nobody listens on right now: SIP and trunk (UDP), AMI and HTTP (TCP), and ``rtp_span``
    consecutive UDP ports for RTP."""
    rng = rng or random.SystemRandom()
    sip, trunk, ami, http = (free_port(rng=rng) for _ in range(4))
    start = free_udp_range(rtp_span, rng)
    return Ports(sip=sip, ami=ami, http=http, rtp_start=start, rtp_end=start + rtp_span - 1, trunk=trunk)


def free_udp_range(span: int, rng: random.Random | None = None) -> int:
    """The first of ``span`` consecutive free UDP ports (even: RTP pairs start on even ports), e.g. for
    a SIPp media port (it uses the port and the next ones)."""
    return _take(RTP_FIRST, RTP_LAST, span, (socket.SOCK_DGRAM,), rng or random.SystemRandom(), even=True)


def free_port(rng: random.Random | None = None) -> int:
    """One loopback port free for both UDP and TCP (a SIP or AMI listener, a SIPp phone's own port)."""
    kinds = (socket.SOCK_DGRAM, socket.SOCK_STREAM)
    return _take(SIGNALLING_FIRST, SIGNALLING_LAST, 1, kinds, rng or random.SystemRandom(), even=False)
