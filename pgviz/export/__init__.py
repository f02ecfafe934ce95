"""Exports of a recording (Qt-free): a Mermaid sequence diagram and a ShiViz log.

    from pgviz.export import to_mermaid, to_shiviz
    text = to_mermaid(recording.events)        # "sequenceDiagram\n    participant ..."
    log = to_shiviz(recording.events)          # log.regex, log.text, log.file_text()

SVG and PNG of the space-time diagram come from the GUI (pgviz.gui.spacetime_export);
`pgviz.export.command.main(argv)` is the command line for all four formats.
"""

from .filters import ALL_FRAMES, DEFAULT_FILTER, PG_MESSAGES, FrameFilter, category
from .mermaid import to_mermaid
from .order import Frame, causal_order, pair_frames
from .shiviz import PYTHON_REGEX, REGEX, ShivizLog, to_shiviz

__all__ = ["to_mermaid", "to_shiviz", "ShivizLog", "REGEX", "PYTHON_REGEX", "FrameFilter",
           "DEFAULT_FILTER", "ALL_FRAMES", "PG_MESSAGES", "category", "causal_order",
           "pair_frames", "Frame"]
