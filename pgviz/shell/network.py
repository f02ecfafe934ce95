"""The shell's commands for the cluster's network clock and faults (DESIGN.md, "The network
clock and faults"): slow, pause, resume, step, clock, partition, heal, latency. Each answers
with one reply; the changes themselves arrive as `clock` and `fault` events, on every node."""

from __future__ import annotations

import shlex
from typing import Any

from ..net.control import ControlError
from ..net.link import NotFirst
from ..node import Node

__all__ = ["NetworkCommands", "NETWORK_COMMANDS", "NETWORK_ARGUMENTS"]

NETWORK_COMMANDS = {
    "slow": "slow SECONDS            every frame travels SECONDS on its link (0 = live)",
    "pause": "pause                   deliver nothing anywhere (ticks still flow)",
    "resume": "resume                  run the network clock again",
    "step": "step [ID]               while paused, deliver the oldest frame (or frame ID)",
    "clock": "clock                   the network clock and the frames waiting here",
    "partition": "partition SET SET...    cut the links between sets (SET: a,b,c node names)",
    "heal": "heal [NODE NODE]        heal every cut and latency (or one link)",
    "latency": "latency NODE MS         extra one-way delay on this node's link to NODE",
}

NETWORK_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "partition": ("node", "node"),
    "heal": ("node", "node"),
    "latency": ("node",),
}


class UsageError(ValueError):
    pass


def _words(rest: str, low: int, high: int, usage: str) -> list[str]:
    try:
        parts = shlex.split(rest) if rest else []
    except ValueError as exc:
        raise UsageError(f"{exc}; usage: {usage}") from None
    if not low <= len(parts) <= high:
        raise UsageError(f"usage: {usage}")
    return parts


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{what} is a number, not {text!r}") from None


class NetworkCommands:
    def __init__(self, node: Node) -> None:
        self.node = node

    def state(self) -> dict[str, Any]:
        net = self.node.net
        return {"mode": net.clock.mode, "seconds": net.clock.travel,
                "cuts": [list(c) for c in net.cuts],
                "latency": {f"{a} {b}": round(s * 1000, 3)
                            for (a, b), s in sorted(net.latencies().items())}}

    def cmd_slow(self, rest: str) -> dict[str, Any]:
        (seconds,) = _words(rest, 1, 1, "slow SECONDS")
        self.node.net.slow(_number(seconds, "SECONDS"))
        return self.state()

    def cmd_pause(self, rest: str) -> dict[str, Any]:
        _words(rest, 0, 0, "pause")
        self.node.net.pause()
        return self.state()

    def cmd_resume(self, rest: str) -> dict[str, Any]:
        _words(rest, 0, 0, "resume")
        self.node.net.resume()
        return self.state()

    async def cmd_step(self, rest: str) -> dict[str, Any]:
        args = _words(rest, 0, 1, "step [ID]")
        try:
            released = await self.node.net.step(args[0] if args else None)
        except NotFirst as exc:
            raise ControlError(str(exc)) from None
        if released is None:
            return {"released": None, "note": "no frame is waiting anywhere"}
        return {"released": released.id, "src": released.src, "dst": released.dst}

    def cmd_clock(self, rest: str) -> dict[str, Any]:
        _words(rest, 0, 0, "clock")
        held = [{"id": f.id, "dst": f.dst, "size": f.size, "first": f.first}
                for f in self.node.net.held()]
        return {**self.state(), "held": held}

    def cmd_partition(self, rest: str) -> dict[str, Any]:
        sets = _words(rest, 2, 64, "partition SET SET... (SET: comma-separated node names)")
        sides = [[n for n in s.split(",") if n] for s in sets]
        return {"sides": self.node.net.partition(sides), **self.state()}

    def cmd_heal(self, rest: str) -> dict[str, Any]:
        args = _words(rest, 0, 2, "heal [NODE NODE]")
        if len(args) == 1:
            raise UsageError("usage: heal [NODE NODE] (two nodes: one link; none: everything)")
        self.node.net.heal(*args)
        return self.state()

    def cmd_latency(self, rest: str) -> dict[str, Any]:
        peer, ms = _words(rest, 2, 2, "latency NODE MS")
        value = _number(ms, "MS")
        if not value >= 0:
            raise UsageError(f"MS is at least 0, not {ms}")
        return {"node": self.node.net.latency(peer, value / 1000), **self.state()}
