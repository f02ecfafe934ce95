"""What the command line gives a Node beyond name, host, port and cookie: shared by the
headless node (shell) and the app (gui), which sit below the cli and may not import it."""

from __future__ import annotations

import argparse
import os
from typing import Any

__all__ = ["node_options"]


def node_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if getattr(args, "tick_time", None):
        options["tick_time"] = args.tick_time
    seeds = list(getattr(args, "seed", []) or [])
    seeds += [s.strip() for s in os.environ.get("PGVIZ_SEEDS", "").split(",") if s.strip()]
    if seeds:
        options["seeds"] = seeds
    if getattr(args, "advertise", None):
        options["advertise"] = args.advertise
    if getattr(args, "protocol", "pgviz") == "erlang":
        options["protocol"] = "erlang"
        if getattr(args, "epmd_port", None):
            options["epmd_port"] = args.epmd_port
        if getattr(args, "start_epmd", False):
            options["start_epmd"] = True
        if getattr(args, "net_ticktime", None):
            options["net_ticktime"] = args.net_ticktime
        options.pop("tick_time", None)  # Erlang's is net_ticktime
        options.pop("advertise", None)
    if getattr(args, "tls_cert", None):
        # (all three together: the cli checked them before any node starts)
        from .net.tls import TLSConfig

        options["tls"] = TLSConfig(args.tls_cert, args.tls_key, args.tls_ca)
    return options
