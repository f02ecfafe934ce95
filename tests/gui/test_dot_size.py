"""Message dots in proportion to the picture: a dot in flight follows the view's zoom like the
nodes do, kept visible in a small view (a demo tile, a view beside the docked diagram) yet no
larger than a node there, and larger on a 2560×1440 screen; in an SVG export it is a shape,
not a bitmap. Measured on what the user sees: the dot's red pixels in a grab of the view."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor

from pgviz.gui.exports import write_export
from pgviz.gui.layout import NODE_RADIUS

from .drivers import join_one


def _mesh(qtbot, run, open_windows, names, size):
    ws = open_windows(*names, size=size, whole=True)
    for w in ws[1:]:
        run(w.session.connect(ws[0].session.node.address))
    qtbot.waitUntil(lambda: all(len(w.session.node.nodes()) == len(ws) - 1 for w in ws),
                    timeout=8000)
    for w in ws:
        join_one(qtbot, w, "room")
    qtbot.waitUntil(lambda: all(len(w.view.members) == len(ws) for w in ws), timeout=8000)
    for w in ws:
        w.selection.select(None)  # the joined member's marker would cover a dot
    return ws


def _broadcast_held_mid_link(qtbot, w):
    """One broadcast in slow motion, then the clock paused with its dots halfway: they stay
    where they are. The window's user dots (count 1 each: one message a link)."""
    w.session.node.net.slow(3.0)
    qtbot.waitUntil(lambda: w.net.bar.mode == "slow", timeout=5000)
    w.session.broadcast("room", "hello, class!")
    animator = w.view.animator

    def user_dots():
        return [d for _, _, d in animator.hits if d.kind == "user"]

    qtbot.waitUntil(lambda: bool(user_dots()) and user_dots()[0].progress > 0.3, timeout=5000)
    w.session.node.net.pause()
    qtbot.waitUntil(lambda: w.net.bar.mode == "pause" and not animator.running, timeout=5000)
    dots = user_dots()
    assert dots and all(d.count == 1 for d in dots)
    return dots


def _red_extent(w, dot):
    """The width on screen of the dot's red fill, in the view's pixels: the red patch around
    the dot's centre in a grab of the view (another dot nearby is another patch)."""
    view = w.view
    x, y = view.dot_position(dot.ids[0])
    centre = view.scene_to_widget(x, y)
    image = view.viewport().grab().toImage()
    dpr = image.devicePixelRatio()
    red = QColor(w.theme["user_dot"])

    def is_red(px, py):
        if not (0 <= px < image.width() and 0 <= py < image.height()):
            return False
        c = image.pixelColor(px, py)
        return (abs(c.red() - red.red()) + abs(c.green() - red.green())
                + abs(c.blue() - red.blue())) < 60

    start = (int(centre.x() * dpr), int(centre.y() * dpr))
    assert is_red(*start), "no red dot drawn where the frame is"
    seen, todo = {start}, [start]
    while todo:
        px, py = todo.pop()
        for q in ((px + 1, py), (px - 1, py), (px, py + 1), (px, py - 1)):
            if q not in seen and is_red(*q):
                seen.add(q)
                todo.append(q)
    cols = [px for px, _ in seen]
    return (max(cols) - min(cols) + 1) / dpr


def _node_px(w):
    return 2 * NODE_RADIUS * w.view.transform().m11()


def test_a_dot_stays_smaller_than_the_nodes_in_a_small_view_and_grows_on_a_big_screen(
        qtbot, run, open_windows):
    """A 640×400 tile of a 4-node demo with the space-time diagram docked: the peers are
    small, the dot (once 20 px whatever the view) is smaller still; in a 2560×1400 window the
    dot is larger than in the tile, in the same proportion to the nodes."""
    ws = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol", "dave"), (640, 400))
    alice = ws[0]
    alice.diagram.show()
    qtbot.waitUntil(lambda: alice.diagram.isVisible() and alice.view.height() < 140,
                    timeout=3000)
    dots = _broadcast_held_mid_link(qtbot, alice)
    node = _node_px(alice)
    assert node < 30  # a small view indeed: peers under 15 px in radius
    for dot in dots:
        assert 4 <= _red_extent(alice, dot) < node  # visible, and no larger than a node

    alice.diagram.hide()  # the tile alone: the nodes kept at a readable size
    qtbot.waitUntil(lambda: _node_px(alice) >= 45, timeout=3000)
    alice.view.animator.changed()
    tile = _red_extent(alice, dots[0])
    tile_node = _node_px(alice)
    assert tile < 0.3 * tile_node  # a token on the link, not a blob over the nodes
    for w in ws:
        run(w.shutdown())

    big = _mesh(qtbot, run, open_windows, ("erin", "frank"), (2560, 1400))
    erin = big[0]
    qtbot.waitUntil(lambda: _node_px(erin) > 2 * tile_node, timeout=3000)
    (dot,) = _broadcast_held_mid_link(qtbot, erin)
    large = _red_extent(erin, dot)
    assert large > 1.8 * tile  # grows with the picture
    assert 0.15 * _node_px(erin) < large < 0.3 * _node_px(erin)  # in proportion


def test_svg_export_holds_the_dots_in_flight_as_shapes(qtbot, run, open_windows, tmp_path):
    """File ▸ Export ▸ Cluster view as SVG while a frame is in flight (the clock paused):
    the dot is a red vector shape in the file, and the file holds no bitmap."""
    alice, _bob = _mesh(qtbot, run, open_windows, ("alice", "bob"), (1200, 780))
    _broadcast_held_mid_link(qtbot, alice)
    path = write_export("view-svg", tmp_path / "view.svg", [], [], alice.view)
    svg = path.read_text()
    assert "<image" not in svg
    red = QColor(alice.theme["user_dot"]).name()
    # the dot: a shape filled with the user messages' red (Qt writes a group per brush)
    shapes = re.findall(rf'<g [^>]*fill="{red}"[^>]*>\s*<(path|ellipse|circle)\b', svg)
    assert shapes, f"no shape filled with {red}"


def test_a_large_dot_is_clicked_anywhere_on_it(qtbot, run, open_windows):
    """On a 2560×1440 screen a held dot is larger than the old 14 px click radius allowed for:
    a click near its edge still finds it (the inspector opens on it)."""
    from PySide6.QtCore import QPointF
    alice, _bob = _mesh(qtbot, run, open_windows, ("alice", "bob"), (2560, 1400))
    alice.view.zoom(1.5)  # the largest a dot gets
    dot = _broadcast_held_mid_link(qtbot, alice)[0]
    x, y = alice.view.dot_position(dot.ids[0])
    zoom = alice.view.transform().m11()
    edge = _red_extent(alice, dot) / 2
    assert edge > 14, "the dot is not larger than the old click radius here"
    found = alice.view.dot_at(QPointF(x + (edge - 1) / zoom, y))
    assert found is not None and dot.ids[0] in found.ids
