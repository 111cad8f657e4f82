"""`riskctl`: the command line of the risk engine.

Each command group lives in its own module under :mod:`cluster.commands` and is registered here, so
that ``riskctl --help`` lists everything and importing the CLI stays cheap (heavy imports happen
inside the commands).
"""

from __future__ import annotations

import importlib
import sys

import typer

from cluster.ray_env import prepare_ray_environment
from core.config import get_settings

__all__ = ["app", "main"]

COMMAND_MODULES = [
    "cluster.commands.services",
    "cluster.commands.price",
    "cluster.commands.demo",
    "cluster.commands.engine",
    "cluster.commands.replay",
    "cluster.commands.db",
    "cluster.commands.seed",
    "cluster.commands.serve",
    "cluster.commands.batch",
    "cluster.commands.calculator",
]

app = typer.Typer(
    name="riskctl",
    help=(
        "Real-time risk engine for bonds and interest-rate swaps.\n\n"
        "Start here: `make demo` brings everything up; `riskctl services up` starts only the local "
        "PostgreSQL, Redis and Kafka; `riskctl price --help` values a book against a market snapshot."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _module_name in COMMAND_MODULES:
    importlib.import_module(_module_name).register(app)


def _address_argument(argv: list[str]) -> str | None:
    for k, arg in enumerate(argv):
        if arg == "--address" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--address="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    # before any command imports Ray (see cluster/ray_env.py)
    prepare_ray_environment(_address_argument(sys.argv) or get_settings().ray_address)
    app()
