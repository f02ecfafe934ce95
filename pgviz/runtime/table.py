"""The node's process table: who lives here, under which pids and names. Shared by the
router (where a message goes) and the signals (who gets a DOWN or an exit)."""

from __future__ import annotations

import itertools
from typing import Any

from ..wire.terms import Pid
from .process import Process

__all__ = ["ProcessTable"]


class ProcessTable:
    def __init__(self, name: str) -> None:
        self.name = name
        self.creation = 0  # set by the node at each start: pids of an older incarnation are dead
        self.procs: dict[int, Process] = {}
        self.names: dict[str, Pid] = {}
        self._ids = itertools.count(1)

    def new_pid(self) -> Pid:
        return Pid(self.name, next(self._ids), 0, self.creation)

    def add(self, proc: Process, name: str | None) -> None:
        self.procs[proc.pid.id] = proc
        if name is not None:
            self.names[name] = proc.pid
            proc.name = name

    def forget(self, proc: Process) -> None:
        self.procs.pop(proc.pid.id, None)
        if proc.name is not None and self.names.get(proc.name) == proc.pid:
            del self.names[proc.name]

    def local(self, pid: Pid) -> Process | None:
        # pid[2] node, pid[4] creation, pid[0] id (see wire/terms.py)
        if pid[2] != self.name or pid[4] != self.creation:
            return None
        return self.procs.get(pid[0])

    def resolve(self, name: str) -> Pid | None:
        return self.names.get(name)

    def deliver(self, pid: Pid, msg: Any) -> None:
        proc = self.local(pid)
        if proc is not None:
            proc._deliver(msg)

    def check_name_free(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a registered name is a non-empty str, got {name!r}")
        if name in self.names:
            raise ValueError(f"the name {name!r} is already registered to {self.names[name]}")
