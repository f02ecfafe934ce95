"""The desktop app: every window is a live pgviz node (PySide6 on a qasync loop).

Qt-free view-models (`session`, `layout`, `animation`, `snapshot`) sit beside the Qt views
(`cluster_view`, `dots`, `side_panel`, `main_window`); only the latter import PySide6.
Entry points: `pgviz.gui.app.run_gui(args)` and `pgviz.gui.demo.run_demo(args)`.
"""
