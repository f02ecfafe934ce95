"""The command line's argument types: each turns one option's text into a value, or raises
argparse.ArgumentTypeError with a one-line reason (argparse prints it, exit status 2)."""

from __future__ import annotations

import argparse

__all__ = ["port", "name", "address", "address_or_node", "positive_int", "seconds", "cast",
           "node_list"]


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {value}")
    return value


def name(text: str) -> str:
    if not text or any(c.isspace() for c in text) or text.count("@") > 1 or text.startswith("@"):
        raise argparse.ArgumentTypeError(f"not a node name: {text!r} (like alice or alice@host)")
    return text


def address(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"not an address: {text!r} (expected host:port)")
    return text


def address_or_node(text: str) -> str:
    """host:port, or an Erlang node's name@host (looked up in its host's EPMD)."""
    if "@" in text and ":" not in text and not text.startswith("@") and text.count("@") == 1:
        return text
    try:
        return address(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"not an address: {text!r} (expected host:port, or name@host of an Erlang "
            "node with --protocol erlang)") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value


def cast(text: str) -> dict[str, str]:
    from .lessons.casting import parse_cast

    try:
        return parse_cast(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def node_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no node names (like alice,bob)")
    for n in names:
        short = n.partition("@")[0]
        if not short or not all(c.isalnum() or c in "-_." for c in short):
            raise argparse.ArgumentTypeError(f"not a node name: {n!r} (letters, digits, - _ .)")
    return list(dict.fromkeys(n.partition("@")[0] for n in names))
