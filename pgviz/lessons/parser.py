"""Read a lesson file (TOML) into a checked `Lesson`; every mistake names its line.

tomllib reports syntax errors with their line; it gives no positions for values, so the
checks below find a value's line in the source text (`_Locator`): the `[[step]]` headers cut
the file into steps, and a key or an action is looked for inside its step.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

from .format import (
    ACTIONS,
    LOOK_KINDS,
    OPERATORS,
    Action,
    Expectation,
    Highlight,
    Lesson,
    LessonError,
    Step,
)

__all__ = ["parse_lesson", "load_lesson_file"]

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_STEP_HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]")
_NODE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_TOP_KEYS = {"title", "summary", "nodes", "tick_time", "step"}
_STEP_KEYS = {"title", "say", "do", "look", "expect", "wait"}


def load_lesson_file(path: str | Path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read the lesson: {exc}", str(path)) from None
    return parse_lesson(text, name=path.stem, path=str(path))


def parse_lesson(text: str, *, name: str = "lesson", path: str = "<lesson>") -> Lesson:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip()
        raise LessonError(f"not valid TOML: {message}", path,
                          int(m.group(1)) if m else None) from None
    return _Reader(text, path).lesson(data, name)


class _Locator:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        headers = [i for i, line in enumerate(self.lines) if _STEP_HEADER.match(line)]
        first_table = next((i for i, line in enumerate(self.lines)
                            if line.lstrip().startswith("[")), len(self.lines))
        self.top = (0, first_table)
        self.steps = [(h, headers[k + 1] if k + 1 < len(headers) else len(self.lines))
                      for k, h in enumerate(headers)]

    def key(self, key: str, span: tuple[int, int]) -> int | None:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(*span):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def value(self, needle: str, key: str, span: tuple[int, int]) -> int | None:
        start = (self.key(key, span) or span[0] + 1) - 1
        for i in range(start, span[1]):
            if needle in self.lines[i]:
                return i + 1
        return self.key(key, span)


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.where = _Locator(text)
        self.path = path

    def fail(self, message: str, line: int | None) -> LessonError:
        return LessonError(message, self.path, line)

    def lesson(self, data: dict[str, Any], name: str) -> Lesson:
        top = self.where.top
        for key in data:
            if key not in _TOP_KEYS:
                raise self.fail(f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})",
                                self.where.key(key, top))
        title = self.text(data, "title", top, required=True)
        summary = self.text(data, "summary", top)
        nodes = data.get("nodes")
        line = self.where.key("nodes", top)
        if (not isinstance(nodes, list) or not nodes
                or not all(isinstance(n, str) and _NODE_NAME.match(n) for n in nodes)):
            raise self.fail('nodes is a list of node names, e.g. nodes = ["alice", "bob"]',
                            line)
        if len(set(nodes)) != len(nodes):
            raise self.fail("a node is listed twice in nodes", line)
        tick = data.get("tick_time")
        if tick is not None and (not isinstance(tick, int | float) or not 0.2 <= tick <= 60):
            raise self.fail("tick_time is seconds between 0.2 and 60",
                            self.where.key("tick_time", top))
        steps = data.get("step")
        if not isinstance(steps, list) or not steps:
            raise self.fail("a lesson needs at least one [[step]]", None)
        known = _Known(set(nodes))
        out = tuple(self.step(i, s, known) for i, s in enumerate(steps))
        return Lesson(name, title, summary, tuple(nodes), out, self.path,
                      float(tick) if tick is not None else None)

    def text(self, data: dict[str, Any], key: str, span: tuple[int, int], *,
             required: bool = False) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key} is a non-empty text", self.where.key(key, span)
                            or (span[0] + 1 if span[0] else None))
        return value.strip()

    def step(self, index: int, data: Any, known: _Known) -> Step:
        span = self.where.steps[index] if index < len(self.where.steps) else (0, 0)
        header = span[0] + 1
        if not isinstance(data, dict):
            raise self.fail("a step is a [[step]] table", header)
        for key in data:
            if key not in _STEP_KEYS:
                raise self.fail(f"unknown key {key!r} in a step (known: "
                                f"{', '.join(sorted(_STEP_KEYS))})", self.where.key(key, span))
        title = self.text(data, "title", span, required=True)
        say = self.text(data, "say", span, required=True)
        actions = tuple(self.action(a, span, known) for a in self.strings(data, "do", span))
        look = self.look(data.get("look"), span, known)
        expect = tuple(self.expectation(e, span, known)
                       for e in self.strings(data, "expect", span))
        wait = data.get("wait", 5.0)
        if not isinstance(wait, int | float) or not 0 <= wait <= 120:
            raise self.fail("wait is seconds between 0 and 120", self.where.key("wait", span))
        return Step(title, say, actions, look, expect, float(wait), header)

    def strings(self, data: dict[str, Any], key: str, span: tuple[int, int]) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key} is a list of texts", self.where.key(key, span))
        return value

    def words(self, text: str, line: int | None) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError as exc:
            raise self.fail(f"{text!r}: {exc}", line) from None

    def action(self, text: str, span: tuple[int, int], known: _Known) -> Action:
        line = self.where.value(text, "do", span)
        words = self.words(text, line)
        if not words:
            raise self.fail("an empty action", line)
        verb, args = words[0], words[1:]
        if verb not in ACTIONS:
            raise self.fail(f"unknown action {verb!r} (known: {', '.join(ACTIONS)})", line)
        low, high = ACTIONS[verb]
        if len(args) < low or (high is not None and len(args) > high):
            raise self.fail(f"{verb!r} takes {_count(low, high)}: {text!r}", line)
        known.check_action(verb, args, lambda m: self.fail(m, line))
        return Action(verb, tuple(args), text, line or 0)

    def expectation(self, text: str, span: tuple[int, int], known: _Known) -> Expectation:
        line = self.where.value(text, "expect", span)
        words = self.words(text, line)
        fail = self.fail
        negate = bool(words) and words[0] == "not"
        if negate:
            words = words[1:]
        if len(words) == 2 and words[0] == "agreed":
            known.group(words[1])
            return Expectation("agreed", (words[1],), "==", 0 if negate else 1, text, line or 0)
        if negate:
            raise fail(f"'not' goes only before 'agreed': {text!r}", line)
        if len(words) < 3 or words[-2] not in OPERATORS:
            raise fail(f"{text!r}: expected e.g. 'members room at alice == 3', 'nodes at bob "
                       f"== 2', 'received ws1 >= 1', 'held == 0' or 'agreed room'", line)
        try:
            value = int(words[-1])
        except ValueError:
            raise fail(f"{text!r}: {words[-1]!r} is not a whole number", line) from None
        what, args = words[0], words[1:-2]
        if what == "members" and len(args) == 3 and args[1] == "at":
            known.group(args[0])
            known.node(args[2], lambda m: fail(m, line))
            return Expectation("members", (args[0], args[2]), words[-2], value, text, line or 0)
        if what == "nodes" and len(args) == 2 and args[0] == "at":
            known.node(args[1], lambda m: fail(m, line))
            return Expectation("nodes", (args[1],), words[-2], value, text, line or 0)
        if what == "received" and len(args) == 1:
            known.process(args[0], lambda m: fail(m, line))
            return Expectation("received", (args[0],), words[-2], value, text, line or 0)
        if what == "held" and not args:
            return Expectation("held", (), words[-2], value, text, line or 0)
        raise fail(f"{text!r}: unknown expectation (members GROUP at NODE, nodes at NODE, "
                   f"received NAME, held, agreed GROUP)", line)

    def look(self, value: Any, span: tuple[int, int], known: _Known) -> Highlight | None:
        if value is None:
            return None
        line = self.where.key("look", span)
        if not isinstance(value, str):
            raise self.fail('look is a text, e.g. look = "group room"', line)
        words = self.words(value, line)
        if not words or words[0] not in LOOK_KINDS:
            raise self.fail(f"look: {value!r}: starts with one of {', '.join(LOOK_KINDS)}",
                            line)
        kind, target = words[0], tuple(words[1:])
        need = {"node": 1, "group": 1, "process": 1, "link": 2, "frames": 1, "diagram": 0}[kind]
        if len(target) != need:
            raise self.fail(f"look: {kind!r} takes {_count(need, need)}: {value!r}", line)
        for n in target if kind in ("node", "link") else ():
            known.node(n, lambda m: self.fail(m, line))
        if kind == "process":
            known.process(target[0], lambda m: self.fail(m, line))
        return Highlight(kind, target, line or 0)


class _Known:
    """Names seen so far: the lesson's nodes, the processes its earlier actions spawned."""

    def __init__(self, nodes: set[str]) -> None:
        self.nodes = nodes
        self.processes: set[str] = set()
        self.groups: set[str] = set()

    def node(self, name: str, fail: Any) -> None:
        if name not in self.nodes:
            raise fail(f"unknown node {name!r} (the lesson's nodes: {', '.join(sorted(self.nodes))})")

    def process(self, name: str, fail: Any) -> None:
        if name not in self.processes:
            raise fail(f"unknown process {name!r}: spawn it in this or an earlier step first")

    def group(self, name: str) -> None:
        self.groups.add(name)

    def check_action(self, verb: str, args: list[str], fail: Any) -> None:
        if verb == "spawn":
            self.node(args[0], fail)
            if args[1] in self.processes:
                raise fail(f"a process named {args[1]!r} was spawned already")
            self.processes.add(args[1])
        elif verb in ("join", "leave", "monitor"):
            self.group(args[0])
            self.process(args[1], fail)
        elif verb == "kill":
            self.process(args[0], fail)
        elif verb == "broadcast":
            self.node(args[0], fail)
            if len(args) == 4 and args[3] != "remote":
                raise fail(f"broadcast's fourth word can only be 'remote', not {args[3]!r}")
        elif verb == "crash":
            self.node(args[0], fail)
        elif verb == "partition":
            seen: set[str] = set()
            for side in args:
                for n in side.split(","):
                    self.node(n, fail)
                    if n in seen:
                        raise fail(f"node {n!r} is on two sides of the partition")
                    seen.add(n)
        elif verb in ("slow", "sleep"):
            try:
                seconds = float(args[0])
            except ValueError:
                raise fail(f"{verb} takes seconds, not {args[0]!r}") from None
            if not 0 <= seconds <= 60:
                raise fail(f"{verb} takes seconds between 0 and 60")
        elif verb == "step" and args:
            if not args[0].isdigit() or not 1 <= int(args[0]) <= 100:
                raise fail(f"step takes a count from 1 to 100, not {args[0]!r}")


def _count(low: int, high: int | None) -> str:
    if high == low:
        return {0: "no argument", 1: "one argument"}.get(low, f"{low} arguments")
    if high is None:
        return f"at least {low} arguments"
    return f"{low} to {high} arguments"
