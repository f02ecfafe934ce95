"""pytest-qt offscreen for the space-time diagram's tests (no event loop needed here)."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
