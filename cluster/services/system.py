"""Install missing Debian packages (apt) the first time a service needs them."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from core.errors import ServiceError

__all__ = ["ensure_debian_packages", "postgres_bin_dir"]

_apt_updated = False


def _have(binary: str) -> bool:
    if binary.startswith("/"):
        return Path(binary).exists()
    return shutil.which(binary) is not None


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def ensure_debian_packages(service: str, needs: dict[str, str], log_file: Path) -> None:
    """Install the Debian package of every missing binary. ``needs`` maps binary -> package."""
    global _apt_updated
    missing = sorted({pkg for binary, pkg in needs.items() if not _have(binary)})
    if not missing:
        return
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        raise ServiceError(service, f"missing Debian packages {missing} and not root to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log_file.parent.mkdir(parents=True, exist_ok=True)
    print(f"[services] installing Debian packages for {service}: {' '.join(missing)}", flush=True)
    with log_file.open("ab") as log:
        steps = [] if _apt_updated else [[*prefix, "apt-get", "update", "-qq"]]
        steps.append([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing])
        for step in steps:
            result = subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)
            if result.returncode != 0:
                raise ServiceError(
                    service, f"`{' '.join(step)}` failed with exit code {result.returncode}", str(log_file)
                )
    _apt_updated = True
