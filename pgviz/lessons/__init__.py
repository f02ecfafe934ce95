"""Lessons (Qt-free): a TOML file of steps, each with narration, actions run on a real
cluster, something to look at, and expectations checked on the cluster.

    from pgviz.lessons import LessonRun, load_lesson, shipped_lessons
    run = LessonRun(load_lesson("netsplit"))
    await run.start(); result = await run.next(); await run.back(); await run.stop()

The format is documented in resources/lessons/README.md.
"""

from .agent import AgentClient, LessonAgent, NoAnswer, Shown
from .catalog import load_lesson, shipped_lessons
from .cluster import ClusterStage, RemotePlayer
from .engine import Check, LessonRun, StepResult
from .format import Action, Expectation, Highlight, Lesson, LessonError, Step
from .parser import load_lesson_file, parse_lesson
from .players import LocalPlayer, Player
from .stage import Cast, LoopbackStage, Stage
from .world import ActionError, LessonProcess, World

__all__ = ["LessonRun", "StepResult", "Check", "load_lesson", "shipped_lessons",
           "load_lesson_file", "parse_lesson", "Lesson", "Step", "Action", "Expectation",
           "Highlight", "LessonError", "Stage", "LoopbackStage", "World", "LessonProcess",
           "ActionError", "Cast", "ClusterStage", "RemotePlayer", "LocalPlayer", "Player",
           "LessonAgent", "AgentClient", "NoAnswer", "Shown"]
