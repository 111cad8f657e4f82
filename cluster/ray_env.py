"""Environment a process needs before it imports Ray to use a Ray runtime on this machine.

Ray turns ``127.0.0.1`` into the machine's network address (so a single-machine head would listen on
it) unless clusters are "disabled" (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``), and since Ray 2.5x a head
requires its token (``~/.ray/auth_token``), which a driver only sends with ``RAY_AUTH_MODE=token``. Both
are read when Ray is imported, so this runs first (the CLI entry point, the services manager).
"""

from __future__ import annotations

import os

__all__ = ["is_local_address", "prepare_ray_environment"]


def is_local_address(address: str | None) -> bool:
    return address is None or address in ("local", "auto") or address.startswith(("127.", "localhost"))


def prepare_ray_environment(address: str | None) -> None:
    """Defaults for a Ray on this machine (a remote cluster keeps Ray's own defaults)."""
    if is_local_address(address):
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "token")
