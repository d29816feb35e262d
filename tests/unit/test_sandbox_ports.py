"""Allocated sandbox ports: below the kernel's ephemeral range, free, and never handed out twice."""

from __future__ import annotations

import random
import socket
from pathlib import Path

from sandbox.ports import free_port, free_ports, free_udp_range


def _ephemeral_first() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_a_sandbox_gets_distinct_ports_below_the_ephemeral_range() -> None:
    boxes = [free_ports(rtp_span=50) for _ in range(5)]
    singles: list[int] = []
    ranges: list[range] = []
    for p in boxes:
        singles += [p.sip, p.trunk, p.ami, p.http]
        ranges.append(range(p.rtp_start, p.rtp_end + 1))
        assert p.rtp_start % 2 == 0
        assert len(ranges[-1]) == 50
    every = singles + [port for r in ranges for port in r]
    assert len(every) == len(set(every)), "a port was handed out twice"
    assert max(every) < _ephemeral_first()


def test_a_port_in_use_is_not_handed_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        port = free_port(rng=random.Random(7))
        held.bind(("127.0.0.1", port))
        held.listen()
        # the same seed would pick the same port first; it is both handed already and bound now
        assert free_port(rng=random.Random(7)) != port


def test_a_media_range_is_free_for_udp() -> None:
    start = free_udp_range(10)
    for port in range(start, start + 10):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", port))
