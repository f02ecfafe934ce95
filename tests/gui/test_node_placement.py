"""Where things go (Qt-free): peers never in a line and never moving, members never
overlapping, the picture stretched to the view's shape, the demo's windows tiling the screen."""

import math

from pgviz.gui.layout import NodeLayout, member_offsets, stretch_for
from pgviz.gui.tiling import tile_rects


def test_first_peers_are_not_collinear_and_keep_their_place():
    lay = NodeLayout("me@h")
    me = lay.position("me@h")
    a, b = lay.position("a@h"), lay.position("b@h")
    # cross product of (a - me) and (b - me): a real triangle, not a line
    cross = (a[0] - me[0]) * (b[1] - me[1]) - (a[1] - me[1]) * (b[0] - me[0])
    assert abs(cross) > 1000
    before = {n: lay.position(n) for n in ("a@h", "b@h")}
    for i in range(30):
        lay.position(f"n{i}@h")
    assert {n: lay.position(n) for n in ("a@h", "b@h")} == before
    spots = {lay.position(n) for n in lay.known()}
    assert len(spots) == len(lay.known())  # no two nodes share a place


def test_members_keep_their_place_and_never_overlap():
    few, many = member_offsets(5, 46.0), member_offsets(60, 46.0)
    assert many[:5] == few
    for i, (x1, y1) in enumerate(many):
        assert math.hypot(x1, y1) > 46.0 + 10
        for x2, y2 in many[i + 1:]:
            assert math.hypot(x1 - x2, y1 - y2) > 18


def test_stretch_spreads_towards_the_view_shape():
    sx, sy = stretch_for(300, 100, 200, 200, aspect=1.0)
    assert sx == 1.0 and sy > 1.0
    sx, sy = stretch_for(100, 300, 200, 200, aspect=2.0)
    assert sy == 1.0 and sx > 1.0
    assert stretch_for(300, 100, 200, 200, aspect=1.0, limit=1.2) == (1.0, 1.2)


def test_tiling_three_columns_on_a_wide_screen_and_no_empty_cell():
    rects = tile_rects(3, 0, 0, 1920, 1080)
    assert rects == [(0, 0, 640, 1080), (640, 0, 640, 1080), (1280, 0, 640, 1080)]
    for n in range(1, 9):
        for screen in ((1920, 1080), (1600, 900), (1280, 800), (3840, 2160)):
            rects = tile_rects(n, 0, 0, *screen)
            assert len(rects) == n
            assert sum(w * h for _, _, w, h in rects) == screen[0] * screen[1]  # all covered
    # four windows: 2 x 2, not four slivers
    assert {(w, h) for _, _, w, h in tile_rects(4, 0, 0, 1920, 1080)} == {(960, 540)}
