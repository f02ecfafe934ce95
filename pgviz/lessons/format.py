"""What a lesson is once read: plain data, checked, each part knowing its line in the file.

The file format (TOML) is documented in resources/lessons/README.md; `parser.py` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Lesson", "Step", "Action", "Expectation", "Highlight", "LessonError",
           "ACTIONS", "LOOK_KINDS", "OPERATORS"]

#: verb -> (minimum, maximum) number of arguments (None: any number from the minimum)
ACTIONS: dict[str, tuple[int, int | None]] = {
    "spawn": (2, 2),       # spawn NODE NAME          a process that keeps what it receives
    "join": (2, 2),        # join GROUP NAME
    "leave": (2, 2),       # leave GROUP NAME
    "monitor": (2, 2),     # monitor GROUP NAME       NAME receives the group's join/leave news
    "broadcast": (3, 4),   # broadcast NODE GROUP TEXT [remote]
    "kill": (1, 1),        # kill NAME
    "crash": (1, 1),       # crash NODE               dies silently; peers notice by tick timeout
    "partition": (2, None),  # partition A,B C
    "heal": (0, 0),
    "slow": (1, 1),        # slow SECONDS             (0: live)
    "pause": (0, 0),
    "resume": (0, 0),
    "step": (0, 1),        # step [COUNT]             while paused, release the oldest frame(s)
    "sleep": (1, 1),       # sleep SECONDS
}
LOOK_KINDS = ("node", "group", "process", "link", "frames", "diagram")
OPERATORS = ("==", "!=", ">=", "<=", ">", "<")


class LessonError(ValueError):
    """A lesson file that cannot be used; `str()` is "FILE:LINE: what is wrong"."""

    def __init__(self, message: str, path: str = "", line: int | None = None) -> None:
        self.message, self.path, self.line = message, path, line
        where = f"{path}:{line}: " if line else (f"{path}: " if path else "")
        super().__init__(where + message)


@dataclass(frozen=True, slots=True)
class Action:
    verb: str
    args: tuple[str, ...]
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Expectation:
    """`what` is "members" (args: group, node), "nodes" (node), "received" (process),
    "held" (), "agreed" (group); `op`/`value` compare a count ("agreed" compares 1 or 0)."""
    what: str
    args: tuple[str, ...]
    op: str
    value: int
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Highlight:
    """Something for the class to look at: a node, a group, a process, a link (two nodes),
    frames of a kind, or the space-time diagram."""
    kind: str
    target: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    say: str
    do: tuple[Action, ...] = ()
    look: Highlight | None = None
    expect: tuple[Expectation, ...] = ()
    wait: float = 5.0  # seconds the expectations may take to come true
    line: int = 0


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    nodes: tuple[str, ...]
    steps: tuple[Step, ...]
    path: str = ""
    tick_time: float | None = None
    extra: dict[str, object] = field(default_factory=dict)
