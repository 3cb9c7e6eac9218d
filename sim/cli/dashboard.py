"""``crmsim dashboard [SCENARIO] [--host 127.0.0.1] [--port N]``: serve the consultant's dashboard.

The scenario is loaded (and validated, status 2 on a bad one) before the server starts; the server
is Solara's (Starlette under uvicorn) serving :mod:`sim.dashboard.app`. It binds to the loopback
address unless told otherwise, because the page runs models and writes files on this machine:
another host means anyone who can reach it can, so the command warns.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path

from sim.errors import InputError

DEFAULT_PORT = 8765


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise InputError(
                f"cannot listen there ({exc.strerror}); choose another --port",
                key="--port",
                value=port,
            ) from None


def cmd_dashboard(args) -> int:
    """Validate the scenario, print the address, serve until interrupted."""
    from sim import dashboard as names  # the environment names only: the page reads them later
    from sim.model.scenario import load_scenario
    from sim.shipped import find_file

    path = find_file(args.scenario, "scenarios") if args.scenario else None
    if path is not None:
        load_scenario(path)  # status 2 with the loader's message on a bad file
    if not 1 <= args.port <= 65535:
        raise InputError("expected a port in [1, 65535]", key="--port", value=args.port)
    _check_port(args.host, args.port)
    results = Path(args.results)
    if results.exists() and not results.is_dir():
        raise InputError("expected a folder", key="--results", value=str(results))
    env = {
        "SOLARA_APP": "sim.dashboard.app",
        "SERVER_NAME": args.host,
        "SERVER_PORT": str(args.port),
        "SOLARA_THEME_SHOW_BANNER": "False",
        names.ENV_RESULTS: str(results.resolve()),
    }
    if path is not None:
        env[names.ENV_SCENARIO] = str(path.resolve())
    if args.workers:
        env[names.ENV_WORKERS] = str(args.workers)
    if args.replicates:
        env[names.ENV_REPLICATES] = str(args.replicates)
    if args.posterior:
        posterior = Path(args.posterior)
        if not posterior.is_file():
            raise InputError("file not found", key="--posterior", value=str(posterior))
        env[names.ENV_POSTERIOR] = str(posterior.resolve())
    os.environ.update(env)
    if not _is_loopback(args.host):
        print(
            f"crmsim: warning: serving on {args.host}, not the loopback address: anyone who can "
            "reach this machine can run models and write into the results folder",
            file=sys.stderr,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"crmsim dashboard: http://{shown}:{args.port}/  (Ctrl-C stops it)", flush=True)
    print(f"  results go to {results.resolve()}", flush=True)
    import uvicorn

    # The odds runner says when its pool is warm and when each comparison starts, ends or fails
    # (sim.dashboard.odds): one line each on stderr, the server's log.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("crmsim dashboard: %(message)s"))
    dash_log = logging.getLogger("crmsim.dashboard")
    dash_log.addHandler(handler)
    dash_log.setLevel(logging.INFO)
    try:
        uvicorn.run(
            "solara.server.starlette:app",
            host=args.host,
            port=args.port,
            log_level="warning",
            ws_max_size=64 * 1024 * 1024,
        )
    finally:  # stop the odds' worker processes with the server
        from sim.dashboard import state

        if state.runner_started():
            state.runner().close()
    return 0


def add_command(sub, positive) -> None:
    """Register ``dashboard`` on the ``crmsim`` sub-parser."""
    p = sub.add_parser("dashboard", help="the consultant's dashboard (a local web app)")
    p.add_argument("scenario", nargs="?", help="scenario to start from (default: four_ps)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})"
    )
    p.add_argument("--results", default="results/dashboard", help="the only folder it writes to")
    p.add_argument(
        "--workers", type=positive, help="worker processes for the odds (default: cores)"
    )
    p.add_argument("--replicates", type=positive, help="default replicates per ordering (200)")
    p.add_argument(
        "--posterior",
        help="a calibration posterior the odds may draw parameters from (default: "
        "results/reference/calibration/posterior.parquet, when it exists)",
    )
    p.set_defaults(func=cmd_dashboard)
