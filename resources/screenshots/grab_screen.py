"""Save the whole X screen as a PNG with Qt (no ImageMagick needed), once N top-level pgviz
windows are mapped:  python grab_screen.py OUT.png [N]   (under the same DISPLAY).

    xvfb-run -s "-screen 0 1920x1080x24" sh -c \\
        'python -m pgviz demo --nodes 8 & python resources/screenshots/grab_screen.py demo-8.png 8'
"""

from __future__ import annotations

import subprocess
import sys
import time

from PySide6.QtGui import QGuiApplication


def mapped_windows() -> int:
    """pgviz windows the X server shows (xwininfo is in x11-utils; 0 when it is missing)."""
    try:
        out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in out.splitlines() if "you are" in line and "pgviz" in line)


def main() -> int:
    out = sys.argv[1]
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    app = QGuiApplication(sys.argv[:1])
    deadline = time.monotonic() + 60
    while mapped_windows() < want and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3.0)  # the windows' first layout and the mesh's joins settle
    screen = app.primaryScreen()
    ok = screen.grabWindow(0).save(out)
    print(f"{'wrote' if ok else 'could not write'} {out} "
          f"({screen.geometry().width()}x{screen.geometry().height()})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
