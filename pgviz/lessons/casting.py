"""`--cast alice=ana,bob=bob@10.0.0.7`: who plays which lesson node on a class's cluster, read
from the command line and checked against the lesson before anything starts."""

from __future__ import annotations

from .format import Lesson

__all__ = ["parse_cast", "cast_problem"]


def parse_cast(text: str) -> dict[str, str]:
    """"alice=ana,bob=bob@10.0.0.7" -> {"alice": "ana", "bob": "bob@10.0.0.7"}; ValueError
    saying what is wrong (a part without "=", a lesson node cast twice, a node in two parts)."""
    cast: dict[str, str] = {}
    for part in text.split(","):
        lesson_node, sep, node = part.strip().partition("=")
        if not sep or not lesson_node or not node or any(c.isspace() for c in part.strip()):
            raise ValueError(
                f"not a cast: {text!r} (expected LESSON_NODE=NODE,..., e.g. alice=ana,bob=ben)")
        if lesson_node in cast:
            raise ValueError(f"{lesson_node} is cast twice in {text!r}")
        if node in cast.values():
            raise ValueError(f"{node} plays two parts in {text!r}")
        cast[lesson_node] = node
    return cast


def cast_problem(cast: dict[str, str], lesson: Lesson) -> str | None:
    """Why `cast` does not fit `lesson` (a lesson node it does not have), or None."""
    unknown = [n for n in cast if n not in lesson.nodes]
    if not unknown:
        return None
    return (f"--cast names {', '.join(unknown)}, which {lesson.name} does not have (its "
            f"nodes: {', '.join(lesson.nodes)})")
