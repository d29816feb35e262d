"""Free loopback ports for a sandbox instance, so that tests never fix ports by hand (and never collide
with each other or with a developer's own sandbox)."""

from __future__ import annotations

import random
import socket
from contextlib import ExitStack

from sandbox.render import Ports

RTP_FIRST, RTP_LAST = 20_000, 32_000  # below Linux's ephemeral range (32768+): nobody is handed these


def _ephemeral(kind: int, stack: ExitStack) -> int:
    sock = stack.enter_context(socket.socket(socket.AF_INET, kind))
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    return port


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(rtp_span: int = 200, rng: random.Random | None = None) -> Ports:
    """Ports nobody listens on right now: SIP and trunk (UDP), AMI and HTTP (TCP), and ``rtp_span``
    consecutive UDP ports for RTP."""
    rng = rng or random.SystemRandom()
    with ExitStack() as stack:  # hold every port until all are chosen, so that none is chosen twice
        sip, trunk = _ephemeral(socket.SOCK_DGRAM, stack), _ephemeral(socket.SOCK_DGRAM, stack)
        ami, http = _ephemeral(socket.SOCK_STREAM, stack), _ephemeral(socket.SOCK_STREAM, stack)
    start = free_udp_range(rtp_span, rng)
    return Ports(sip=sip, ami=ami, http=http, rtp_start=start, rtp_end=start + rtp_span - 1, trunk=trunk)


def free_udp_range(span: int, rng: random.Random | None = None) -> int:
    """The first of ``span`` consecutive free UDP ports (even: RTP pairs start on even ports), e.g. for
    a SIPp media port (it uses the port and the next ones)."""
    rng = rng or random.SystemRandom()
    for _ in range(50):
        start = rng.randrange(RTP_FIRST, RTP_LAST - span) & ~1
        if all(_udp_free(p) for p in range(start, start + span)):
            return start
    raise RuntimeError(f"no {span} consecutive free UDP ports between {RTP_FIRST} and {RTP_LAST}")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """One free loopback port (UDP by default: a SIPp phone's or citizen's local port)."""
    with ExitStack() as stack:
        return _ephemeral(kind, stack)
