"""A lesson's checks read as sentences for the class, with what the cluster shows when one
does not hold ("✗ alice sees 2 other nodes — it sees 1"), not as the lesson file's code."""

import pytest

from pgviz.lessons.engine import Check
from pgviz.lessons.format import Expectation


def check(what, args, op, value, ok, actual):
    return str(Check(Expectation(what, args, op, value, "the lesson file's text"), ok, actual))


@pytest.mark.parametrize(("what", "args", "op", "value", "ok", "actual", "sentence"), [
    ("nodes", ("alice",), "==", 1, True, 1, "✓ alice sees 1 other node"),
    ("nodes", ("alice",), "==", 2, False, 1, "✗ alice sees 2 other nodes — it sees 1"),
    ("members", ("room", "bob"), "==", 3, True, 3, "✓ bob sees 3 members of room"),
    ("members", ("room", "bob"), ">=", 1, False, 0,
     "✗ bob sees at least 1 member of room — it sees 0"),
    ("members", ("room", "bob"), "==", 0, True, 0, "✓ bob sees no member of room"),
    ("received", ("ws1",), ">=", 1, False, 0, "✗ ws1 has received at least 1 message — 0 so far"),
    ("held", (), "==", 0, True, 0, "✓ the network holds no frame"),
    ("agreed", ("room",), "==", 1, True, 1, "✓ every node sees the same members of room"),
    ("agreed", ("room",), "==", 0, True, 0,
     "✓ the nodes do not agree yet on the members of room"),
])
def test_checks_read_as_sentences(what, args, op, value, ok, actual, sentence):
    assert check(what, args, op, value, ok, actual) == sentence
