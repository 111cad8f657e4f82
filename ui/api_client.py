"""The HTTP API as the dashboard uses it (``/api/v1/instruments``, ``/api/v1/batch``, limits, alerts,
what-if), over httpx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

import httpx

__all__ = ["ApiError", "InstrumentApi", "describe_api_error"]


class ApiError(Exception):
    """The API refused a request or could not be reached; the message is written for the trader."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _field(location: Any) -> str:
    parts = [str(part) for part in location or [] if part not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def describe_api_error(status: int, body: Any) -> str:
    """A one-line reason from an error response (FastAPI ``detail``: a string or a list of field errors)."""
    if status == 401:
        return "401: the API token is required for writes; type it in the token field"
    if status == 403:
        return "403: the API token is wrong"
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        reasons = [
            f"{_field(item.get('loc'))}: {item.get('msg', '')}" if isinstance(item, dict) else str(item)
            for item in detail
        ]
        return f"{status}: " + "; ".join(reasons)
    return f"{status}: {detail}" if detail else f"{status}: the API refused the request"


class InstrumentApi:
    """Read and create instruments through ``{base_url}/api/v1/instruments``; read batch results."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ApiError(
                f"the API at {self.base_url} is unreachable ({error.__class__.__name__}: {error})"
            ) from error

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return response.text

    def _checked(self, response: httpx.Response) -> Any:
        body = self._json(response)
        if response.is_error:
            raise ApiError(describe_api_error(response.status_code, body), response.status_code)
        return body

    def list_instruments(self, params: Mapping[str, str | int]) -> dict[str, Any]:
        """One page: ``{"total", "limit", "offset", "items"}``."""
        page: dict[str, Any] = self._checked(self._send("GET", "/api/v1/instruments", params=dict(params)))
        return page

    def get_instrument(self, instrument_id: str) -> dict[str, Any] | None:
        """The instrument's terms, or None if the API does not know it."""
        response = self._send("GET", f"/api/v1/instruments/{quote(instrument_id, safe='')}")
        if response.status_code == 404:
            return None
        terms: dict[str, Any] = self._checked(response)
        return terms

    def bond_calculator(
        self, instrument_id: str, solve: Literal["price", "yield"], params: Mapping[str, str | float]
    ) -> dict[str, Any]:
        """``GET /api/v1/instruments/{id}/price`` (params ``yield``, ``settle``) or ``.../yield``
        (``clean_price``, ``settle``): clean price, accrued, dirty price, yield, durations, convexity."""
        path = f"/api/v1/instruments/{quote(instrument_id, safe='')}/{solve}"
        answer: dict[str, Any] = self._checked(self._send("GET", path, params=dict(params)))
        return answer

    def create(
        self, kind: Literal["bonds", "swaps"], payload: Mapping[str, Any], token: str
    ) -> dict[str, Any]:
        """Create a bond or a swap/OIS; raises :class:`ApiError` with the API's reason if refused."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        created: dict[str, Any] = self._checked(
            self._send("POST", f"/api/v1/instruments/{kind}", json=dict(payload), headers=headers)
        )
        return created

    def list_batch_runs(self, params: Mapping[str, str | int]) -> dict[str, Any]:
        """One page of batch runs, newest first: ``{"total", "limit", "offset", "items"}``."""
        page: dict[str, Any] = self._checked(self._send("GET", "/api/v1/batch/runs", params=dict(params)))
        return page

    def get_batch_run(self, run_id: int, measures: Sequence[str] = ()) -> dict[str, Any]:
        """The run with its results (only ``measures`` if given)."""
        params = {"measure": list(measures)} if measures else None
        run: dict[str, Any] = self._checked(self._send("GET", f"/api/v1/batch/runs/{run_id}", params=params))
        return run

    def get_limits(self, book: str) -> list[dict[str, Any]]:
        """The book's limits (``[]`` for a book the API does not know)."""
        response = self._send("GET", f"/api/v1/books/{quote(book, safe='')}/limits")
        if response.status_code == 404:
            return []
        body: dict[str, Any] = self._checked(response)
        return list(body["limits"])

    def put_limits(self, book: str, limits: Sequence[Mapping[str, Any]], token: str) -> list[dict[str, Any]]:
        """Replace the book's limits; raises :class:`ApiError` with the API's reason if refused."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = self._checked(
            self._send(
                "PUT",
                f"/api/v1/books/{quote(book, safe='')}/limits",
                json={"limits": [dict(item) for item in limits]},
                headers=headers,
            )
        )
        return list(body["limits"])

    def alerts(self, book: str, limit: int = 50) -> list[dict[str, Any]]:
        """The book's latest alert events, oldest first."""
        rows: list[dict[str, Any]] = self._checked(
            self._send("GET", "/api/v1/alerts", params={"book": book, "limit": limit})
        )
        return rows

    def whatif(self, trades: Sequence[Mapping[str, Any]], book: str | None = None) -> dict[str, Any]:
        """``POST /api/v1/whatif``: the trades' risk and the book's before/after (nothing stored)."""
        body: dict[str, Any] = {"trades": [dict(trade) for trade in trades]}
        if book:
            body["book"] = book
        answer: dict[str, Any] = self._checked(self._send("POST", "/api/v1/whatif", json=body))
        return answer
