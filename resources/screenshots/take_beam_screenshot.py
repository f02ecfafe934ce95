"""The README's Erlang bridge picture: a real BEAM node (erl, OTP's pg) and a pgviz window
in one pg group, beside the BEAM shell's answers (evaluated on the BEAM, not typed in).

    QT_QPA_PLATFORM=offscreen python resources/screenshots/take_beam_screenshot.py OUT.png
"""

from __future__ import annotations

import asyncio
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtGui import QFont, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from pgviz.erlang import Atom  # noqa: E402
from pgviz.gui.app import open_window  # noqa: E402
from tests.erlang.beam import Beam, Epmd  # noqa: E402

TERMINAL_WIDTH = 560


def printed(beam: Beam, expr: str) -> str:
    """`expr`'s value as the Erlang shell prints it."""
    return str(beam.call(f'unicode:characters_to_binary(io_lib:format("~p", [{expr}])).'))


async def main(epmd: Epmd, beam: Beam, out: str) -> None:
    lines = ["$ erl -name beam@127.0.0.1 -setcookie secret",
             "% (pg's default scope started: pg:start_link())"]
    beam.call("[pg:join(room, spawn(fun() -> receive stop -> ok end end)) || _ <- [1,2]], ok.")
    lines += ["1> [pg:join(room, spawn(fun() -> receive _ -> ok end end)) || _ <- [1,2]].",
              "[ok,ok]"]
    window = await open_window("py", cookie="shotcookie", discovery=False, protocol="erlang",
                               epmd_port=epmd.port)
    window.resize(1180, 760)
    window.show()
    await window.session.connect("beam@127.0.0.1")
    window.session.node.pg.join(Atom("room"), window.session.spawn_member())
    for _ in range(100):
        if len(beam.call("pg:get_members(room).")) == 3:
            break
        await asyncio.sleep(0.05)
    lines += ["2> pg:get_members(room).", printed(beam, "pg:get_members(room)"),
              "3> [node(P) || P <- pg:get_members(room)].",
              printed(beam, "[node(P) || P <- pg:get_members(room)]")]
    beam.call('[P ! {hello, <<"from the BEAM">>} || P <- pg:get_members(room), '
              'node(P) =/= node()], ok.')
    lines += ['4> [P ! {hello, <<"from the BEAM">>} || P <- pg:get_members(room), '
              'node(P) =/= node()].', '[{hello,<<"from the BEAM">>}]']
    await asyncio.sleep(0.8)
    shot = window.grab()
    term = QPlainTextEdit("\n".join(lines))
    font = QFont("DejaVu Sans Mono")
    font.setPointSize(11)
    term.setFont(font)
    term.setStyleSheet("background:#111827; color:#e5e7eb; padding:8px;")
    term.resize(TERMINAL_WIDTH, shot.height())
    term.show()
    await asyncio.sleep(0.2)
    picture = QPixmap(TERMINAL_WIDTH + shot.width(), shot.height())
    picture.fill()
    painter = QPainter(picture)
    painter.drawPixmap(0, 0, term.grab())
    painter.drawPixmap(TERMINAL_WIDTH, 0, shot)
    painter.end()
    picture.save(out)
    window.close()
    await window.stopped


if __name__ == "__main__":
    epmd = Epmd()
    beam = Beam("beam@127.0.0.1", "shotcookie", epmd.port)
    try:
        app = QApplication.instance() or QApplication([])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(main(epmd, beam, sys.argv[1] if len(sys.argv) > 1
                                         else "beam-cluster.png"))
    finally:
        beam.stop()
        epmd.stop()
