"""Mount the dashboard on a FastAPI app (the Serve app's ingress) with ``gr.mount_gradio_app``."""

from __future__ import annotations

import fastapi
import gradio as gr

from ui.app import build_dashboard

__all__ = ["DASHBOARD_PATH", "mount_dashboard"]

DASHBOARD_PATH = "/dashboard"


def mount_dashboard(
    app: fastapi.FastAPI,
    *,
    path: str = DASHBOARD_PATH,
    redis_url: str | None = None,
    api_url: str | None = None,
    refresh_seconds: float = 2.0,
    stale_after_seconds: float = 30.0,
) -> fastapi.FastAPI:
    """Serve :func:`ui.build_dashboard` at ``path`` of ``app``; returns the app (as Gradio does).

    Server-side rendering is off (it needs a Node server) and so are analytics (the machine may have
    no outbound network).
    """
    blocks = build_dashboard(redis_url, api_url, refresh_seconds, stale_after_seconds)
    mounted: fastapi.FastAPI = gr.mount_gradio_app(
        app, blocks, path=path, ssr_mode=False, footer_links=[], enable_monitoring=False
    )
    return mounted
