"""A malformed lesson file gets one message naming its line, never a traceback."""

from __future__ import annotations

import pytest

from pgviz.lessons import LessonError, load_lesson_file, parse_lesson

GOOD = """\
title = "t"
nodes = ["alice", "bob"]

[[step]]
title = "one"
say = "hello"
do = ["spawn alice p1", "join room p1"]
look = "group room"
expect = ["members room at bob == 1"]
"""


def error_of(text: str) -> LessonError:
    with pytest.raises(LessonError) as info:
        parse_lesson(text, path="x.toml")
    return info.value


def test_the_good_file_reads():
    lesson = parse_lesson(GOOD, path="x.toml")
    step = lesson.steps[0]
    assert [a.verb for a in step.do] == ["spawn", "join"] and step.do[1].line == 7
    assert step.look.kind == "group" and step.expect[0].args == ("room", "bob")


@pytest.mark.parametrize("bad, line, words", [
    (GOOD.replace('say = "hello"', 'say = "hello'), 6, "not valid TOML"),
    (GOOD.replace('"join room p1"', '"jump room p1"'), 7, "unknown action 'jump'"),
    (GOOD.replace('"join room p1"', '"join room p9"'), 7, "unknown process 'p9'"),
    (GOOD.replace('"spawn alice p1"', '"spawn zed p1"'), 7, "unknown node 'zed'"),
    (GOOD.replace('== 1"]', '=== 1"]'), 9, "expected e.g."),
    (GOOD.replace('at bob == 1', 'at bob == one'), 9, "not a whole number"),
    (GOOD.replace('look = "group room"', 'look = "stare room"'), 8, "look"),
    (GOOD.replace('say = "hello"\n', ''), 4, "say is a non-empty text"),
    (GOOD.replace('say = "hello"', 'say = "hello"\ncolour = "red"'), 7, "unknown key 'colour'"),
    (GOOD.replace('nodes = ["alice", "bob"]', 'nodes = "alice"'), 2, "nodes is a list"),
    (GOOD.replace('"spawn alice p1", ', '"spawn alice p1", "slow fast", '), 7, "seconds"),
    (GOOD.replace('"join room p1"]', '"join room p1", "partition alice alice,bob"]'), 7,
     "two sides"),
    (GOOD.replace('"join room p1"]', '"join room p1", "broadcast alice room \'hi"]'), 7,
     "No closing quotation"),
])
def test_a_mistake_names_its_line(bad, line, words):
    err = error_of(bad)
    assert err.line == line, str(err)
    assert words in str(err) and str(err).startswith(f"x.toml:{line}: ")


def test_a_lesson_without_steps_or_title_is_refused():
    assert "at least one [[step]]" in str(error_of('title = "t"\nnodes = ["a"]\n'))
    assert "title" in str(error_of('nodes = ["a"]\n[[step]]\ntitle="s"\nsay="x"\n'))


def test_an_unreadable_file_is_a_lesson_error(tmp_path):
    with pytest.raises(LessonError, match="cannot read"):
        load_lesson_file(tmp_path / "missing.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LessonError):
        load_lesson_file(binary)
