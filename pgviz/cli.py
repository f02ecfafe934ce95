"""Command line: `pgviz` (the desktop app), `pgviz gui`, `pgviz node` (headless), `pgviz demo`,
`pgviz replay FILE`, `pgviz export RECORDING --format mermaid|shiviz|svg|png`, `pgviz lesson
[NAME]`, `pgviz tls init DIR --nodes alice,bob` (a classroom CA for TLS links). Without a command, the options are the app's: `pgviz --name alice` is
`pgviz gui --name alice`.

`pip install pgviz` has no Qt: the app's commands then say how to add it and exit with
status 2; the headless node and the library need only msgpack."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence

from . import cli_types as argtype
from ._version import __version__
from .errors import CookieError, TLSConfigError
from .names import default_name
from .net.cookie import read_cookie_file, resolve_cookie

__all__ = ["main", "build_parser", "default_name"]


def _node_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", type=argtype.name, default=None,
                   help="node name (default: a short generated one); @host is added if missing")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=argtype.port, default=0, help="port to listen on (default: any free)")
    _cookie_options(p)
    p.add_argument("--connect", type=argtype.address_or_node, action="append", default=[],
                   metavar="ADDR",
                   help="connect to host:port at start (repeatable)")
    p.add_argument("--tick-time", type=argtype.seconds, default=None, metavar="S",
                   help="seconds of silence after which a peer is considered down (default 8)")
    p.add_argument("--seed", type=argtype.address, action="append", default=[], metavar="ADDR",
                   help="a node to dial at start and again whenever its link is lost, until "
                   "it answers (repeatable; also $PGVIZ_SEEDS, comma-separated)")
    p.add_argument("--advertise", default=None, metavar="HOST",
                   help="the address peers dial to reach this node, in its name and in what "
                   "it tells them (default: --host, or the machine's primary address when "
                   "--host is 0.0.0.0 or ::)")
    p.add_argument("--lesson-agent", action="store_true",
                   help="let a teacher's lesson drive this node from another process or laptop "
                   "(spawn, join, leave, broadcast, crash; `pgviz lesson NAME --cluster ADDR`)")
    p.add_argument("--no-discovery", action="store_true",
                   help="do not announce this node on the LAN nor list the others (mDNS; "
                   "only a node listening beyond 127.0.0.1 is announced)")
    _tls_options(p)
    erlang = p.add_argument_group(
        "Erlang", "join a real Erlang/Elixir cluster: Erlang's distribution protocol, EPMD, "
        "OTP's own pg scope (connect to nodes by name: --connect beam@127.0.0.1)")
    erlang.add_argument("--protocol", choices=("pgviz", "erlang"), default="pgviz",
                        help="pgviz's own protocol (default) or Erlang's distribution")
    erlang.add_argument("--epmd-port", type=argtype.port, default=None, metavar="N",
                        help="the EPMD to register with and ask (default 4369, "
                        "as ERL_EPMD_PORT on the BEAM)")
    erlang.add_argument("--start-epmd", action="store_true",
                        help="start an EPMD if none runs (default: never start one)")
    erlang.add_argument("--net-ticktime", type=argtype.seconds, default=None, metavar="S",
                        help="Erlang's net_ticktime (default 60: the BEAM's)")
    _verbose(p)


def _cookie_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cookie-file", default=None, metavar="PATH",
                   help="read the shared secret from PATH, a file only you can read (chmod 600)")
    p.add_argument("--cookie", default=None, metavar="SECRET",
                   help="the shared secret itself; avoid it: every user of this machine can "
                   "read it with ps (use --cookie-file or $PGVIZ_COOKIE). Default: "
                   "$PGVIZ_COOKIE, else the file $PGVIZ_COOKIE_FILE, else "
                   "~/.config/pgviz/cookie (created with a random secret)")


def _tls_options(p: argparse.ArgumentParser) -> None:
    tls = p.add_argument_group(
        "TLS", "all three together: every link is TLS with mutual authentication, and only "
        "nodes with a certificate from the same CA, made for the name they claim, connect "
        "(pgviz tls init DIR --nodes alice,bob makes them)")
    tls.add_argument("--tls-cert", default=None, metavar="PEM",
                     help="this node's certificate (DIR/NAME.pem)")
    tls.add_argument("--tls-key", default=None, metavar="PEM",
                     help="this node's private key (DIR/NAME-key.pem, chmod 600)")
    tls.add_argument("--tls-ca", default=None, metavar="PEM",
                     help="the CA certificate that signs every node's (DIR/ca.pem)")


def _verbose(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="log more on stderr: -v info, -vv debug")


COMMANDS = ("gui", "node", "demo", "replay", "export", "lesson", "tls")
INSTALL_GUI = "pip install 'pgviz[gui]'"
INSTALL_TLS = "pip install 'pgviz[tls]'"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgviz", description="Erlang/OTP's pg process groups in Python, and a desktop app "
        "in which every window is a live node of the cluster. Without a command, pgviz opens "
        "the app and takes the options of `pgviz gui` (pgviz --cookie-file F --name alice).",
        usage="pgviz [-h] [--version] [COMMAND] [options]")
    parser.add_argument("--version", action="version", version=f"pgviz {__version__}")
    sub = parser.add_subparsers(dest="command",
                                metavar="{gui,node,demo,replay,export,lesson,tls}")
    gui = sub.add_parser("gui", help="the desktop app: one window, one node (the default; "
                         f"needs {INSTALL_GUI})",
                         description="The desktop app: one window that is one node of the "
                         f"cluster. Needs Qt: {INSTALL_GUI}.")
    _node_options(gui)
    from .shell.commands import help_epilog as shell_help_epilog

    node = sub.add_parser("node", help="a headless node with a command shell on stdin",
                          description="A headless node with a command shell: in a terminal, "
                          "from a script or pipe, or none at all (--no-shell, as a service).",
                          epilog=shell_help_epilog(),
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    _node_options(node)
    node.add_argument("--join", action="append", default=[], metavar="GROUP",
                      help="spawn a member process and join it to GROUP (repeatable)")
    node.add_argument("--json", action="store_true",
                      help="one JSON object per line for every reply and event")
    node.add_argument("--trace", action="store_true",
                      help="also print every message sent and received")
    node.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                      help="event loop: asyncio (default) or uvloop (pip install pgviz[fast]), "
                      "about 20%% lower latency")
    stdin = node.add_mutually_exclusive_group()
    stdin.add_argument("--no-shell", action="store_true",
                       help="read no commands at all (a service: systemd, a container); stop "
                       "it with SIGTERM or SIGINT")
    stdin.add_argument("--exit-on-eof", action="store_true",
                       help="stop when stdin ends (default: only a terminal's Ctrl-D stops "
                       "the node; a pipe or file that ends leaves it running)")
    node.add_argument("--exit-on-error", action="store_true",
                      help="for scripts: exit with status 1 right after the first command "
                      "that fails (or a --connect at start that fails)")
    node.add_argument("--log-format", choices=("text", "json"), default="text",
                      help="log lines on stderr as text (default) or as one JSON object each "
                      "(for journald, Docker, log shippers)")
    demo = sub.add_parser("demo", help="several app windows on this machine, already connected",
                          description=f"Several app windows on this machine, already "
                          f"connected. Needs Qt: {INSTALL_GUI}.")
    demo.add_argument("--nodes", type=argtype.positive_int, default=3, help="how many (default 3)")
    demo.add_argument("--cookie-file", default=None, metavar="PATH",
                      help="read the windows' shared secret from PATH (default: a random one)")
    demo.add_argument("--cookie", default=None, metavar="SECRET",
                      help="the shared secret itself; avoid it: ps shows it to every user")
    _verbose(demo)
    replay = sub.add_parser("replay", help="play back a recording (JSON Lines) in the app, "
                            "without any network",
                            description="Play back a recording in the app, without any "
                            f"network. Needs Qt: {INSTALL_GUI}.")
    replay.add_argument("file", metavar="FILE", help="a recording made with the app's Record "
                        "button or the shell's `record FILE`")
    _verbose(replay)
    from .export.command import add_parser as add_export_parser

    export = add_export_parser(sub)
    _verbose(export)
    lesson = sub.add_parser(
        "lesson", help="open the app on a lesson (shipped: 1, 2, 3, or a lesson file)",
        description="Open a lesson: a lesson window (narration, checks, Next/Back on PageDown/"
        "PageUp) and one app window per lesson node, all in this process on this machine; "
        "or, with --cluster, cast it on a class's running cluster. "
        "Without NAME, list the shipped lessons. The lesson file format is in "
        f"resources/lessons/README.md. Needs Qt: {INSTALL_GUI}.")
    lesson.add_argument("name", nargs="?", metavar="NAME",
                        help="a shipped lesson's number or name (1, netsplit, "
                        "2-netsplit) or a lesson file (.toml)")
    cls = lesson.add_argument_group(
        "a class's cluster", "with --cluster, the lesson is cast on a running cluster "
        "instead: its nodes started with --lesson-agent (students' laptops, pgviz demo "
        "windows) play the lesson's nodes, and this window is the teacher's, a spectator "
        "node that conducts")
    cls.add_argument("--cluster", type=argtype.address, action="append", default=[], metavar="ADDR",
                     help="a node of the cluster (host:port; repeatable)")
    cls.add_argument("--cast", type=argtype.cast, default=None, metavar="A=NODE,...",
                     help="who plays which lesson node (default: the node of the same short "
                     "name, else the others in order of name)")
    cls.add_argument("--node-name", type=argtype.name, default="teacher", metavar="NAME",
                     help="this window's node (default teacher)")
    cls.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (0.0.0.0 across a LAN; default 127.0.0.1)")
    cls.add_argument("--port", type=argtype.port, default=0, help="port to listen on (default: any)")
    cls.add_argument("--no-discovery", action="store_true",
                     help="do not announce this node on the LAN (mDNS)")
    _cookie_options(lesson)
    _tls_options(lesson)
    _verbose(lesson)
    tls = sub.add_parser("tls", help="certificates for TLS links (pgviz tls init DIR --nodes "
                         "alice,bob)", description="Certificates for TLS links between nodes.")
    tls_sub = tls.add_subparsers(dest="tls_command", metavar="{init}", required=True)
    init = tls_sub.add_parser(
        "init", help="make a classroom CA and a certificate per node",
        description="Make a classroom CA (DIR/ca.pem, DIR/ca-key.pem) and, for each node, "
        "DIR/NAME.pem and DIR/NAME-key.pem (keys chmod 600). Run again on the same DIR to add "
        f"nodes with the same CA. Needs {INSTALL_TLS}.")
    init.add_argument("dir", metavar="DIR", help="where to write the files (created if needed)")
    init.add_argument("--nodes", required=True, type=argtype.node_list, metavar="NAMES",
                      help="comma-separated node names (alice,bob,...): the --name each node "
                      "is started with")
    init.add_argument("--days", type=argtype.positive_int, default=365,
                      help="how long the certificates are valid (default 365)")
    _verbose(init)
    return parser


def _with_command(argv: list[str]) -> list[str]:
    """`pgviz [options]` is `pgviz gui [options]`. A leading -v before a command still works
    (`pgviz -v node`); a first word that is not a command is left to argparse's error."""
    lead = 0
    while lead < len(argv) and argv[lead] in ("-v", "-vv", "-vvv", "--verbose"):
        lead += 1
    rest = argv[lead:]
    if rest and rest[0] in COMMANDS:
        return [rest[0], *argv[:lead], *rest[1:]]
    if rest and (rest[0] in ("-h", "--help", "--version") or not rest[0].startswith("-")):
        return argv
    return ["gui", *argv]


def _missing_qt() -> str | None:
    """The app needs PySide6 and qasync, which plain `pip install pgviz` leaves out."""
    missing = [m for m in ("PySide6", "qasync") if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return (f"the desktop app needs Qt, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed. Install it with:\n"
            f"    {INSTALL_GUI}\n"
            "(the headless node needs no Qt: pgviz node)")


def _no_display() -> str | None:
    """Qt aborts with a cryptic plugin error without a display; say what to do instead."""
    env = os.environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it from a desktop "
            "session, on a virtual screen (xvfb-run -a pgviz demo), offscreen "
            "(QT_QPA_PLATFORM=offscreen), or use the headless node: pgviz node")


_COOKIE_ON_COMMAND_LINE = (
    "pgviz: warning: --cookie puts the secret on the command line, where every user of this "
    "machine can read it (ps); use PGVIZ_COOKIE=SECRET in the environment or --cookie-file PATH "
    "(chmod 600 PATH) instead\n")


def _resolve_cookie(args: argparse.Namespace) -> None:
    """Settle the cookie before any node starts, so that a refused one is a one-line error
    (exit status 2), not a traceback: args.cookie becomes the secret to use. Precedence:
    --cookie, --cookie-file, $PGVIZ_COOKIE, $PGVIZ_COOKIE_FILE, ~/.config/pgviz/cookie; the
    demo keeps its random default and hands the secret to its windows in the environment."""
    if args.cookie is not None:
        sys.stderr.write(_COOKIE_ON_COMMAND_LINE)
    if args.command == "demo":
        if args.cookie is None and args.cookie_file is not None:
            args.cookie = read_cookie_file(args.cookie_file)
        if args.cookie is not None:
            resolve_cookie(args.cookie)  # an empty one is refused; windows bind 127.0.0.1
        return
    if getattr(args, "protocol", "pgviz") == "erlang" and args.cookie is None \
            and args.cookie_file is None and "PGVIZ_COOKIE" not in os.environ \
            and "PGVIZ_COOKIE_FILE" not in os.environ:
        return  # an Erlang node's cookie defaults to ~/.erlang.cookie, as erl's does
    args.cookie = resolve_cookie(args.cookie, file=args.cookie_file, bind_host=args.host)


def setup_logging(verbose: int, log_format: str = "text") -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from .shell.logs import JsonLogFormatter

        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_with_command(list(sys.argv[1:] if argv is None else argv)))
    setup_logging(args.verbose, getattr(args, "log_format", "text"))
    if args.command == "tls":
        return _tls_init(args)
    if args.command == "export":
        return int(args.run(args))
    if args.command == "lesson":
        return _lesson(args)
    if args.command in ("gui", "node"):
        problem = _check_tls(args)
        if problem:
            sys.stderr.write(f"pgviz: {problem}\n")
            return 2
    if args.command != "node":
        problem = _missing_qt()
        if problem:
            sys.stderr.write(f"pgviz: {problem}\n")
            return 2
    if args.command == "replay":
        return _replay(args.file)
    try:
        _resolve_cookie(args)
    except CookieError as exc:
        sys.stderr.write(f"pgviz: {exc}\n")
        return 2
    for seed in os.environ.get("PGVIZ_SEEDS", "").split(","):
        try:
            argtype.address(seed.strip()) if seed.strip() else None
        except argparse.ArgumentTypeError as exc:
            sys.stderr.write(f"pgviz: $PGVIZ_SEEDS: {exc}\n")
            return 2
    if args.command == "node":
        from .shell import run_node
        return run_node(args)
    problem = _no_display()
    if problem:
        sys.stderr.write(f"pgviz: {problem}\n")
        return 2
    if args.command == "gui":
        from .gui.app import run_gui
        return run_gui(args)
    from .gui.demo import run_demo
    return run_demo(args)


def _check_tls(args: argparse.Namespace) -> str | None:
    """All three TLS files or none, each usable: else the one-line reason (exit status 2)."""
    given = {f"--tls-{k}": getattr(args, f"tls_{k}", None) for k in ("cert", "key", "ca")}
    if not any(given.values()):
        return None
    missing = [flag for flag, value in given.items() if not value]
    if missing:
        return (f"TLS needs --tls-cert, --tls-key and --tls-ca together; missing "
                f"{', '.join(missing)}")
    from .net.tls import TLSConfig

    try:
        TLSConfig(args.tls_cert, args.tls_key, args.tls_ca).check()
    except TLSConfigError as exc:
        return str(exc)
    return None


def _tls_init(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("cryptography") is None:
        sys.stderr.write(f"pgviz: making certificates needs the cryptography package: "
                         f"{INSTALL_TLS}\n(nodes that only use them need nothing more)\n")
        return 2
    from .net.certs import classroom_instructions, init_classroom

    try:
        made = init_classroom(args.dir, args.nodes, days=args.days)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"pgviz: {exc}\n")
        return 2
    print(classroom_instructions(made))
    return 0


def _lesson(args: argparse.Namespace) -> int:
    """Read the lesson first: a missing or malformed one is exit status 2 and one line naming
    the file and line, before any window."""
    from .lessons import LessonError, load_lesson, shipped_lessons
    from .lessons.casting import cast_problem

    name = args.name
    if not args.cluster and (args.cast or args.cookie or args.cookie_file or args.tls_cert):
        sys.stderr.write("pgviz lesson: --cast, --cookie and --tls-* are for a class's "
                         "cluster: add --cluster ADDR\n")
        return 2

    if name is None:
        print("Shipped lessons (pgviz lesson NUMBER | NAME | FILE.toml):")
        for shipped in shipped_lessons():
            print(f"  {shipped:<22} {load_lesson(shipped).title}")
        return 0
    try:
        lesson = load_lesson(name)
    except (LessonError, OSError) as exc:
        sys.stderr.write(f"pgviz lesson: {exc}\n")
        return 2
    problem = cast_problem(args.cast, lesson) if args.cast else None
    if problem:
        sys.stderr.write(f"pgviz lesson: {problem}\n")
        return 2
    if args.cluster:
        problem = _check_tls(args)
        if problem:
            sys.stderr.write(f"pgviz: {problem}\n")
            return 2
        try:
            args.cookie = resolve_cookie(args.cookie, file=args.cookie_file, bind_host=args.host)
        except CookieError as exc:
            sys.stderr.write(f"pgviz: {exc}\n")
            return 2
    problem = _missing_qt() or _no_display()
    if problem:
        sys.stderr.write(f"pgviz: {problem}\n")
        return 2
    from .gui.lesson_app import run_lesson
    return run_lesson(lesson, args if args.cluster else None)


def _replay(path: str) -> int:
    """Load the recording first: a file with nothing usable is exit status 2 and one line,
    before any window; what was skipped of a damaged one is shown in the window too."""
    from .model import RecordingError, load_recording

    try:
        recording = load_recording(path)
    except RecordingError as exc:
        sys.stderr.write(f"pgviz: {exc}\n")
        return 2
    if not recording.events:
        sys.stderr.write(f"pgviz: {path} holds no events to replay\n")
        return 2
    for skipped in recording.problems:
        sys.stderr.write(f"pgviz: {path}: {skipped}\n")
    no_display = _no_display()
    if no_display:
        sys.stderr.write(f"pgviz: {no_display}\n")
        return 2
    from .gui.app import run_replay
    return run_replay(recording, path)


if __name__ == "__main__":
    sys.exit(main())
