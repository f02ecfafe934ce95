"""A node bound to every interface is named and reached by an address peers can dial."""

from __future__ import annotations

import pytest

from pgviz.net.addresses import WILDCARDS, advertised_host, primary_address

from ..support import run, spawn_idle, start_node, wait_until

LONG_COOKIE = "a-cookie-long-enough-for-a-network"


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_wildcard_bind_is_named_and_announced_by_a_dialable_address(host):
    async def main():
        node = await start_node("w", host=host, cookie=LONG_COOKIE)
        try:
            announced = node.address.rpartition(":")[0].strip("[]")
            assert announced not in WILDCARDS and node.name == f"w@{announced}"
            assert announced == primary_address(ipv6=host == "::")
        finally:
            await node.stop()
    run(main())


def test_advertise_names_the_node_and_what_it_tells_peers():
    assert advertised_host("0.0.0.0", "10.9.8.7") == "10.9.8.7"
    assert advertised_host("127.0.0.1") == "127.0.0.1"
    assert advertised_host("::", "[fd00::5]") == "fd00::5"


def test_a_mesh_of_wildcard_nodes_forms_through_one_seed():
    """Four nodes on 0.0.0.0 advertising loopback: the last knows only the first, and meets
    the others through gossip, which now carries dialable addresses."""
    async def main():
        nodes = [await start_node(f"m{i}", host="0.0.0.0", advertise="127.0.0.1",
                                  cookie=LONG_COOKIE)
                 for i in range(4)]
        try:
            for n in nodes[1:3]:
                await n.connect(nodes[0].address)
            await nodes[3].connect(nodes[0].address)
            await wait_until(lambda: all(len(n.nodes()) == 3 for n in nodes), timeout=10,
                             what="full mesh through gossip")
            assert all(n.name.endswith("@127.0.0.1") for n in nodes)
        finally:
            for n in nodes:
                await n.stop()
    run(main())


def test_an_ipv6_mesh_forms_through_gossip():
    async def main():
        nodes = [await start_node(f"six{i}", host="::1") for i in range(3)]
        try:
            assert nodes[0].address.startswith("[::1]:")
            for n in nodes[1:]:
                await n.connect(nodes[0].address)
            await wait_until(lambda: all(len(n.nodes()) == 2 for n in nodes), timeout=10,
                             what="nodes 1 and 2 meet over IPv6 through gossip")
            pid = spawn_idle(nodes[2])
            nodes[2].pg.join("v6", pid)
            await wait_until(lambda: nodes[1].pg.get_members("v6") == [pid])
        finally:
            for n in nodes:
                await n.stop()
    run(main())


def test_a_literal_address_resolves_without_a_lookup(monkeypatch):
    """resolve() of an IP literal (an announced address, usually) answers without the
    executor's getaddrinfo, which a slow resolver would keep busy past the timeout; a name
    still goes through it; this machine's own addresses are told apart by a bind."""
    import asyncio

    from pgviz.net.addresses import is_local_ip, resolve

    async def main() -> None:
        loop = asyncio.get_running_loop()
        asked: list[str] = []

        async def lookup(host, port, **_kw):
            asked.append(host)
            return [(2, 1, 6, "", ("127.0.0.1", port))]
        monkeypatch.setattr(loop, "getaddrinfo", lookup)
        assert await resolve("192.0.2.7:4000", 1.0) == {("192.0.2.7", 4000)}
        assert await resolve("[::ffff:127.0.0.1]:5", 1.0) == {("127.0.0.1", 5)}
        assert asked == []
        assert await resolve("somewhere:4000", 1.0) == {("127.0.0.1", 4000)}
        assert asked == ["somewhere"]
    run(main())
    assert is_local_ip("127.0.0.1") and is_local_ip("::1")
    assert not is_local_ip("192.0.2.254") or primary_address() == "192.0.2.254"
    assert not is_local_ip("not an ip")
