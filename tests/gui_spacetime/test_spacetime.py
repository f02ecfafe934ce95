"""The space-time diagram widget: lanes, arrows that grow and freeze, filters, selection by id
and by click, pictures (PNG, SVG), and the frame time with 10 nodes and 1,000 arrows."""

from __future__ import annotations

from pgviz.events import Clock, Deliver, Fault, Join, Send
from pgviz.export import ALL_FRAMES
from pgviz.gui.spacetime import SpaceTimeView
from pgviz.gui.spacetime_bench import measure_frame_ms
from pgviz.gui.spacetime_export import save_png, save_svg, view_of_recording
from pgviz.model.recording import Recording
from pgviz.wire.terms import Pid

A, B, C = "alice@h", "bob@h", "carol@h"
T0 = 1000.0


def send(fid, src, dst, t, kind="user", travel=0.0):
    return Send(node=src, t=t, lc=1, id=fid, src=src, dst=dst, kind=kind, size=10,
                summary=f"({fid})", travel=travel)


def deliver(fid, src, dst, t, kind="user"):
    return Deliver(node=dst, t=t, lc=2, id=fid, src=src, dst=dst, kind=kind, size=10,
                   summary=f"({fid})")


def scene():
    return [
        Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 1, 0, 1),)),
        send("j1", A, B, T0 + 0.01, "join"), deliver("j1", A, B, T0 + 0.02, "join"),
        send("m1", A, C, T0 + 0.5), deliver("m1", A, C, T0 + 0.6),
        send("t1", B, C, T0 + 0.7, "tick"), deliver("t1", B, C, T0 + 0.71, "tick"),
        send("d1", B, C, T0 + 0.8, "MONITOR_P"), deliver("d1", B, C, T0 + 0.81, "MONITOR_P"),
        Fault(node=A, t=T0 + 1.0, lc=3, what="cut", src=A, dst=C, detail="partition alice | carol"),
        Fault(node=A, t=T0 + 1.4, lc=4, what="heal", src=A, dst=C),
        send("slow1", B, A, T0 + 1.5, travel=2.0),
    ]


def make_view(qtbot, now=T0 + 2.5, events=None, size=(900, 300)):
    clock = {"now": now}
    view = SpaceTimeView(clock=lambda: clock["now"])
    qtbot.addWidget(view)
    view.feed_many(scene() if events is None else events)
    view.resize(*size)
    view.set_scale(300)
    view.show()
    return view, clock


def test_a_lane_per_node_and_an_arrow_per_shown_frame(qtbot):
    view, _ = make_view(qtbot)
    view.grab()
    assert view.history.lanes == [A, B, C]
    drawn = {s.id for s in view._segments}
    assert drawn == {"j1", "m1", "slow1"}  # ticks and distribution hidden by default
    view.set_filter(ALL_FRAMES)
    view.grab()
    assert {s.id for s in view._segments} == {"j1", "m1", "t1", "d1", "slow1"}
    assert [b.kind for b in view.history.bands] == ["partition"]
    assert view.history.bands[0].end == T0 + 1.4


def test_an_arrow_in_flight_grows_and_freezes_while_paused(qtbot):
    view, clock = make_view(qtbot, now=T0 + 2.0)
    view.grab()
    head = {s.id: s for s in view._segments}["slow1"]
    clock["now"] = T0 + 2.5
    view.grab()
    later = {s.id: s for s in view._segments}["slow1"]
    assert later.y2 < head.y2  # bob (lane 1) towards alice (lane 0): up the screen
    assert view._timer.isActive()  # it moves, so the frame timer runs
    view.feed(Clock(node=A, t=T0 + 2.5, lc=9, mode="pause"))
    assert not view._timer.isActive()  # nothing moves while paused
    view.grab()
    frozen = {s.id: s for s in view._segments}["slow1"]
    clock["now"] = T0 + 4.0
    view.grab()
    assert {s.id: s for s in view._segments}["slow1"] == frozen
    view.feed(Clock(node=A, t=T0 + 4.0, lc=10, mode="live"))
    view.feed(deliver("slow1", B, A, T0 + 4.6))
    assert not view._timer.isActive() and not view.history.in_flight


def test_selecting_an_arrow_by_id_and_by_click(qtbot):
    view, _ = make_view(qtbot)
    view.grab()
    with qtbot.waitSignal(view.selectionChanged) as changed:
        view.select_frame("m1")
    assert changed.args == ["m1"] and view.selected == "m1"
    seg = {s.id: s for s in view._segments}["j1"]
    from PySide6.QtCore import QPoint, Qt

    mid = QPoint(round((seg.x1 + seg.x2) / 2), round((seg.y1 + seg.y2) / 2))
    with qtbot.waitSignal(view.frameClicked) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=mid)
    assert clicked.args == ["j1"] and view.selected == "j1"
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(view.width() - 30, 10))
    assert view.selected is None


def test_replay_time_shows_the_cluster_as_it_was(qtbot):
    view, _ = make_view(qtbot)
    view.set_time(T0 + 0.55)  # m1 sent, not yet delivered
    view.grab()
    segs = {s.id: s for s in view._segments}
    assert set(segs) == {"j1", "m1"}
    assert view.frame_at(segs["m1"].x2, segs["m1"].y2) == "m1"


def test_pictures_of_the_diagram(qtbot, tmp_path):
    events = scene() + [deliver("slow1", B, A, T0 + 3.5)]
    view = view_of_recording(Recording({"nodes": []}, events), width=1000)
    qtbot.addWidget(view)
    png = save_png(view, tmp_path / "d.png")
    svg = save_svg(view, tmp_path / "d.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert "<svg" in text and "alice" in text


def test_export_command_writes_svg_and_png(qtbot, tmp_path):
    import json

    from pgviz.export.command import main

    rec = tmp_path / "r.jsonl"
    rec.write_text("\n".join([json.dumps({"pgviz_recording": 1, "started": T0, "nodes": []})]
                             + [json.dumps(e.to_dict()) for e in scene()]) + "\n")
    assert main([str(rec), "--format", "png"]) == 0
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert main([str(rec), "--format", "svg", "-o", str(tmp_path / "x.svg")]) == 0
    assert "<svg" in (tmp_path / "x.svg").read_text()


def test_ten_nodes_and_a_thousand_arrows_draw_within_4_ms_a_frame(qtbot):
    result = measure_frame_ms(nodes=10, arrows=1000, frames=30)
    assert result["frame_median_ms"] <= 4.0, result
