"""Debian packages the test suite needs besides the services: ``chromium`` and ``curl``.

- ``chromium``: the browser the dashboard tests drive through Playwright (``tests/e2e``). Playwright's
  Python package comes with the ``dev`` extras, but its own browser downloads are never used: the tests
  launch ``/usr/bin/chromium`` (``executable_path``).
- ``curl``: the README's HTTP examples, which ``tests/docs/test_readme_commands.py`` runs as written.

Installed by ``make test`` the first time, like PostgreSQL and Redis: only what is missing, idempotent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cluster.services.system import ensure_debian_packages
from core.config import Settings

__all__ = ["CHROMIUM", "TEST_PACKAGES", "ensure_test_tools"]

CHROMIUM = Path("/usr/bin/chromium")
#: binary (a path, or a name looked up on PATH) -> the Debian package that provides it
TEST_PACKAGES = {str(CHROMIUM): "chromium", "curl": "curl"}


def _present(binary: str) -> bool:
    return Path(binary).exists() if binary.startswith("/") else shutil.which(binary) is not None


def ensure_test_tools(settings: Settings) -> dict[str, str]:
    """Install the missing packages of :data:`TEST_PACKAGES`; ``{package: "installed" | "present"}``.

    Raises :class:`core.errors.ServiceError` (naming the apt log) when the installation fails.
    """
    missing = {pkg for binary, pkg in TEST_PACKAGES.items() if not _present(binary)}
    ensure_debian_packages("test tools", TEST_PACKAGES, settings.state_dir / "logs" / "apt.log")
    return {pkg: "installed" if pkg in missing else "present" for pkg in TEST_PACKAGES.values()}
