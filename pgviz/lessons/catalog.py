"""The lessons that ship with pgviz (resources/lessons/*.toml, in the wheel as
pgviz.resources/lessons) and finding one by name, number or path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .format import Lesson, LessonError
from .parser import load_lesson_file, parse_lesson

__all__ = ["shipped_lessons", "load_lesson"]


def _folder():  # type: ignore[no-untyped-def]
    return resources.files("pgviz.resources").joinpath("lessons")


def shipped_lessons() -> list[str]:
    """The shipped lessons' names ("1-process-groups" ...), in teaching order."""
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".toml"))


def load_lesson(name: str) -> Lesson:
    """A lesson file's path, or a shipped lesson's name ("2-netsplit"), its name without the
    number ("netsplit"), or its number ("2")."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_lesson_file(path)
    for shipped in shipped_lessons():
        number, _, bare = shipped.partition("-")
        if name in (shipped, bare, number):
            text = _folder().joinpath(f"{shipped}.toml").read_text(encoding="utf-8")
            return parse_lesson(text, name=shipped, path=f"lessons/{shipped}.toml")
    raise LessonError(f"no lesson {name!r} (shipped: {', '.join(shipped_lessons())})")
