"""Map the security master's errors to HTTP: 404, 409, 412, 422 naming the field and the rule, 503."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from secmaster.errors import BulkImportRejected, Conflict, NotFound, PreconditionFailed, RuleViolation
from secmaster.repository.integrity import translate_integrity_error

__all__ = ["MAX_LISTED", "install_error_handlers"]

#: A rejected bulk import lists its first row errors (in row order) and counts them all (``errors_total``):
#: 100,000 bad rows must not make a 20 MB answer.
MAX_LISTED = 1000


def _detail(code: int, detail: Any) -> JSONResponse:
    return JSONResponse(status_code=code, content=jsonable_encoder({"detail": detail}))


def _rule(error: RuleViolation) -> JSONResponse:
    detail = [{"loc": ["body", error.field], "msg": str(error), "type": "rule"}]
    return _detail(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def _not_found(_request: Request, error: Exception) -> JSONResponse:
    return _detail(status.HTTP_404_NOT_FOUND, str(error))


async def _conflict(_request: Request, error: Exception) -> JSONResponse:
    return _detail(status.HTTP_409_CONFLICT, str(error))


async def _precondition_failed(_request: Request, error: Exception) -> JSONResponse:
    return _detail(status.HTTP_412_PRECONDITION_FAILED, str(error))


async def _rule_violation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RuleViolation)
    return _rule(error)


async def _pydantic(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    detail = [
        {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_input=False)
    ]
    return _detail(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def _bulk(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BulkImportRejected)
    code = status.HTTP_409_CONFLICT if error.only_conflicts else status.HTTP_422_UNPROCESSABLE_CONTENT
    rows = [{"row": item.row, "field": item.field, "msg": item.message} for item in error.errors[:MAX_LISTED]]
    content = {"detail": str(error), "errors": rows, "errors_total": len(error.errors)}
    return JSONResponse(status_code=code, content=content)


async def _integrity(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IntegrityError)
    translated = translate_integrity_error(error)
    if isinstance(translated, RuleViolation):
        return _rule(translated)
    code = status.HTTP_404_NOT_FOUND if isinstance(translated, NotFound) else status.HTTP_409_CONFLICT
    return _detail(code, str(translated))


async def _unavailable(_request: Request, error: Exception) -> JSONResponse:
    return _detail(status.HTTP_503_SERVICE_UNAVAILABLE, "the security master database is unreachable; retry")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(PreconditionFailed, _precondition_failed)
    app.add_exception_handler(RuleViolation, _rule_violation)
    app.add_exception_handler(BulkImportRejected, _bulk)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _unavailable)
