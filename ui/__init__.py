"""The Gradio risk dashboard: live views from Redis, the instrument browser and forms over the HTTP API.

``build_dashboard()`` returns the ``gr.Blocks``; ``mount_dashboard(app)`` mounts it on a FastAPI app (the
Serve app's ingress) at ``/dashboard``. ``ui`` imports only ``core`` and third-party libraries.
"""

from __future__ import annotations

from ui.app import build_dashboard
from ui.mount import mount_dashboard

__all__ = ["build_dashboard", "mount_dashboard"]
