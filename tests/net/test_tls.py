"""TLS links: mutual authentication with a classroom CA, the certificate's name checked against
the handshake's, and every mismatch (plaintext against TLS, a certificate from another CA or
for another name) refused on both sides with a typed reason, the nodes serving on."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys

import pytest

from pgviz import ConnectionRefused, MemoryNetwork, Refusal, TLSConfig
from pgviz.errors import TLSConfigError
from pgviz.net.certs import init_classroom, node_files

from ..cli.nodeproc import NodeProc
from ..support import run, settle, spawn_idle, start_node, wait_until


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A classroom CA with alice, bob and carol; another CA with its own alice (mallory)."""
    classroom = tmp_path_factory.mktemp("classroom")
    init_classroom(classroom, ["alice", "bob", "carol"])
    other = tmp_path_factory.mktemp("other")
    init_classroom(other, ["alice"])

    def tls(name: str, where=classroom) -> TLSConfig:
        cert, key = node_files(where, name)
        return TLSConfig(cert=cert, key=key, ca=where / "ca.pem")

    tls.classroom = classroom  # type: ignore[attr-defined]
    tls.other = other  # type: ignore[attr-defined]
    return tls


async def _assert_serves(a, b) -> None:
    """a and b (TLS or not, as configured) still connect and share a group."""
    await a.connect(b.address)
    member = spawn_idle(b)
    b.pg.join("alive", member)
    await wait_until(lambda: a.pg.get_members("alive") == [member], what="a join over the link")


def test_tls_link_between_two_nodes_authenticates_both_sides(pki):
    async def main():
        alice = await start_node("alice", tls=pki("alice"), heal=False)
        bob = await start_node("bob", tls=pki("bob"), heal=False)
        try:
            assert await alice.connect(bob.address) == bob.name
            await _assert_serves(alice, bob)
            assert alice._dist.connection(bob.name).peer_cert_names == {"bob"}
            assert bob._dist.connection(alice.name).peer_cert_names == {"alice"}
            assert alice.pg.broadcast("alive", ("hello", 1)) == 1
        finally:
            await alice.stop()
            await bob.stop()
    run(main())


def test_plaintext_and_tls_refuse_each_other_on_both_sides(pki, caplog):
    caplog.set_level(logging.INFO, logger="pgviz")

    async def main():
        secure = await start_node("alice", tls=pki("alice"), heal=False)
        plain = await start_node("plain", heal=False)
        try:
            with pytest.raises(ConnectionRefused) as refused:
                await plain.connect(secure.address)
            assert refused.value.reason == Refusal.TLS_MISMATCH
            assert "requires TLS" in str(refused.value) and "--tls-cert" in str(refused.value)
            await wait_until(lambda: any("pgviz node without TLS" in r.getMessage()
                                         and "requires TLS" in r.getMessage()
                                         for r in caplog.records), what="alice's side")
            plain2 = await start_node("plain2", heal=False)  # its own log's rate limit
            with pytest.raises(ConnectionRefused) as refused:
                await secure.connect(plain2.address)
            await plain2.stop()
            assert refused.value.reason == Refusal.TLS_MISMATCH
            assert "without TLS" in str(refused.value)
            await wait_until(lambda: any("speaks TLS" in r.getMessage()
                                         for r in caplog.records), what="plain's side")
            assert secure.nodes() == [] and plain.nodes() == []
            other = await start_node("bob", tls=pki("bob"), heal=False)
            try:
                await _assert_serves(secure, other)  # both still serve their own kind
            finally:
                await other.stop()
        finally:
            await secure.stop()
            await plain.stop()
    run(main())


def test_a_certificate_from_another_ca_is_refused_on_both_sides(pki, caplog):
    caplog.set_level(logging.INFO, logger="pgviz")

    async def main():
        bob = await start_node("bob", tls=pki("bob"), heal=False)
        mallory = await start_node("alice", tls=pki("alice", pki.other), heal=False)
        try:
            for dialler, target in ((mallory, bob), (bob, mallory)):
                with pytest.raises(ConnectionRefused) as refused:
                    await dialler.connect(target.address)
                assert refused.value.reason == Refusal.CERTIFICATE, refused.value
                assert "CA" in str(refused.value)
            logged = lambda: " ".join(r.getMessage() for r in caplog.records)  # noqa: E731
            # (one line each: both sides' failed handshakes go through a rate limiter)
            await wait_until(lambda: "not signed by this node's CA" in logged()
                             and "rejected this node's certificate" in logged(),
                             what="the reason on both sides")
            assert bob.nodes() == [] and mallory.nodes() == []
            alice = await start_node("alice", tls=pki("alice"), heal=False)
            try:
                await _assert_serves(bob, alice)
            finally:
                await alice.stop()
        finally:
            await bob.stop()
            await mallory.stop()
    run(main())


def test_a_certificate_made_for_another_name_is_refused(pki):
    """carol started with bob's certificate: refused whoever dials (the acceptor checks the
    hello, the initiator the welcome), before any cookie proof is sent."""
    async def main():
        alice = await start_node("alice", tls=pki("alice"), heal=False)
        fake = await start_node("carol", tls=pki("bob"), heal=False)
        try:
            for dialler, target in ((fake, alice), (alice, fake)):
                with pytest.raises(ConnectionRefused) as refused:
                    await dialler.connect(target.address)
                assert refused.value.reason == Refusal.CERTIFICATE
                assert "certificate for bob, not for carol" in str(refused.value)
            assert alice.nodes() == []
        finally:
            await alice.stop()
            await fake.stop()
    run(main())


def test_tls_over_the_memory_transport(pki):
    async def main():
        net = MemoryNetwork()
        nodes = [await start_node(n, network=net, tls=pki(n)) for n in ("alice", "bob", "carol")]
        try:
            await nodes[0].connect(nodes[1].address)
            await nodes[0].connect(nodes[2].address)
            await wait_until(lambda: all(len(n.nodes()) == 2 for n in nodes), what="mesh")
            await settle(nodes)
            assert all(c.peer_cert_names for n in nodes for c in n._dist.conns.values())
        finally:
            for n in nodes:
                await n.stop()
    run(main())


def test_unusable_tls_files_are_named_at_start(pki, tmp_path):
    cert, key = node_files(pki.classroom, "alice")
    _, other_key = node_files(pki.classroom, "bob")
    with pytest.raises(TLSConfigError, match="does not belong"):
        TLSConfig(cert, other_key, pki.classroom / "ca.pem").check()
    with pytest.raises(TLSConfigError, match="--tls-ca"):
        TLSConfig(cert, key, tmp_path / "missing.pem").check()


def test_a_plain_node_dialling_a_tls_server_says_it_speaks_tls():
    """A TLS server that answers a plaintext hello with an alert (as OpenSSL's s_server
    does): the error says it speaks TLS and names the flags."""
    async def main():
        async def alert(reader, writer):
            await reader.read(100)
            writer.write(bytes.fromhex("15030300020246"))  # fatal alert: protocol_version
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(alert, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        plain = await start_node("plain", heal=False)
        try:
            with pytest.raises(ConnectionRefused) as refused:
                await plain.connect(f"127.0.0.1:{port}")
            assert refused.value.reason == Refusal.TLS_MISMATCH
            assert "speaks TLS" in str(refused.value) and "--tls-cert" in str(refused.value)
        finally:
            await plain.stop()
            server.close()
    run(main())


@pytest.mark.slow
def test_pgviz_tls_init_then_two_pgviz_nodes_connect_over_tls(tmp_path):
    async def main():
        d = tmp_path / "class"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pgviz", "tls", "init", str(d), "--nodes", "alice,bob",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        text = out.decode()
        assert "ca-key.pem" in text and "--tls-cert" in text
        for key in ("ca-key.pem", "alice-key.pem", "bob-key.pem"):
            assert stat.S_IMODE(os.stat(d / key).st_mode) == 0o600

        def flags(name: str) -> list[str]:
            return ["--tls-cert", str(d / f"{name}.pem"), "--tls-key", str(d / f"{name}-key.pem"),
                    "--tls-ca", str(d / "ca.pem")]

        alice = await NodeProc.start("alice", *flags("alice"))
        bob = await NodeProc.start("bob", *flags("bob"))
        plain = await NodeProc.start("plain")
        try:
            reply = await alice.cmd(f"connect {bob.address}")
            assert reply.get("ok"), reply
            await bob.event("nodeup", timeout=10)
            reply = await plain.cmd(f"connect {alice.address}")
            assert not reply.get("ok") and "requires TLS" in str(reply), reply
        finally:
            for p in (alice, bob, plain):
                await p.close()
    run(main(), timeout=60)
