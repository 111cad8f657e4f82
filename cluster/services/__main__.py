"""``python -m cluster.services up|down|status [SERVICE...]`` (the same as ``riskctl services``)."""

from __future__ import annotations

from cluster.commands.services import services_app

services_app(prog_name="python -m cluster.services")
