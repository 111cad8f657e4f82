"""The security master's HTTP API (FastAPI routers); the application mounts it with :func:`install`."""

from __future__ import annotations

from fastapi import FastAPI

from secmaster.api.batch import router as batch_router
from secmaster.api.books import router as books_router
from secmaster.api.calculator import router as calculator_router
from secmaster.api.context import ApiContext, require_writer
from secmaster.api.errors import install_error_handlers
from secmaster.api.instruments import router as instruments_router
from secmaster.api.limits import alerts_router, limits_router

__all__ = ["ApiContext", "install", "require_writer"]


def install(app: FastAPI, context: ApiContext) -> None:
    """Mount the instrument, book, position, limit, alert, batch-result and calculator routes and their
    error handlers on ``app``."""
    app.state.secmaster = context
    app.include_router(calculator_router)
    app.include_router(instruments_router)
    app.include_router(books_router)
    app.include_router(limits_router)
    app.include_router(alerts_router)
    app.include_router(batch_router)
    install_error_handlers(app)
