"""The static picture of the cluster view (links, members, nodes, labels), painted once into
the view's background cache; only the message dots move above it.

`BackgroundPainter` draws a `Placement` (where everything of a Picture sits, see placement.py)
with a theme; it does not know the view.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPaintEngine, QPainter, QPen, QPixmap

from ..wire.terms import short_node
from .markers import MEMBER_PEN, make_font
from .picture import Picture, group_text
from .placement import LABEL_MIN_SCREEN_PX, LABEL_PX, Placement
from .theme import Theme

__all__ = ["BackgroundPainter"]

NAME_MIN_PX = 10.0  # a node's name at least this tall on screen (within its disc)
CAPTION_MIN_PX = 8.0  # "2 members" under it
CROSS_MAX = 14.0  # half a cut link's cross, at most (scene units: a node's radius is 46)
#: Paint engines that keep shapes as shapes (members are then not blitted sprites).
VECTOR_ENGINES = frozenset({QPaintEngine.Type.SVG, QPaintEngine.Type.Pdf,
                            QPaintEngine.Type.Picture})


class BackgroundPainter:
    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.text_scale = 1.0
        self.caption_ghost = "not connected"
        self._discs: dict[tuple[str, str, float, float, str], QPixmap] = {}

    def draw(self, painter: QPainter, rect: QRectF, picture: Picture, place: Placement,
             colours: dict[str, str]) -> None:
        t = self.theme
        painter.fillRect(rect, t.qcolor("scene_bg"))
        painter.setClipRect(rect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        scale = painter.worldTransform().m11() or 1.0
        pos = place.node_pos
        if picture.mesh:  # others' links, in "my node": quieter
            quiet = (QPen(t.qcolor("mesh"), 2.0, Qt.PenStyle.DashLine) if len(picture.mesh) <= 28
                     else QPen(t.qcolor("grid").darker(108 if not t["dark"] else 80), 1.0))
            quiet.setCosmetic(True)
            painter.setPen(quiet)
            self._lines(painter, picture.mesh, pos)
        pen = QPen(t.qcolor("link"), max(2.0, min(5.0, 4.5 * scale)), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap)
        pen.setCosmetic(True)
        painter.setPen(pen)
        self._lines(painter, picture.links, pos)
        if picture.cuts:
            self._draw_cuts(painter, picture.cuts, pos)
        if not picture.whole:
            ghost_pen = QPen(t.qcolor("ghost"), 2.0, Qt.PenStyle.DotLine)
            ghost_pen.setCosmetic(True)
            painter.setPen(ghost_pen)
            me = pos.get(place.centre, (0.0, 0.0))
            for g in picture.ghosts:
                if g in pos:
                    painter.drawLine(QPointF(*me), QPointF(*pos[g]))
        self._draw_members(painter, place, colours, rect)
        if place.labels and LABEL_PX * self.text_scale * scale >= LABEL_MIN_SCREEN_PX:
            painter.setFont(make_font(LABEL_PX * self.text_scale))
            painter.setPen(t.qcolor("member_label"))
            skip = picture.selected
            for box, align, text in place.labels:
                if text != skip and box.intersects(rect):
                    painter.drawText(box, align, text)
        ghosts = set(picture.ghosts)
        for name, (x, y) in pos.items():
            self._draw_node(painter, place, name, x, y, name in ghosts)

    @staticmethod
    def _lines(painter: QPainter, links: frozenset[frozenset[str]],
               pos: dict[str, tuple[float, float]]) -> None:
        for link in links:
            a, b = sorted(link)
            if a in pos and b in pos:
                painter.drawLine(QPointF(*pos[a]), QPointF(*pos[b]))

    def _draw_cuts(self, painter: QPainter, cuts: frozenset[frozenset[str]],
                   pos: dict[str, tuple[float, float]]) -> None:
        """A cut link: a broken red dashed line with a cross in its middle."""
        danger = self.theme.qcolor("danger")
        pen = QPen(danger, 2.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        cross = QPen(danger, 4.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        cross.setCosmetic(True)
        scale = painter.worldTransform().m11() or 1.0
        k = min(9.0 / scale, CROSS_MAX)  # 9 px on screen, never larger than a node
        for link in cuts:
            a, b = sorted(link)
            if a not in pos or b not in pos:
                continue
            (ax, ay), (bx, by) = pos[a], pos[b]
            painter.setPen(pen)
            painter.drawLine(QPointF(ax, ay), QPointF(bx, by))
            mx, my = (ax + bx) / 2, (ay + by) / 2
            painter.setPen(cross)
            painter.drawLine(QPointF(mx - k, my - k), QPointF(mx + k, my + k))
            painter.drawLine(QPointF(mx - k, my + k), QPointF(mx + k, my - k))

    def _draw_members(self, painter: QPainter, place: Placement, colours: dict[str, str],
                      rect: QRectF) -> None:
        """Each member is a disc in its group's colour (a smaller inner disc for a second
        group) with a ring; discs are blitted from sprites rendered once per colour and zoom,
        several times cheaper than stroking hundreds of antialiased round points. Into a
        vector device (an SVG export) they are drawn as shapes: a sprite would be a bitmap."""
        if not place.member_pos:
            return
        engine = painter.paintEngine()
        if engine is not None and engine.type() in VECTOR_ENGINES:
            self._draw_member_shapes(painter, place, colours)
            return
        t = self.theme
        idle = t["idle_member"]
        tr = painter.worldTransform()
        scale = tr.m11() or 1.0
        dpr = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        size = (MEMBER_PEN + 4) * scale
        margin = MEMBER_PEN
        visible = rect.adjusted(-margin, -margin, margin, margin)
        painter.save()
        painter.resetTransform()
        for x, y, m in place.member_pos:
            if not visible.contains(x, y):
                continue
            if m.groups:
                first = colours.get(group_text(m.groups[0]), idle)
                second = colours.get(group_text(m.groups[1]), idle) if len(m.groups) > 1 else ""
            else:
                first, second = idle, ""
            pm = self._disc(first, second, size, dpr, m.mark)
            p = tr.map(QPointF(x, y))
            painter.drawPixmap(QPointF(p.x() - size / 2, p.y() - size / 2), pm)
        painter.restore()

    def _draw_member_shapes(self, painter: QPainter, place: Placement,
                            colours: dict[str, str]) -> None:
        t = self.theme
        idle = t["idle_member"]
        ring_brush = t.qcolor("member_ring")
        r = MEMBER_PEN / 2
        outer = r + 2  # the sprite's ring: MEMBER_PEN + 4 across
        for x, y, m in place.member_pos:
            first = colours.get(group_text(m.groups[0]), idle) if m.groups else idle
            second = (colours.get(group_text(m.groups[1]), idle) if len(m.groups) > 1
                      else "")
            c = QPointF(x, y)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ring_brush)
            painter.drawEllipse(c, outer, outer)
            if m.mark:
                width = MEMBER_PEN / 4.5
                painter.setPen(QPen(QColor(first), width, Qt.PenStyle.DashLine
                                    if m.mark == "stale" else Qt.PenStyle.SolidLine))
                painter.setBrush(t.qcolor("scene_bg"))
                painter.drawEllipse(c, r - width / 2, r - width / 2)
                continue
            painter.setBrush(QColor(first))
            painter.drawEllipse(c, r, r)
            if second:
                painter.setBrush(QColor(second))
                painter.drawEllipse(c, MEMBER_PEN / 4.2, MEMBER_PEN / 4.2)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _disc(self, colour: str, second: str, size: float, dpr: float,
              mark: str = "") -> QPixmap:
        key = (colour, second, round(size, 2), dpr, self.theme.name + mark)
        pm = self._discs.get(key)
        if pm is None:
            if len(self._discs) > 256:
                self._discs.clear()
            px = max(2, int(round(size * dpr)))
            pm = QPixmap(px, px)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            k = px / (MEMBER_PEN + 4)  # member units -> sprite pixels
            c = px / 2
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.theme.qcolor("member_ring"))
            p.drawEllipse(QPointF(c, c), c, c)
            if mark:  # unseen: hollow, a ring in the group's colour; stale: dashed ring
                width = MEMBER_PEN / 4.5 * k
                ring = QPen(QColor(colour), width,
                            Qt.PenStyle.DashLine if mark == "stale" else Qt.PenStyle.SolidLine)
                p.setPen(ring)
                p.setBrush(self.theme.qcolor("scene_bg"))
                r = MEMBER_PEN / 2 * k - width / 2
                p.drawEllipse(QPointF(c, c), r, r)
                p.end()
                pm.setDevicePixelRatio(dpr)
                self._discs[key] = pm
                return pm
            p.setBrush(QColor(colour))
            p.drawEllipse(QPointF(c, c), MEMBER_PEN / 2 * k, MEMBER_PEN / 2 * k)
            if second:
                p.setBrush(QColor(second))
                r = MEMBER_PEN / 4.2 * k
                p.drawEllipse(QPointF(c, c), r, r)
            p.end()
            pm.setDevicePixelRatio(dpr)
            self._discs[key] = pm
        return pm

    def _draw_node(self, painter: QPainter, place: Placement, name: str, x: float, y: float,
                   ghost: bool) -> None:
        t = self.theme
        ts = self.text_scale
        is_self = name == place.centre
        r = place.radius(name)
        if ghost:
            painter.setPen(QPen(t.qcolor("ghost"), 2.5, Qt.PenStyle.DashLine))
            painter.setBrush(t.qcolor("scene_bg"))
        elif is_self:
            halo = t.qcolor("self_fill")
            halo.setAlpha(45)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(x, y), r + 10, r + 10)
            painter.setPen(QPen(t.qcolor("self_fill").darker(125), 3))
            painter.setBrush(t.qcolor("self_fill"))
        else:
            painter.setPen(QPen(t.qcolor("node_stroke"), 3))
            painter.setBrush(t.qcolor("node_fill"))
        painter.drawEllipse(QPointF(x, y), r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        n = place.counts.get(name, 0)
        caption = (self.caption_ghost if ghost
                   else f"{n} member{'s' if n != 1 else ''}" if n else "")
        # In a small view the text keeps a readable size on screen, as large as the disc
        # allows (the disc itself is kept large enough: cluster_view.py's MIN_NODE_PX).
        scale = painter.worldTransform().m11() or 1.0
        base_px = (22 if is_self else 17) * ts
        name_px = min(max(base_px, NAME_MIN_PX / scale), 0.7 * r)
        wide = QFontMetricsF(make_font(name_px, True)).horizontalAdvance(short_node(name))
        if wide > 2 * r - 10:  # smaller rather than elided, down to the normal size
            name_px = max(base_px, name_px * (2 * r - 10) / wide)
        font = make_font(name_px, True)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        painter.setPen(t.qcolor("self_text") if is_self else
                       t.qcolor("ghost") if ghost else t.qcolor("fg"))
        name_h = fm.height()
        cap_font = make_font(min(max((12 if is_self else 11) * ts, CAPTION_MIN_PX / scale),
                                 0.45 * r))
        cap_fm = QFontMetricsF(cap_font)
        if caption and n and cap_fm.horizontalAdvance(caption) > 2 * r - 6:
            caption = str(n)  # "12" rather than "12 me…"
        cap_h = cap_fm.height() if caption else 0.0
        top = y - (name_h + cap_h) / 2
        label = fm.elidedText(short_node(name), Qt.TextElideMode.ElideRight, 2 * r - 10)
        painter.drawText(QRectF(x - r, top, 2 * r, name_h), Qt.AlignmentFlag.AlignCenter, label)
        if caption:
            painter.setFont(cap_font)
            painter.setPen(t.qcolor("self_text") if is_self else t.qcolor("muted"))
            caption = cap_fm.elidedText(caption, Qt.TextElideMode.ElideRight, 2 * r - 6)
            painter.drawText(QRectF(x - r, top + name_h - 1, 2 * r, cap_h),
                             Qt.AlignmentFlag.AlignCenter, caption)
