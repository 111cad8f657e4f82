"""Bad input: 10,000 fuzzed malformed ticks between valid ones, and hostile HTTP requests."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from engine_support import Engine, unique_isin
from reliability_support import (
    Stack,
    assert_final_risk_is_the_reference,
    counters,
    end_offsets,
    fresh_ticks,
    history_seqs,
    record_figure,
    wait_for,
)

from actors.intake import Rejected, parse_record
from core.messages import CurveTick
from secmaster.bulk import MAX_BULK_ROWS

pytestmark = [pytest.mark.reliability, pytest.mark.ray, pytest.mark.slow]

BAD_RECORDS = 10_000
VALID_TICKS = 50  # one after every 200 malformed records

Mutation = Callable[[dict[str, Any], random.Random], Any]


def _some_quote(tick: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    curve = rng.choice(sorted(tick["curves"]))
    return curve, rng.choice(sorted(tick["curves"][curve]))


def _set_quote(value: Any) -> Mutation:
    def mutate(tick: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        curve, key = _some_quote(tick, rng)
        tick["curves"][curve][key] = value
        return tick

    return mutate


def _set(field: str, value: Any) -> Mutation:
    return lambda tick, _rng: tick | {field: value}


def _drop(field: str) -> Mutation:
    return lambda tick, _rng: {k: v for k, v in tick.items() if k != field}


# name -> how to spoil a valid tick (the dict of its JSON); bytes are sent as they are
MUTATIONS: dict[str, Mutation] = {
    "wrong type: seq": _set("seq", "many"),
    "wrong type: seq list": _set("seq", [1, 2]),
    "wrong type: market": _set("market", 840),
    "wrong type: curves": _set("curves", ["USD-UST"]),
    "wrong type: rate": _set_quote("four and a quarter"),
    "wrong type: as_of": _set("as_of", "yesterday"),
    "wrong type: fx": _set("fx", {"EURUSD": "strong"}),
    "unknown market": _set("market", "GBP"),
    "negative seq": _set("seq", -5),
    "seq beyond int64": _set("seq", 2**80),
    "missing curves": _drop("curves"),
    "missing seq": _drop("seq"),
    "missing market_time": _drop("market_time"),
    "empty curves": _set("curves", {}),
    "curve without quotes": lambda t, _r: t | {"curves": {**t["curves"], "USD-SOFR": {}}},
    "malformed quote key": lambda t, r: t | {"curves": {"USD-UST": {"10 years": 4.0}}},
    "NaN rate": _set_quote(float("nan")),
    "infinite rate": _set_quote(float("inf")),
    "huge rate": _set_quote(1e300),
    "absurd rate": _set_quote(-250.0),
    "non-positive fx": _set("fx", {"EURUSD": -1.08}),
    "NaN fixing": lambda t, _r: t | {"fixings": {"SOFR": {t["as_of"]: float("nan")}}},
    "wrong schema version": _set("schema", "curve-tick/2"),
    "unknown field": _set("payload", "surprise"),
    "market_time off as_of": _set("market_time", "1999-01-01T12:00:00Z"),
    "truncated JSON": lambda t, r: (s := json.dumps(t).encode())[: r.randrange(1, len(s) - 1)],
    "not JSON": lambda _t, r: bytes(r.randrange(256) for _ in range(r.randrange(1, 64))),
    "empty value": lambda _t, _r: b"",
    "JSON but not an object": lambda _t, r: json.dumps(r.choice([[], 42, "tick", None])).encode(),
    "not UTF-8": lambda t, _r: b"\xff\xfe" + json.dumps(t).encode(),
}


def malformed_records(valid: list[CurveTick], count: int, seed: int = 9) -> list[tuple[bytes, bytes, str]]:
    """``count`` (key, value, mutation name) records, each a valid tick spoiled one way."""
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    records = []
    for index in range(count):
        base = valid[index % len(valid)]
        name = names[index % len(names)]
        spoiled = MUTATIONS[name](json.loads(base.to_json()), rng)
        value = spoiled if isinstance(spoiled, bytes) else json.dumps(spoiled).encode()
        records.append((base.market.encode(), value, name))
    # a valid tick under the other market's key is malformed too
    records[-1] = (b"EUR" if valid[0].market == "USD" else b"USD", valid[0].to_json(), "key not its market")
    rng.shuffle(records)
    return records


def test_ten_thousand_malformed_ticks_go_to_the_dlq_and_every_valid_one_is_computed(
    engine: Engine, stack: Stack
) -> None:
    valid = fresh_ticks(VALID_TICKS)
    bad = malformed_records(valid, BAD_RECORDS)
    accepted = [name for key, value, name in bad if not isinstance(parse_record(key, value), Rejected)]
    assert not accepted, f"the fuzzer produced valid records: {Counter(accepted)}"
    wait_for(lambda: bool(engine.status()), 30, "the engine's status")
    before = counters(engine)
    dlq_before = end_offsets(engine, engine.topics.dlq)
    burst = BAD_RECORDS // VALID_TICKS
    started = time.monotonic()
    for index, tick in enumerate(valid):
        for key, value, _name in bad[index * burst : (index + 1) * burst]:
            engine.producer.produce(engine.topics.curves, key=key, value=value)
        engine.send(tick)  # flushes the burst too
        engine.wait_seq(tick.seq, timeout_s=60)  # so that no valid tick is conflated away
    elapsed = time.monotonic() - started
    wait_for(lambda: counters(engine)["ticks_dlq"] - before["ticks_dlq"] >= BAD_RECORDS, 60, "DLQ count")
    after = {k: v - before[k] for k, v in counters(engine).items()}
    assert after["ticks_dlq"] == BAD_RECORDS
    assert end_offsets(engine, engine.topics.dlq) - dlq_before == BAD_RECORDS
    assert after["consumer_restarts"] == 0, "the consumer crashed on bad input"
    assert history_seqs(engine, valid[0].seq) == [t.seq for t in valid], "a valid tick was not computed"
    assert_final_risk_is_the_reference(engine, stack.sessions, valid)
    record_figure(
        "fuzzed_ticks",
        {
            "malformed": BAD_RECORDS,
            "valid": VALID_TICKS,
            "mutations": len(MUTATIONS) + 1,
            "seconds": round(elapsed, 1),
        },
    )


# --- HTTP ---------------------------------------------------------------------------------------------

INJECTIONS = [
    "x'; DROP TABLE instruments; --",
    "' OR '1'='1",
    '"; DELETE FROM books WHERE ""="',
    "1; SELECT pg_sleep(10)",
    "Robert'); DROP TABLE positions;--",
]


def _state(api: httpx.Client) -> dict[str, Any]:
    return {
        "instruments": api.get("/api/v1/instruments", params={"limit": 1000}).json(),
        "books": api.get("/api/v1/books", params={"limit": 1000}).json(),
    }


def _writes(instrument_id: str, book: str) -> list[tuple[str, str, Any]]:
    bond = {"type": "bond", "isin": unique_isin(), "currency": "USD", "face": 1e6, "coupon_pct": 4.0,
            "frequency": "semiannual", "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15",
            "maturity_date": "2034-02-15", "discount_curve": "USD-UST"}  # fmt: skip
    return [
        ("POST", "/api/v1/instruments/bonds", bond),
        ("POST", "/api/v1/instruments", bond),
        ("POST", "/api/v1/instruments/bulk", {"instruments": [bond]}),
        ("PATCH", f"/api/v1/instruments/{instrument_id}", {"face": 1.0}),
        ("DELETE", f"/api/v1/instruments/{instrument_id}?force=true", None),
        ("POST", "/api/v1/books", {"name": "INTRUDER"}),
        ("PATCH", f"/api/v1/books/{book}", {"description": "taken over"}),
        ("DELETE", f"/api/v1/books/{book}?force=true", None),
        ("PUT", f"/api/v1/books/{book}/positions/{instrument_id}", {"quantity": 1e9}),
        ("DELETE", f"/api/v1/books/{book}/positions/{instrument_id}", None),
    ]


def test_requests_without_or_with_a_wrong_token_never_change_data(serve_url: str, stack: Stack) -> None:
    with httpx.Client(base_url=serve_url, timeout=60) as api:
        listed = api.get("/api/v1/books/UST-NOTES/positions", params={"limit": 1}).json()["items"]
        instrument_id = listed[0]["instrument_id"]
        before = _state(api)
        for header, expected in ((None, 401), ("Bearer wrong-token", 403), ("Basic cmlzazpyaXNr", 401)):
            headers = {} if header is None else {"Authorization": header}
            for method, path, body in _writes(instrument_id, "UST-NOTES"):
                response = api.request(method, path, json=body, headers=headers)
                assert response.status_code == expected, (header, method, path, response.text)
        assert _state(api) == before


def test_oversized_bodies_are_rejected_and_the_api_stays_up(serve_url: str, stack: Stack) -> None:
    token = stack.settings.api_token.get_secret_value()
    with httpx.Client(base_url=serve_url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as api:
        before = _state(api)
        too_many = {"instruments": [{"type": "bond"}] * (MAX_BULK_ROWS + 1)}  # ~3 MB, one row over the limit
        response = api.post("/api/v1/instruments/bulk", json=too_many)
        assert response.status_code in (413, 422), response.text[:300]
        huge = b'{"instruments": [' + b'{"type": "bond", "pad": "' + b"x" * 30_000_000 + b'"}]}'
        response = api.post(
            "/api/v1/instruments/bulk", content=huge, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (413, 422), response.text[:300]
        response = api.post("/api/v1/books", json={"name": "BIGDESC", "description": "y" * 5_000_000})
        assert response.status_code in (413, 422), response.text[:300]
        assert api.get("/healthz").status_code == 200
        assert _state(api) == before


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_injection_like_strings_are_rejected_or_stored_verbatim(
    serve_url: str, stack: Stack, text: str
) -> None:
    token = stack.settings.api_token.get_secret_value()
    with httpx.Client(base_url=serve_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as api:
        count = api.get("/api/v1/instruments", params={"limit": 1}).json()["total"]
        book = f"INJ{uuid.uuid4().hex[:8].upper()}"
        created = api.post("/api/v1/books", json={"name": book, "description": text})
        assert created.status_code in (201, 422), created.text
        if created.status_code == 201:
            assert api.get(f"/api/v1/books/{book}").json()["description"] == text
        assert api.post("/api/v1/books", json={"name": text}).status_code == 422
        assert api.get(f"/api/v1/instruments/{text}").status_code in (404, 422)
        for params in ({"book": text}, {"currency": text}, {"sort": text}, {"type": text}, {"offset": text}):
            response = api.get("/api/v1/instruments", params=params)
            assert response.status_code in (200, 404, 422), (params, response.text)
            if response.status_code == 200:
                assert response.json()["total"] == 0, params
        bond = {"id": f"INJ-{uuid.uuid4().hex[:8]}", "type": "bond", "isin": unique_isin(),
                "currency": "USD", "face": 1e6, "coupon_pct": 4.0, "frequency": "semiannual",
                "day_count": "ACT/ACT-ICMA", "issue_date": "2024-02-15", "maturity_date": "2034-02-15",
                "discount_curve": text}  # fmt: skip
        assert api.post("/api/v1/instruments/bonds", json=bond).status_code == 422
        bond |= {"id": text, "discount_curve": "USD-UST"}
        response = api.post("/api/v1/instruments/bonds", json=bond)
        assert response.status_code in (201, 422), response.text
        if response.status_code == 201:
            assert api.get("/api/v1/instruments", params={"limit": 1}).json()["total"] == count + 1
        else:
            assert api.get("/api/v1/instruments", params={"limit": 1}).json()["total"] == count
        assert api.get("/healthz").status_code == 200
