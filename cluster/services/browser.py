"""Debian's ``chromium``, the browser the dashboard tests drive through Playwright (``tests/e2e``).

Playwright's Python package is installed with the ``dev`` extras, but its own browser downloads are never
used: the tests launch ``/usr/bin/chromium`` (``executable_path``), so a fresh machine needs only this
Debian package, installed the first time like PostgreSQL and Redis (only when missing; idempotent).
"""

from __future__ import annotations

from pathlib import Path

from cluster.services.system import ensure_debian_packages
from core.config import Settings

__all__ = ["CHROMIUM", "ensure_chromium"]

CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium(settings: Settings) -> str:
    """Install Debian's ``chromium`` if ``/usr/bin/chromium`` is missing; 'installed' or 'present'.

    Raises :class:`core.errors.ServiceError` (naming the apt log) when the installation fails.
    """
    if CHROMIUM.exists():
        return "present"
    ensure_debian_packages("chromium", {str(CHROMIUM): "chromium"}, settings.state_dir / "logs" / "apt.log")
    return "installed"
