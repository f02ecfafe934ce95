"""Runtime: processes, pids, refs, monitors, links, names and routing (Erlang's model)."""

from ..wire.terms import Pid, Ref
from .node import RuntimeNode
from .process import Process

__all__ = ["Pid", "Ref", "Process", "RuntimeNode"]
