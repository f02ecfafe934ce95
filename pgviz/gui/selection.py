"""The one selection of a window, kept in its ClusterModel (`model.select`), resolved against
what the window shows (Qt-free)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import ClusterModel
from .picture import Member, Picture

__all__ = ["Selection"]


class Selection:
    def __init__(self, model: ClusterModel, shown: Callable[[], Picture],
                 changed: Callable[[], None]) -> None:
        self.model = model
        self._shown = shown
        self._changed = changed

    @property
    def item(self) -> str | None:
        """The selected thing's text: a pid (`<alice.12>`), a node name, or None."""
        return self.model.snapshot().selected

    def select(self, item: str | None) -> None:
        if item != self.item:
            self.model.select(item)
            self._changed()

    def select_member(self, member: Member | None) -> None:
        self.select(str(member.pid) if member is not None else None)

    def member(self) -> Member | None:
        """The selected member as last shown (a stale one, too: commands check it)."""
        return self._shown().member(self.item)

    def node(self) -> str | None:
        """The selected node's name, when a node is selected."""
        item = self.item
        if item is None or item.startswith("<"):
            return None
        return item
