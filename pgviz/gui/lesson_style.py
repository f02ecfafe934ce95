"""The lesson window's look: made for a projector, in the window's own stylesheet (it does not
wait for, or depend on, the application's). Colours come from the desktop's theme (light or
dark, as the application's base look): the lesson's name bold in a blue of at least 4.5:1
on the window, light or dark, the step title large and bold, the narration large, the
checks one size down, and Back/Next as big buttons, Next solid in the accent colour (the
button a teacher presses all lesson)."""

from __future__ import annotations

from .theme import Theme, stylesheet

__all__ = ["lesson_stylesheet"]

FONT_PT = 10.0  # the controls the window shares with the app (scroll bars, tool tips)


def lesson_stylesheet(theme: Theme) -> str:
    t = theme
    # the deeper of the two blues on a light window (the accent is 4.6:1 on it, less once
    # antialiased; the hover blue 5.9:1); on a dark window the accent is 5.7:1 already
    kicker = t["accent"] if t["dark"] else t["accent_hover"]
    return stylesheet(theme, FONT_PT) + f"""
#lessonBody, #lessonScroll, #lessonScroll > QWidget > QWidget {{ background: {t["window"]}; }}
#lessonScroll {{ border: none; }}
#lessonTitle {{ font-size: 14pt; font-weight: bold; color: {kicker}; padding: 0; }}
#lessonStepTitle {{ font-size: 24pt; font-weight: bold; color: {t["fg"]}; padding: 8px 0 0 0; }}
#lessonNarration {{ font-size: 17pt; color: {t["fg"]}; padding: 0; }}
#lessonChecks {{ font-size: 16pt; color: {t["fg"]}; background: transparent; border: none;
    padding: 0; }}
#lessonChecks::item {{ padding: 3px 0; color: {t["fg"]}; background: transparent; }}
#lessonStepLabel {{ font-size: 14pt; font-weight: 600; color: {t["fg"]}; }}
#lessonStatus {{ font-size: 13pt; color: {t["muted"]}; }}
QPushButton#lessonNextButton, QPushButton#lessonBackButton {{
    font-size: 17pt; font-weight: 600; min-height: 44px; min-width: 110px;
    padding: 8px 24px; border-radius: 10px; }}
QPushButton#lessonNextButton {{ background: {t["accent"]}; color: {t["on_accent"]};
    border: 2px solid {t["accent"]}; }}
QPushButton#lessonNextButton:hover {{ background: {t["accent_hover"]};
    border-color: {t["accent_hover"]}; }}
QPushButton#lessonNextButton:disabled {{ background: {t["button"]}; color: {t["muted"]};
    border: 2px solid {t["border"]}; }}
QPushButton#lessonBackButton {{ background: {t["button"]}; color: {t["fg"]};
    border: 2px solid {t["border"]}; }}
QPushButton#lessonBackButton:hover {{ border-color: {t["accent"]}; }}
QPushButton#lessonBackButton:disabled {{ color: {t["muted"]}; }}
"""
