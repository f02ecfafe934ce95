"""Minimal reproducers of what fuzzing found, each kept as the behaviour it should have.

Crashes are reproduced in a subprocess (a `pgviz node` for the node, `python -c` for the
codec) so that a SIGSEGV fails the test instead of killing pytest. The hostile bytes are built
by hand with msgpack: an attacker does not use our encoder.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import msgpack
import pytest

from pgviz import Pid
from pgviz.errors import RemoteProtocolError
from pgviz.wire.codec import encode
from pgviz.wire.frames import FrameDecoder, encode_frame
from pgviz.wire.handshake import HANDSHAKE_MAX_FRAME, Handshake

from ..cli.nodeproc import NodeProc
from ..support import raw_peer, run, spawn_idle, start_node, wait_until
from .strategies import frame, nested_tuple_ext

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _died(res: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {res.returncode}; stdout {res.stdout!r}; stderr {res.stderr[-1500:]}"


# -- 1. 200 nested tuple exts in the first handshake frame: SIGSEGV --------------------------

@pytest.mark.parametrize("in_list,size", [(False, 718), (True, 942)],
                         ids=["ext-in-ext-718-bytes", "ext-in-list-942-bytes"])
def test_a_deeply_nested_tuple_frame_opening_a_handshake_does_not_kill_the_node(in_list, size):
    """Found by fuzzing: 4-byte length + 200 ext-3 values, each one's payload the msgpack of
    the next (in a one-element array for the second variant) around [1], as the first frame
    of a connection. The nested-ext tuple codec re-entered msgpack's C decoder per level and
    overflowed the C stack: SIGSEGV, the whole node gone, no authentication needed."""
    async def main():
        node = await NodeProc.start("victim")
        try:
            data = frame(nested_tuple_ext(200, in_list=in_list))
            assert len(data) == size
            host, port = node.address.rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(data)
            await writer.drain()
            try:
                await asyncio.wait_for(reader.read(), 5)
            except (TimeoutError, ConnectionResetError):
                pass
            writer.close()
            reply = await node.cmd("nodes")
            assert reply == {"reply": "nodes", "ok": True, "nodes": []}
            assert node.proc.returncode is None
        except AssertionError as exc:
            raise AssertionError(f"{exc}; node exit status {node.proc.returncode}, stderr: "
                                 f"{''.join(node.stderr)[-1500:]}") from None
        finally:
            await node.close()
    run(main())


# -- 2. decode() of that payload, deeper and deeper ------------------------------------------

_DECODE = """
    import sys
    import msgpack
    from pgviz.errors import RemoteProtocolError
    from pgviz.wire.codec import decode

    depth, in_list = int(sys.argv[1]), sys.argv[2] == "1"
    payload = msgpack.packb([1])
    for _ in range(depth):
        if in_list:
            payload = b"\\x91" + payload
        payload = msgpack.packb(msgpack.ExtType(3, payload))
    try:
        decode(payload)
    except RemoteProtocolError:
        print("RemoteProtocolError")
    except BaseException as exc:
        print("escaped", type(exc).__name__)
    else:
        print("decoded")
"""


@pytest.mark.parametrize("in_list", [False, True], ids=["ext-in-ext", "ext-in-list"])
@pytest.mark.parametrize("depth", [150, 200, 1000, 10000])
def test_decoding_deeply_nested_tuple_exts_raises_remote_protocol_error(depth, in_list):
    """The same payload without the frame, at 150 (decoded, today), 200, 1000 and 10000
    levels (SIGSEGV, today): refused with RemoteProtocolError, whatever the depth."""
    res = _python(_DECODE, str(depth), "1" if in_list else "0")
    assert res.returncode == 0, _died(res)
    assert res.stdout.strip() == "RemoteProtocolError", _died(res)


# -- 3. encode() of deeply nested tuples ------------------------------------------------------

_ENCODE = """
    import sys
    from pgviz.errors import LocalProtocolError
    from pgviz.wire.codec import encode

    term = [1]
    for _ in range(int(sys.argv[1])):
        term = (term,)
    try:
        encode(term)
    except LocalProtocolError:
        print("LocalProtocolError")
    except BaseException as exc:
        print("escaped", type(exc).__name__)
    else:
        print("encoded")
"""


@pytest.mark.parametrize("depth", [200, 600])
def test_encoding_deeply_nested_tuples_raises_local_protocol_error(depth):
    """A sender must not produce what no receiver can take (it returned bytes at 200 levels
    and let RecursionError escape at 600)."""
    res = _python(_ENCODE, str(depth))
    assert res.returncode == 0, _died(res)
    assert res.stdout.strip() == "LocalProtocolError", _died(res)


# -- 4. a peer links to the pg scope, then leaves ---------------------------------------------

def test_a_peer_that_links_to_the_pg_scope_and_leaves_does_not_wipe_its_members():
    """Found by fuzzing (control messages): LINK from the attacker's pid to the victim's pg
    scope is accepted; when the attacker's link drops, the link's "noconnection" exit signal
    kills the scope (system processes ignore only EXIT and EXIT2 from peers), and the
    supervisor restarts it empty: every local membership is gone while its processes live."""
    async def main():
        victim = await start_node("victim")
        try:
            member = spawn_idle(victim)
            victim.pg.join("g", member)
            scope_pid = victim.pg.pid
            _, writer = await raw_peer(victim, "evil@127.0.0.1")
            evil = Pid("evil@127.0.0.1", 1, 0, 1)
            writer.write(encode_frame(encode(["LINK", evil, scope_pid])))
            await asyncio.sleep(0.1)
            writer.close()
            await wait_until(lambda: victim.nodes() == [], what="the attacker gone")
            await asyncio.sleep(0.1)
            assert victim.is_alive(member)
            assert victim.pg.pid == scope_pid, "the pg scope was killed and restarted"
            assert victim.pg.get_members("g") == [member]
        finally:
            await victim.stop()
    run(main())


# -- 5. a hello whose version is a 4 KB string --------------------------------------------------

def test_a_hello_with_a_4_kb_version_string_is_refused_as_the_peers_error():
    """Found while writing the handshake strategies: the refusal quotes the peer's version
    back, so a legal 4077-byte hello with a 4040-character version makes a refusal of 4107
    bytes, over the 4096-byte handshake frame limit: receive_data() raises LocalProtocolError
    ("a bug on this side") instead of RemoteProtocolError, and no refusal is sent."""
    hs = Handshake(initiator=False, name="victim@h", creation=1, cookie="c", address="v:1")
    hello = msgpack.packb(["hello", "v" * 4040, "x@h", 1, bytes(16), "x:1", True, []])
    assert len(hello) <= HANDSHAKE_MAX_FRAME
    with pytest.raises(RemoteProtocolError):
        hs.receive_data(frame(hello))
    for payload in FrameDecoder(HANDSHAKE_MAX_FRAME).feed(hs.data_to_send()):
        assert len(payload) <= HANDSHAKE_MAX_FRAME
