"""Fault injection shared by both transports: the "grudge" and per-link delay and hold.

A grudge is node -> set of nodes whose messages it drops; a directed link (src, dst) can also be
delayed (every frame waits `seconds`, FIFO kept) or held (frames wait until released, one at a
time or all). Tests, the simulation and the classroom's slow motion all use this one object.
Dropped frames include ticks, so a one-sided grudge ends in a tick timeout, as a real cable would.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Faults"]


class Faults:
    def __init__(self) -> None:
        self.grudges: dict[str, set[str]] = {}
        self.delays: dict[tuple[str, str], float] = {}
        self.held: set[tuple[str, str]] = set()
        self._listeners: list[Callable[[], None]] = []
        self._severers: dict[str, Callable[[str, str], None]] = {}

    # -- queries (hot path: callers check `active` first) --------------------------------------
    @property
    def active(self) -> bool:
        return bool(self.grudges or self.delays or self.held)

    def drops(self, src: str, dst: str) -> bool:
        """True when dst holds a grudge against src (dst drops what src sends) or vice versa
        for the direction src -> dst."""
        return dst in self.grudges.get(src, ()) or src in self.grudges.get(dst, ())

    def delay_of(self, src: str, dst: str) -> float:
        return self.delays.get((src, dst), 0.0)

    def holds(self, src: str, dst: str) -> bool:
        return (src, dst) in self.held

    # -- changes --------------------------------------------------------------------------------
    def grudge(self, node: str, against: str) -> None:
        self.grudges.setdefault(node, set()).add(against)
        self._changed()

    def partition(self, *sides: list[str] | set[str] | tuple[str, ...]) -> None:
        """Cut every link between different sides, both ways, and close those connections at
        once (a clean split: both sides see nodedown now, not after a tick timeout)."""
        for i, side in enumerate(sides):
            for other in sides[i + 1:]:
                for a in side:
                    for b in other:
                        self.grudges.setdefault(a, set()).add(b)
                        self.grudges.setdefault(b, set()).add(a)
        for i, side in enumerate(sides):
            for other in sides[i + 1:]:
                for a in side:
                    for b in other:
                        self._sever(a, b)
        self._changed()

    def set_cuts(self, pairs: list[tuple[str, str]]) -> None:
        """Replace every grudge by these cut links (both ways each); cut links that are up
        are closed at once, and the others may heal."""
        old = {(a, b) for a, against in self.grudges.items() for b in against}
        self.grudges.clear()
        for a, b in pairs:
            self.grudges.setdefault(a, set()).add(b)
            self.grudges.setdefault(b, set()).add(a)
        for a, b in pairs:
            if (a, b) not in old:
                self._sever(a, b)
        self._changed()

    def forgive(self, a: str, b: str) -> None:
        """Lift the grudges between a and b, both ways (a newer partition, which a peer that
        knows it is about to send, does not separate them)."""
        for x, y in ((a, b), (b, a)):
            grudge = self.grudges.get(x)
            if grudge is not None:
                grudge.discard(y)
                if not grudge:
                    del self.grudges[x]
        self._changed()

    def heal(self) -> None:
        """Forget every grudge, delay and hold (held frames are released in order)."""
        self.grudges.clear()
        self.delays.clear()
        self.held.clear()
        self._changed()

    def set_delay(self, src: str, dst: str, seconds: float) -> None:
        if seconds > 0:
            self.delays[(src, dst)] = seconds
        else:
            self.delays.pop((src, dst), None)
        self._changed()

    def hold(self, src: str, dst: str) -> None:
        self.held.add((src, dst))
        self._changed()

    def release(self, src: str, dst: str) -> None:
        self.held.discard((src, dst))
        self._changed()

    # -- wiring (used by the dist layer) ------------------------------------------------------------
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def register_node(self, name: str, sever: Callable[[str, str], None]) -> None:
        self._severers[name] = sever

    def unregister_node(self, name: str) -> None:
        self._severers.pop(name, None)

    def _sever(self, a: str, b: str) -> None:
        for node, peer in ((a, b), (b, a)):
            sever = self._severers.get(node)
            if sever is not None:
                sever(peer, "partitioned")

    def _changed(self) -> None:
        for cb in list(self._listeners):
            cb()
