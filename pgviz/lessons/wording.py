"""A lesson's expectations said as sentences, for the class to read.

A lesson file writes its expectations tersely, for the author ("nodes at alice == 1",
"not agreed room"); the lesson window shows each as a sentence with what the cluster shows:
"✓ alice sees 1 other node", "✗ room's members are the same on every node — not yet".
"""

from __future__ import annotations

from .format import Expectation

__all__ = ["expectation_sentence", "check_sentence", "check_words"]

#: how a comparison reads before a number ("at least 2 members")
AMOUNT = {"==": "", "!=": "other than ", ">=": "at least ", "<=": "at most ",
          ">": "more than ", "<": "fewer than "}


def _amount(op: str, value: int, thing: str) -> str:
    """ "1 member", "at least 2 members", "no member"."""
    if op == "==" and value == 0:
        return f"no {thing}"
    plural = "" if value == 1 and op in ("==", "!=", ">=", "<=") else "s"
    return f"{AMOUNT.get(op, op + ' ')}{value} {thing}{plural}"


def expectation_sentence(exp: Expectation) -> str:
    """What the expectation says should be true, in words."""
    args = exp.args
    if exp.what == "members":
        group, node = args
        return f"{node} sees {_amount(exp.op, exp.value, 'member')} of {group}"
    if exp.what == "nodes":
        return f"{args[0]} sees {_amount(exp.op, exp.value, 'other node')}"
    if exp.what == "received":
        return f"{args[0]} has received {_amount(exp.op, exp.value, 'message')}"
    if exp.what == "held":
        return f"the network holds {_amount(exp.op, exp.value, 'frame')}"
    if exp.what == "agreed":
        group = args[0]
        if exp.value:
            return f"every node sees the same members of {group}"
        return f"the nodes do not agree yet on the members of {group}"
    return exp.text


def check_sentence(exp: Expectation, ok: bool, actual: int) -> str:
    """ "✓ alice sees 1 other node"; when it does not hold, what the cluster shows instead:
    "✗ alice sees 2 other nodes — it sees 1"."""
    return f"{'✓' if ok else '✗'} {check_words(exp, ok, actual)}"


def check_words(exp: Expectation, ok: bool, actual: int) -> str:
    """check_sentence without its mark (for a window that shows the mark as a badge)."""
    text = expectation_sentence(exp)
    if ok:
        return text
    if exp.what == "agreed":
        return text + (" — they do not, yet" if exp.value else " — they all agree")
    if exp.what == "received":
        return text + f" — {actual} so far"
    return text + f" — it {'holds' if exp.what == 'held' else 'sees'} {actual}"
