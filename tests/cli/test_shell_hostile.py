"""The headless shell against a hostile peer that holds the cookie: whatever it sends to "shell"
or to a spawned process is reported as a message (never mistaken for a notification, never a
crash), and the human output stays one line per event with no terminal escapes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from typing import Any

from pgviz import Node, Pid, Ref
from pgviz.shell import Shell
from pgviz.trace import MAX_DEPTH, MAX_SIZE, to_jsonable
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame

from ..support import COOKIE, raw_peer, raw_roundtrip, run, spawn_idle, start_node, wait_until
from .nodeproc import NodeProc

FORGED_LINE = "hi\n* nodedown fake@host reason=forged\x1b[31m\r\x07"
FORGED_GROUP = "evil\n* nodeup node=fake@host\x1b]0;owned\x07"


def nested(depth: int, leaf: Any = "bottom") -> Any:
    term = leaf
    for _ in range(depth):
        term = [term]
    return term


def depth_of(data: Any) -> tuple[int, Any]:
    """How many single-element lists wrap the innermost value, and that value."""
    depth = 0
    while type(data) is list and len(data) == 1:
        data, depth = data[0], depth + 1
    return depth, data


class LocalShell:
    """A Shell on an in-process node, its events collected in a list."""

    def __init__(self, node: Node) -> None:
        self.events: list[dict[str, Any]] = []
        self.shell = Shell(node, self.events.append)
        self.shell.start()

    async def event(self, kind: str, **match: Any) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for ev in self.events:
                if ev["event"] == kind and all(ev.get(k) == v for k, v in match.items()):
                    self.events.remove(ev)
                    return ev
            return None
        return await wait_until(find, what=f"event {kind} {match} among {self.events}")


def test_unhashable_four_tuple_is_a_message_and_monitor_events_keep_flowing():
    """({...}, 1, 2, 3) sent to "shell" by a peer is a message; joins, leaves and exits follow."""
    async def main():
        # A hand-driven peer: pgviz's own send refuses this term before it leaves the node.
        node = await start_node("target")
        try:
            local = LocalShell(node)
            assert (await local.shell.execute("monitor g"))["ok"]
            _, writer = await raw_peer(node, "evil@127.0.0.1")
            writer.write(encode_frame(encode(["REG_SEND", "shell", ({"a": 1}, 1, 2, 3)])))
            msg = await local.event("message", data=[{"a": 1}, 1, 2, 3])
            assert msg["from"] is None
            pid = local.shell.spawn_member("w")
            node.pg.join("g", pid)
            assert (await local.event("join", group="g"))["members"] == [str(pid)]
            assert (await local.shell.execute("kill w"))["ok"]
            await local.event("exit", pid=str(pid), reason="killed")
            await local.event("leave", group="g", members=[str(pid)])
            writer.close()
        finally:
            await node.stop()
    run(main())


def test_any_shape_sent_to_the_shell_is_one_message_event():
    """Lookalikes of notifications, unhashable and odd terms: each is reported as a message."""
    async def main():
        node = await start_node("odd")
        try:
            local = LocalShell(node)
            shell_pid = local.shell.shell_pid
            assert (await local.shell.execute("monitor g"))["ok"]
            pid = spawn_idle(node)
            hostile = [
                ({"a": 1}, 1, 2, 3),
                ([1], "join", "g", [pid]),
                (node.make_ref(), "join", "g", [pid]),  # a ref, but not one the shell holds
                ("DOWN", {}, "process", pid, "killed"),
                ("DOWN", [], "process", pid, "killed"),
                ({"x": [1]}, "leave", {"g": 1}, None),
                ("msg", {}, nested(5)),
                {(1, 2): {"k": b"\xff"}},
                # (deeper than the shell renders; a local send copies, and copies no deeper than
                # the codec would carry: pgviz.runtime.copying)
                nested(90, leaf={"deep": True}),
                {"set": {1, 2}},
                2 ** 20000,
            ]
            for term in hostile:
                node.send(shell_pid, term)
            await wait_until(lambda: len(local.events) >= len(hostile), what="message events")
            assert [e["event"] for e in local.events] == ["message"] * len(hostile)
            for ev in local.events:
                assert ev["pid"] == str(shell_pid)
                json.loads(json.dumps(ev))  # each one printable as the --json line
            local.events.clear()
            # The shell still reads its real notifications.
            node.pg.join("g", pid)
            assert (await local.event("join", group="g"))["members"] == [str(pid)]
        finally:
            await node.stop()
    run(main())


def test_forged_down_with_an_unknown_ref_is_a_message_not_an_exit():
    """A DOWN-shaped tuple from a peer names a live process: a message; its real exit still comes."""
    async def main():
        target = await NodeProc.start("watched")
        attacker = await start_node("forger")
        try:
            await attacker.connect(target.address)
            pid_text = (await target.cmd("spawn w"))["pid"]
            assert (await target.cmd("join g w"))["ok"]
            (pid,) = await wait_until(lambda: attacker.pg.get_members("g"), what="the member")
            forged_ref = attacker.make_ref()
            attacker.send(("shell", target.name), ("DOWN", forged_ref, "process", pid, "killed"))
            msg = await target.event("message", data=["DOWN", str(forged_ref), "process",
                                                      pid_text, "killed"])
            assert msg["from"] is None
            # The shell reports in arrival order: the forgery did not become an exit event.
            assert not [e for e in target.events if e["event"] == "exit"]
            assert (await target.cmd("local g"))["members"] == [pid_text]
            assert (await target.cmd("kill w"))["ok"]
            exited = await target.event("exit", pid=pid_text)
            assert exited["reason"] == "killed"
        finally:
            await attacker.stop()
            assert await target.close() == 0
    run(main())


def test_deep_message_to_a_member_keeps_it_alive_and_in_its_groups():
    """A message nested 90 deep (as deep as a send carries) is reported, cut at MAX_DEPTH; the
    member stays in "g"."""
    async def main():
        node = await start_node("deep")
        try:
            local = LocalShell(node)
            member = local.shell.spawn_member("m")
            node.pg.join("g", member)
            node.send(member, nested(90))
            ev = await local.event("message", pid=str(member))
            assert depth_of(ev["data"]) == (MAX_DEPTH, "[...]")
            assert node.is_alive(member) and node.pg.get_members("g") == [member]
            node.send(member, "still here")
            await local.event("message", pid=str(member), data="still here")
            assert not [e for e in local.events if e["event"] == "exit"]
        finally:
            await node.stop()
    run(main())


def test_deep_message_over_the_wire_to_a_member_is_reported_bounded():
    """90 deep (the wire still carries it) to `pgviz node --join g`: one bounded message event."""
    async def main():
        target = await NodeProc.start("holder", "--join", "g")
        attacker = await start_node("digger")
        try:
            await attacker.connect(target.address)
            member = (await target.event("joined"))["pid"]
            attacker.send(("member", target.name), nested(90))
            ev = await target.event("message", pid=member)
            assert depth_of(ev["data"]) == (MAX_DEPTH, "[...]")
            assert (await target.cmd("local g"))["members"] == [member]
        finally:
            await attacker.stop()
            assert await target.close() == 0
    run(main())


class HumanProc:
    """`pgviz node` without --json: the raw bytes of each stdout line, as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[bytes] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, name: str) -> HumanProc:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pgviz", "node", "--name", name,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, env=dict(os.environ, PGVIZ_COOKIE=COOKIE))
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw)

    async def line(self, pattern: bytes) -> bytes:
        return await wait_until(lambda: next((ln for ln in self.lines
                                              if re.search(pattern, ln)), None),
                                timeout=20, what=f"a line matching {pattern!r} in {self.lines}")

    async def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((command + "\n").encode())
        await self.proc.stdin.drain()

    async def quit(self) -> int:
        if self.proc.returncode is None:
            await self.send("quit")
            await asyncio.wait_for(self.proc.wait(), 10)
        await self._reader
        return self.proc.returncode  # type: ignore[return-value]


def test_human_mode_escapes_control_characters_one_line_per_event():
    """A peer's newline, ESC and BEL in data and group names print escaped, on the event's line."""
    async def main():
        human = await HumanProc.start("human")
        attacker = None
        try:
            started = re.match(rb"pgviz node (\S+) listening on (\S+)",
                               await human.line(rb"^pgviz node "))
            assert started is not None
            name, address = started.group(1).decode(), started.group(2).decode()
            await human.send("monitor")
            await human.line(rb"^ok scope=pg")
            attacker = await start_node("mallory")
            await attacker.connect(address)
            attacker.pg.join(FORGED_GROUP, spawn_idle(attacker))
            await human.line(rb"^\* join ")
            attacker.send(("shell", name), ("msg", spawn_idle(attacker), FORGED_LINE))
            await human.line(rb"^\* message ")
            await human.send("groups")
            await human.line(rb"^ok groups=")
        finally:
            if attacker is not None:
                await attacker.stop()
            assert await human.quit() == 0
        out = b"".join(human.lines)
        assert b"\x1b" not in out and b"\x07" not in out and b"\r" not in out
        for line in human.lines:  # each line is one reply or one event, none of them forged
            assert re.match(rb"(pgviz node |ok|\* (nodeup|nodedown|join|leave|message) )", line), line
        assert not [ln for ln in human.lines
                    if ln.startswith((b"* nodedown fake@host", b"* nodeup node=fake@host"))]
        (message,) = [ln for ln in human.lines if ln.startswith(b"* message ")]
        assert b"hi\\x0a* nodedown fake@host reason=forged\\x1b[31m\\x0d\\x07" in message
        (joined,) = [ln for ln in human.lines if ln.startswith(b"* join ")]
        assert b"group=evil\\x0a* nodeup node=fake@host\\x1b]0;owned\\x07 " in joined
    run(main())


# What the shell prints of a term is to_jsonable's rendering (pgviz/trace.py).

def test_to_jsonable_renders_plain_terms_as_json_data():
    """Pids and refs as text, tuples as lists, bytes as text or hex, dict keys as text."""
    pid, ref = Pid("a@h", 3, 0, 1), Ref("a@h", 9, 1)
    term = ("msg", pid, [b"hi", b"\xff\x00", {1: (2, None), (1, "a"): ref}, 1.5, True, "x\n"])
    assert to_jsonable(term) == ["msg", "<a.3>", ["hi", "ff00", {"1": [2, None],
                                                                "[1, 'a']": "#Ref<a.9>"},
                                                   1.5, True, "x\n"]]
    assert to_jsonable(nested(MAX_DEPTH)) == nested(MAX_DEPTH)


def test_to_jsonable_is_bounded_and_never_raises():
    """Depth, size and odd objects: a placeholder or a cut, never an exception."""
    deep_dict: dict[str, Any] = {}
    inner = deep_dict
    for _ in range(5000):
        inner["k"] = {}
        inner = inner["k"]
    rendered = json.dumps(to_jsonable(deep_dict))
    assert rendered.count("{\"k\"") == MAX_DEPTH and rendered.endswith('"{...}"' + "}" * MAX_DEPTH)
    row = ["0123456789"] * 1000
    wide = to_jsonable([row] * 1000)  # 10 million characters, if rendered in full
    assert len(json.dumps(wide)) < 3 * MAX_SIZE and wide[-1] == "..."
    assert to_jsonable("a" * (2 * MAX_SIZE)).endswith("…")

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Hostile" in to_jsonable(Hostile()) and "Hostile" in to_jsonable([Hostile()])[0]
    json.dumps(to_jsonable(2 ** 100_000))  # JSON refuses ints this long


def test_exit_signals_from_peers_do_not_stop_the_shell():
    """EXIT2 kill from a peer's own pid leaves the shell process running: events still flow."""
    async def main():
        node = await start_node("target")
        try:
            local = LocalShell(node)
            assert (await local.shell.execute("monitor g"))["ok"]
            reader, writer = await raw_peer(node, "evil@127.0.0.1")
            writer.write(encode_frame(encode(
                ["EXIT2", Pid("evil@127.0.0.1", 1, 0, 1), local.shell.shell_pid, "kill"])))
            await raw_roundtrip(reader, writer, node, "evil@127.0.0.1")
            assert node.is_alive(local.shell.shell_pid)
            pid = local.shell.spawn_member("w")
            node.pg.join("g", pid)
            assert (await local.event("join", group="g"))["members"] == [str(pid)]
            writer.close()
        finally:
            await node.stop()
    run(main())
