"""`pgviz export` (pgviz.export.command.main): formats, output files, and clear errors with
exit status 2 for a broken or empty recording."""

from __future__ import annotations

import json

from pgviz.export.command import main


def test_mermaid_to_a_file_and_shiviz_to_standard_output(recording_path, tmp_path, capsys):
    out = tmp_path / "d.mmd"
    assert main([str(recording_path), "--format", "mermaid", "-o", str(out)]) == 0
    assert out.read_text().startswith("sequenceDiagram\n")
    assert main([str(recording_path), "-f", "shiviz"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("^(?<host>")


def test_a_missing_file_is_a_one_line_error_with_status_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pgviz export: cannot read") and "Traceback" not in err


def test_a_file_that_is_not_a_recording_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not json\n{also not\n")
    assert main([str(bad)]) == 2
    assert "not a pgviz recording" in capsys.readouterr().err


def test_a_recording_with_a_header_and_no_events_is_refused(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"pgviz_recording": 1, "started": 0, "nodes": []}) + "\n")
    assert main([str(empty), "--format", "shiviz"]) == 2
    assert "holds no events" in capsys.readouterr().err


def test_an_unwritable_output_is_a_clear_error(recording_path, tmp_path, capsys):
    assert main([str(recording_path), "-o", str(tmp_path / "no" / "such" / "dir.mmd")]) == 2
    assert "cannot write" in capsys.readouterr().err
