"""An arrow whose deliver the window never hears ends with what is known (issue 11): a later
frame on its link delivered (it arrived), its link down (lost), its receiver out of sight
(unknown) -- in the diagram as in the model, through the same ledger."""

from __future__ import annotations

from pgviz.events import Clock, NodeDown, Received, Unwatched
from pgviz.model import ClusterModel

from .test_spacetime import T0, A, B, C, deliver, make_view, send

AB, AC = "5e55i", "ac0i"  # the tags of a's connections to b and to c


def test_an_arrow_ends_as_arrived_when_a_later_frame_on_its_link_is_delivered(qtbot):
    events = [send(AB + "1", A, B, T0 + 0.1, travel=1.0), send(AB + "2", A, B, T0 + 0.2, travel=1.0),
              deliver(AB + "2", A, B, T0 + 1.3)]
    view, _ = make_view(qtbot, now=T0 + 2.0, events=events)
    view.grab()
    history = view.history
    assert not history.in_flight and not view._timer.isActive()
    first = history.arrow(AB + "1")
    assert first is not None and first.fate == "arrived" and first.delivered == T0 + 1.3
    assert history.arrow(AB + "2").fate == "delivered"
    assert {s.id for s in view._segments} == {AB + "1", AB + "2"}  # drawn to bob's lane
    model = ClusterModel(events)
    assert model.snapshot().in_flight == () and model.fate(AB + "1") == first.fate


def test_an_arrow_to_a_node_out_of_sight_is_unknown_until_its_watermark_comes(qtbot):
    events = [Clock(node=A, t=T0, lc=1, mode="slow", seconds=2.0),
              send(AB + "1", A, B, T0 + 0.1, travel=2.0), send(AC + "1", A, C, T0 + 0.2, travel=2.0),
              Unwatched(node=C, t=T0 + 0.5, lc=5, peer=B)]
    view, clock = make_view(qtbot, now=T0 + 1.0, events=events)
    view.grab()
    arrow = view.history.arrow(AB + "1")
    assert arrow.fate == "unknown" and arrow.unknown == T0 + 0.5
    assert list(view.history.in_flight) == [AC + "1"]  # c still hears its own delivers
    view.feed(Received(node=B, t=T0 + 3.0, lc=9, peer=A, id=AB + "1"))
    assert arrow.fate == "arrived" and arrow.unknown is None
    view.feed(NodeDown(node=A, t=T0 + 3.1, lc=10, peer=C, reason="noconnection"))
    assert view.history.arrow(AC + "1").fate == "lost"
    clock["now"] = T0 + 4.0
    view.grab()
    assert not view.history.in_flight and not view._timer.isActive()
