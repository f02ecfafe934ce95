"""A network lab: N network namespaces on one bridge, each a "machine" with its own interface
and address (10.77.X.1..N/24), where real `pgviz node` processes run. Root only; traffic stays
on the lab's own addresses. Cables can be pulled (`unplug`) and plugged back (`plug`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field

__all__ = ["Lab", "lab_unavailable"]


def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "the network lab needs root (ip netns)"
    if shutil.which("ip") is None:
        return "the network lab needs iproute2 (ip)"
    probe = subprocess.run(["ip", "netns", "add", f"pgv-probe-{os.getpid()}"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"ip netns does not work here: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", f"pgv-probe-{os.getpid()}"], capture_output=True)
    return None


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = (["ip", "netns", "exec", ns, "ip"] if ns else ["ip"]) + list(args)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {res.stderr.strip()}")


@dataclass
class Lab:
    size: int
    tag: str = field(default_factory=lambda: f"{os.getpid() % 10000}")
    subnet: int = field(default_factory=lambda: 10 + os.getpid() % 200)
    machines: list[str] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"pgvbr{self.tag}"

    def ns(self, i: int) -> str:
        return f"pgv-{self.tag}-{i}"

    def address(self, i: int) -> str:
        return f"10.77.{self.subnet}.{i + 1}"

    def _veth(self, i: int) -> tuple[str, str]:
        return f"pgv{self.tag}n{i}", f"pgv{self.tag}b{i}"

    def up(self) -> Lab:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("link", "set", self.bridge, "up")
        for i in range(self.size):
            ns, (inside, outside) = self.ns(i), self._veth(i)
            _ip("netns", "add", ns)
            self.machines.append(ns)
            _ip("link", "add", inside, "type", "veth", "peer", "name", outside)
            _ip("link", "set", inside, "netns", ns)
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")
            _ip("link", "set", "lo", "up", ns=ns)
            _ip("addr", "add", f"{self.address(i)}/24", "dev", inside, ns=ns)
            _ip("link", "set", inside, "up", ns=ns)
            # mDNS goes to 224.0.0.251 on this interface (the namespace has no other route).
            _ip("route", "add", "224.0.0.0/4", "dev", inside, ns=ns)
        return self

    def down(self) -> None:
        for ns in self.machines:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        for i in range(self.size):
            subprocess.run(["ip", "link", "del", self._veth(i)[1]], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        self.machines.clear()

    def unplug(self, i: int) -> None:
        """Pull machine i's cable: its side of the bridge goes down."""
        _ip("link", "set", self._veth(i)[1], "down")

    def plug(self, i: int) -> None:
        _ip("link", "set", self._veth(i)[1], "up")

    def prefix(self, i: int) -> list[str]:
        """The command prefix that runs a program on machine i."""
        return ["ip", "netns", "exec", self.ns(i)]
