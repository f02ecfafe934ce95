"""Where `pgviz demo` puts its windows (Qt-free): no empty cell, every window usable.

The screen is cut into rows; each row is split evenly among its windows, so a last row with
fewer windows spans the whole width instead of leaving a black hole. Among the ways to do that
(1 row of n, 2 rows, ...) the first one whose cells are all at least MIN_W x MIN_H wins, fewest
rows first (three windows on a 1920x1080 screen: three columns); if none fits, the one whose
smallest cell comes closest.
"""

from __future__ import annotations

__all__ = ["tile_rects", "MIN_W", "MIN_H"]

MIN_W = 600
MIN_H = 520


def _rows(count: int, n_rows: int) -> list[int]:
    """Windows per row, the first rows fuller: 3 in 2 rows -> [2, 1]; 5 in 2 -> [3, 2]."""
    base, extra = divmod(count, n_rows)
    return [base + (1 if i < extra else 0) for i in range(n_rows)]


def tile_rects(count: int, x: int, y: int, width: int, height: int,
               min_w: int = MIN_W, min_h: int = MIN_H) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of `count` windows tiling the area (x, y, width, height)."""
    if count <= 0:
        return []
    best, best_score = None, -1.0
    for n_rows in range(1, count + 1):
        per_row = _rows(count, n_rows)
        cell_h = height // n_rows
        cell_w = width // max(per_row)
        score = min(cell_w / min_w, cell_h / min_h)
        if score >= 1.0:
            best = per_row
            break
        if score > best_score:
            best, best_score = per_row, score
    assert best is not None
    out = []
    n_rows = len(best)
    for r, n in enumerate(best):
        top = y + height * r // n_rows
        bottom = y + height * (r + 1) // n_rows
        for c in range(n):
            left = x + width * c // n
            right = x + width * (c + 1) // n
            out.append((left, top, right - left, bottom - top))
    return out
