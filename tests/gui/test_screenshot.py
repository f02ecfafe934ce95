"""Render a three-node window to PNG and check that it shows something."""

from PySide6.QtGui import QImage


def test_three_node_window_renders(qtbot, open_windows, run, tmp_path):
    alice, bob, carol = open_windows("alice", "bob", "carol")
    for w in (bob, carol):
        run(w.session.connect(alice.session.node.address))
    qtbot.waitUntil(lambda: all(len(w.session.node.nodes()) == 2 for w in (alice, bob, carol)),
                    timeout=5000)
    for w, group in ((alice, "chat"), (bob, "chat"), (carol, "news")):
        w.session.join(group, [w.session.spawn_member(), w.session.spawn_member()])
    qtbot.waitUntil(lambda: len(alice.view.members) == 6, timeout=5000)
    path = tmp_path / "alice.png"
    assert alice.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 700
    # not blank: many colours overall, and the view (left part) is not one flat colour
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 50
    # the view is not one flat colour: this node is drawn where the view placed it (the
    # middle of the view is empty space between the nodes since the 2D layout)
    view = alice.view
    x, y = view.place.node_pos[view.centre]
    me = view.scene_to_widget(x - 0.8 * view.place.radius(view.centre), y)  # inside, left of text
    me = view.viewport().mapTo(alice, me)
    node_colour = image.pixel(me.x(), me.y())
    corner = view.viewport().mapTo(alice, view.viewport().rect().bottomLeft())
    assert node_colour != image.pixel(corner.x() + 5, corner.y() - 5)
    assert node_colour == alice.theme.qcolor("self_fill").rgb()
