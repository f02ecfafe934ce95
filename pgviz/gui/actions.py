"""The main window's actions (each with a stable objectName, a shortcut where it has one) and
its toolbar. Buttons in the panel trigger the action of the same name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolBar, QWidget

__all__ = ["ActionSpec", "ACTIONS", "make_actions", "make_toolbar", "TOOLBAR"]


@dataclass(frozen=True)
class ActionSpec:
    key: str
    object_name: str
    text: str
    shortcuts: tuple[str, ...] = ()
    icon: str | None = None
    checkable: bool = False


ACTIONS = (
    ActionSpec("connect", "connectAction", "Connect", (), "connect"),
    ActionSpec("focusAddress", "focusAddressAction", "Go to address", ("Ctrl+L",)),
    ActionSpec("refreshNodes", "refreshNodesAction", "Refresh local nodes", ("F5",), "refresh"),
    ActionSpec("disconnect", "disconnectAction", "Disconnect", ("Ctrl+D",), "disconnect"),
    ActionSpec("spawn", "spawnAction", "Spawn", ("Ctrl+N",), "spawn"),
    ActionSpec("kill", "killAction", "Kill", ("Delete",), "kill"),
    ActionSpec("join", "joinAction", "Join", ("Ctrl+J",), "join"),
    ActionSpec("leave", "leaveAction", "Leave", ("Ctrl+Shift+J",), "leave"),
    ActionSpec("monitorGroup", "monitorGroupAction", "Monitor group", ("Ctrl+M",), "monitor"),
    ActionSpec("monitorScope", "monitorScopeAction", "Monitor scope", ("Ctrl+Shift+M",),
               "monitor-scope"),
    ActionSpec("broadcast", "broadcastAction", "Broadcast", ("Ctrl+B",), "broadcast"),
    ActionSpec("remoteOnly", "remoteOnlyAction", "Remote only", ("Ctrl+R",)),
    ActionSpec("send", "sendAction", "Send", ("Ctrl+Return", "Ctrl+Enter"), "send"),
    ActionSpec("fit", "fitAction", "Fit to window", ("Ctrl+0",), "fit"),
    ActionSpec("zoomIn", "zoomInAction", "Zoom in", ("Ctrl++", "Ctrl+="), "zoom-in"),
    ActionSpec("zoomOut", "zoomOutAction", "Zoom out", ("Ctrl+-",), "zoom-out"),
    ActionSpec("wholeCluster", "wholeClusterAction",
               "Whole cluster (every node's links, messages and members)", ("Ctrl+G",),
               "cluster", checkable=True),
    ActionSpec("protocol", "protocolAction", "Show protocol messages", ("Ctrl+P",), "protocol",
               checkable=True),
    ActionSpec("theme", "themeAction", "Switch theme (system, light, dark)", ("Ctrl+T",),
               "theme"),
    ActionSpec("presenter", "presenterAction", "Presenter mode (large text)", ("Ctrl+Shift+P",),
               "presenter", checkable=True),
    ActionSpec("record", "recordAction", "Record the cluster's events", ("Ctrl+Shift+R",),
               "record", checkable=True),
    ActionSpec("recordTo", "recordToAction", "Record to a file…"),
    ActionSpec("openRecording", "openRecordingAction", "Open a recording…", ("Ctrl+O",)),
    ActionSpec("controls", "controlsAction", "Controls (the side panel)", ("F8",),
               checkable=True),
    ActionSpec("fullScreen", "fullScreenAction", "Full screen", ("F11",), checkable=True),
    ActionSpec("keys", "keysAction", "Keys", ("?", "F1")),
    ActionSpec("about", "aboutAction", "About pgviz"),
    ActionSpec("close", "closeAction", "Quit (stop this node)", ("Ctrl+Q", "Ctrl+W")),
)

#: Toolbar order; None is a separator.
TOOLBAR: tuple[str | None, ...] = ("fit", "zoomIn", "zoomOut", None, "wholeCluster", "protocol",
                                   "theme", "presenter", None, "record")


def make_actions(owner: QWidget, slots: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    out = {}
    for spec in ACTIONS:
        act = QAction(spec.text, owner)
        act.setObjectName(spec.object_name)
        if spec.shortcuts:
            act.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            act.setToolTip(f"{spec.text} ({QKeySequence(spec.shortcuts[0]).toString()})")
        act.setCheckable(spec.checkable)
        slot = slots[spec.key]
        act.triggered.connect(lambda *_, slot=slot: slot())
        owner.addAction(act)
        out[spec.key] = act
    return out


def icon_names(actions: dict[str, QAction]) -> dict[QAction, str]:
    return {actions[s.key]: s.icon for s in ACTIONS if s.icon is not None}


def make_toolbar(actions: dict[str, QAction], keys: Sequence[str | None],
                 trailing: Sequence[QWidget] = ()) -> QToolBar:
    tb = QToolBar("View")
    tb.setObjectName("viewToolBar")
    tb.setAccessibleName("View toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    for key in keys:
        if key is None:
            tb.addSeparator()
        else:
            tb.addAction(actions[key])
    for act in tb.actions():
        w = tb.widgetForAction(act)
        if w is not None and act.objectName():
            w.setObjectName(act.objectName().replace("Action", "ToolButton"))
            w.setAccessibleName(act.text())
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    for w in trailing:
        tb.addWidget(w)
    return tb
