"""The per-user registry of local nodes: register, list, unregister, dead entries dropped."""

import os
import subprocess
import sys

from pgviz.net import registry


def test_register_list_unregister(tmp_path, monkeypatch):
    monkeypatch.setenv("PGVIZ_REGISTRY_DIR", str(tmp_path))
    assert registry.registry_dir() == tmp_path
    registry.register("alice@127.0.0.1", "127.0.0.1:4000")
    registry.register("bob@127.0.0.1", "127.0.0.1:4001")
    names = [e.name for e in registry.list_nodes()]
    assert names == ["alice@127.0.0.1", "bob@127.0.0.1"]
    entry = registry.list_nodes()[0]
    assert entry.address == "127.0.0.1:4000" and entry.os_pid == os.getpid()
    assert registry.unregister("alice@127.0.0.1") is True
    assert registry.unregister("alice@127.0.0.1") is False
    assert [e.name for e in registry.list_nodes()] == ["bob@127.0.0.1"]


def test_dead_entries_are_dropped(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(proc.stdout)
    path = registry.register("ghost", "127.0.0.1:1", os_pid=dead_pid, directory=tmp_path)
    assert path.exists()
    assert registry.list_nodes(tmp_path) == []
    assert not path.exists()


def test_reregister_replaces_and_garbage_is_ignored(tmp_path):
    registry.register("alice", "127.0.0.1:1", directory=tmp_path)
    registry.register("alice", "127.0.0.1:2", directory=tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "odd name!.json").write_text('{"name": 3}')
    entries = registry.list_nodes(tmp_path)
    assert [(e.name, e.address) for e in entries] == [("alice", "127.0.0.1:2")]


def test_unregister_only_own_entry(tmp_path):
    registry.register("other", "127.0.0.1:9", os_pid=1, directory=tmp_path)
    assert registry.unregister("other", tmp_path) is False
    assert (tmp_path / "other.json").exists()


def test_missing_directory_lists_nothing(tmp_path):
    assert registry.list_nodes(tmp_path / "nope") == []
