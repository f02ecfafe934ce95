"""Default node names: short, pronounceable, easy to tell apart on a projector."""

from __future__ import annotations

import random

__all__ = ["default_name"]

_ANIMALS = ("otter", "lynx", "heron", "bison", "gecko", "koala", "moose", "panda", "raven",
            "tapir", "yak", "zebra", "ibis", "llama", "marten", "okapi", "puffin", "quokka",
            "seal", "wombat")


def default_name() -> str:
    return f"{random.choice(_ANIMALS)}{random.randint(1, 99)}"
