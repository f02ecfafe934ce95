"""The menus of things in the cluster view: a link (cut, heal, delay) and a node (crash, close,
restart in `pgviz demo`, isolate). Shown with `popup()`, never `exec()` (no nested loop inside
the asyncio one); the caller keeps the menu referenced while it is open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSpinBox, QWidget, QWidgetAction

from ..wire.terms import short_node
from .net_commands import NetCommands

__all__ = ["link_menu", "node_menu", "DELAYS_MS"]

DELAYS_MS = (100, 250, 500, 1000, 2000)


def link_menu(parent: QWidget, a: str, b: str, cut: bool, commands: NetCommands) -> QMenu:
    """Cut, heal, or delay (both ways) the link a – b."""
    name = f"{short_node(a)} – {short_node(b)}"
    menu = QMenu(parent)
    menu.setObjectName("linkMenu")
    menu.setAccessibleName(f"Link {name}")
    title = menu.addAction(f"Link {name}")
    title.setEnabled(False)
    act = menu.addAction(f"Cut {name}")
    act.setObjectName("linkCutAction")
    act.setEnabled(not cut)
    act.triggered.connect(lambda: commands.cut(a, b))
    act = menu.addAction(f"Heal {name}")
    act.setObjectName("linkHealAction")
    act.setEnabled(cut)
    act.triggered.connect(lambda: commands.heal(a, b))
    delay = menu.addMenu("Delay (both ways)")
    delay.setObjectName("linkDelayMenu")
    delay.setEnabled(not cut)

    def set_delay(ms: float) -> None:
        commands.delay(a, b, ms)
        commands.delay(b, a, ms)

    act = delay.addAction("No extra delay")
    act.setObjectName("linkDelay0Action")
    act.triggered.connect(lambda: set_delay(0))
    for ms in DELAYS_MS:
        act = delay.addAction(f"{ms} ms")
        act.setObjectName(f"linkDelay{ms}Action")
        act.triggered.connect(lambda *_, ms=ms: set_delay(ms))
    # Any other value: a spin box in the menu (Enter sets it).
    row = QWidget(delay)  # a child of the menu until shown: findChild reaches it
    box = QHBoxLayout(row)
    box.setContentsMargins(8, 2, 8, 2)
    box.addWidget(QLabel("Other:"))
    spin = QSpinBox()
    spin.setObjectName("linkDelaySpin")
    spin.setAccessibleName("Link delay in milliseconds")
    spin.setRange(0, 60000)
    spin.setSingleStep(50)
    spin.setSuffix(" ms")
    spin.setValue(750)
    box.addWidget(spin)
    custom = QWidgetAction(delay)
    custom.setDefaultWidget(row)
    delay.addAction(custom)

    def custom_delay() -> None:
        set_delay(spin.value())
        menu.close()
    spin.editingFinished.connect(custom_delay)
    return menu


def node_menu(parent: QWidget, node: str, me: str, crashed: bool, commands: NetCommands,
              crash: Callable[[], object], close: Callable[[], object],
              restart: Callable[[], object] | None) -> QMenu:
    """This window's node: crash, close, restart (demo); any node: isolate it."""
    menu = QMenu(parent)
    menu.setObjectName("nodeMenu")
    menu.setAccessibleName(f"Node {short_node(node)}")
    title = menu.addAction(short_node(node))
    title.setEnabled(False)
    if node == me:
        act = menu.addAction(f"Crash {short_node(me)} (no goodbye)")
        act.setObjectName("nodeCrashAction")
        act.setToolTip("Die without a word: peers find out when its ticks stop")
        act.setEnabled(not crashed)
        act.triggered.connect(crash)
        if restart is not None:
            act = menu.addAction(f"Restart {short_node(me)} under the same name")
            act.setObjectName("nodeRestartAction")
            act.triggered.connect(restart)
        act = menu.addAction("Close this window")
        act.setObjectName("nodeCloseAction")
        act.triggered.connect(close)
        menu.addSeparator()
    act = menu.addAction(f"Isolate {short_node(node)} (partition)")
    act.setObjectName("nodeIsolateAction")
    act.setEnabled(not crashed)
    act.triggered.connect(lambda: commands.isolate(node))
    return menu
