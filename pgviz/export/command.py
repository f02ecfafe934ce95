"""`pgviz export RECORDING --format mermaid|shiviz|svg|png [-o FILE]`.

Text formats go to standard output unless -o is given; pictures go next to the recording
(`RECORDING.svg` / `.png`) unless -o is given. A recording that cannot be read, or holds no
event to draw, is an error with a one-line message and exit status 2 (usage errors too, as
argparse does).

Wiring into pgviz.cli: `add_parser(sub)` registers the subcommand on argparse's subparsers and
sets `args.run`; or call `main(argv)` with the arguments after "export".
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..model.recording import RecordingError, load_recording
from .filters import ALL_FRAMES, DEFAULT_FILTER, FrameFilter
from .mermaid import to_mermaid
from .shiviz import to_shiviz

__all__ = ["main", "add_parser", "run", "FORMATS", "ExportError"]

FORMATS = ("mermaid", "shiviz", "svg", "png")
PICTURES = ("svg", "png")


class ExportError(Exception):
    """Something to tell the user in one line (exit status 2)."""


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("recording", help="a recording (JSON Lines, from Record or `record FILE`)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="mermaid",
                        help="mermaid (sequenceDiagram), shiviz (log with vector timestamps, "
                             "regex on its first line), svg or png (the space-time diagram)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="where to write (default: standard output for text, "
                             "RECORDING.svg/.png for pictures)")
    parser.add_argument("--all-frames", action="store_true",
                        help="also show ticks and distribution traffic (hidden by default)")
    parser.add_argument("--width", type=int, default=1600, help="picture width in pixels")
    return parser


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = sub.add_parser("export", help="a recording as Mermaid, a ShiViz log, SVG or PNG",
                            description=__doc__.split("\n\n")[0])
    configure(parser)
    parser.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = configure(argparse.ArgumentParser(prog="pgviz export",
                                               description=__doc__.split("\n\n")[0]))
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    try:
        written = export(Path(args.recording), args.format, args.output,
                         ALL_FRAMES if args.all_frames else DEFAULT_FILTER, args.width, stdout)
    except ExportError as exc:
        print(f"pgviz export: {exc}", file=sys.stderr)
        return 2
    if written is not None:
        print(f"wrote {written}", file=sys.stderr)
    return 0


def export(path: Path, fmt: str, output: str | None, frames: FrameFilter, width: int,
           stdout: TextIO) -> Path | None:
    """Write the export; returns the file written (None for standard output)."""
    try:
        recording = load_recording(path)
    except RecordingError as exc:
        raise ExportError(str(exc)) from None
    if not recording.events:
        raise ExportError(f"{path} holds no events: nothing to export")
    for problem in recording.problems:
        print(f"pgviz export: {path}: {problem}", file=sys.stderr)
    if fmt in PICTURES:
        target = Path(output) if output else path.with_suffix(f".{fmt}")
        try:
            pictures = importlib.import_module("pgviz.gui.spacetime_export")
        except ImportError as exc:
            raise ExportError(f"{fmt} needs the desktop app's Qt (pip install 'pgviz[gui]'): "
                              f"{exc}") from None
        try:
            pictures.render_recording(recording, target, fmt, frames=frames, width=width)
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target
    if fmt == "mermaid":
        text = to_mermaid(recording.events, frames=frames, nodes=recording.nodes)
    elif fmt == "shiviz":
        text = to_shiviz(recording.events, frames=frames).file_text()
    else:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if output is None or output == "-":
        stdout.write(text)
        return None
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Path(output)
