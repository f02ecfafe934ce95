"""The graph stays the main thing in a window whatever its size (review findings 3, 4, 8, 11,
15, 17): overlays that compact in a short view, a diagram dock that never takes most of a
short window, nodes and their text readable in a small view, markers in proportion, a vector
SVG export of the cluster view."""

from __future__ import annotations

import re

from pgviz.gui.exports import write_export

from .drivers import join_one


def _pair_in_a_group(qtbot, run, open_windows, size=(1200, 780)):
    alice, bob = open_windows("alice", "bob", size=size)
    run(bob.session.connect(alice.session.node.address))
    join_one(qtbot, alice, "room")
    join_one(qtbot, bob, "room")
    qtbot.waitUntil(lambda: len(alice.view.members) == 2, timeout=5000)
    return alice, bob


def test_cluster_view_svg_export_is_vector_not_a_bitmap(qtbot, run, open_windows, tmp_path):
    """The graph is painted into the SVG as shapes and text: no embedded image of the view."""
    alice, _bob = _pair_in_a_group(qtbot, run, open_windows)
    alice.view.animator.clear()  # dots in flight are sprites of their own; the graph is not
    path = write_export("view-svg", tmp_path / "view.svg", [], [], alice.view)
    svg = path.read_text()
    assert "<image" not in svg
    assert len(re.findall(r"<(?:path|ellipse|circle|polyline|line)\b", svg)) >= 6
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert "alice" in texts and "bob" in texts  # node names are text, not pixels
    # the badge's text at the size it is laid out for (a smaller font in the same boxes
    # opened gaps: "you are    alice")
    badge_px = alice.view.badge.fontInfo().pixelSize()
    sizes = re.findall(r'font-size="([0-9.]+)"[^>]*>\s*you are', svg)
    assert sizes and float(sizes[0]) == badge_px
