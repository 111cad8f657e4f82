"""Change events through the transactional outbox: one per committed write, none for a rolled-back one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer
from pydantic import TypeAdapter

from core.config import Settings
from secmaster import repository
from secmaster.db import SessionFactory
from secmaster.outbox import EVENT_SCHEMA, make_producer, relay_pending
from secmaster.schemas import BondCreate, InstrumentCreate, OisCreate, SwapCreate

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

CREATE: TypeAdapter[BondCreate | SwapCreate | OisCreate] = TypeAdapter(InstrumentCreate)


@pytest.fixture
def producer(settings: Settings) -> Iterator[Producer]:
    kafka = make_producer(settings.kafka_bootstrap)
    yield kafka
    kafka.flush(10)


def _by_key(events: list[dict[str, Any]], keys: set[str]) -> Counter[tuple[str, str, str]]:
    return Counter((event["key"], event["entity"], event["type"]) for event in events if event["key"] in keys)


@pytest.mark.ray
def test_each_committed_http_write_gives_exactly_one_event(
    client: httpx.Client, payloads: dict[str, Any], book: str, event_tap: Any
) -> None:
    bond = client.post("/api/v1/instruments/bonds", json=payloads["bond"]()).json()
    swap = client.post("/api/v1/instruments/swaps", json=payloads["swap"](book=book)).json()
    client.patch(f"/api/v1/instruments/{bond['id']}", json={"coupon_pct": 4.25})
    client.patch(f"/api/v1/instruments/{bond['id']}", json={"coupon_pct": 4.25})  # no change: no event
    client.put(f"/api/v1/books/{book}/positions/{bond['id']}", json={"quantity": 2})
    client.delete(f"/api/v1/instruments/{swap['id']}", params={"force": True})
    # refused writes roll back and publish nothing
    assert (
        client.post("/api/v1/instruments/bonds", json=payloads["bond"](isin=bond["isin"])).status_code == 409
    )
    assert client.delete(f"/api/v1/instruments/{bond['id']}").status_code == 409
    rejected = client.post(
        "/api/v1/instruments/bulk", json=[payloads["bond"](id="ROLLED-BACK"), {"type": "bond"}]
    )
    assert rejected.status_code == 422

    events = event_tap.events()
    assert _by_key(events, {bond["id"], swap["id"], "ROLLED-BACK"}) == Counter(
        {
            (bond["id"], "instrument", "created"): 1,
            (bond["id"], "instrument", "updated"): 1,
            (bond["id"], "position", "created"): 1,
            (swap["id"], "instrument", "created"): 1,
            (swap["id"], "instrument", "deleted"): 1,
        }
    )
    created = next(e for e in events if e["key"] == swap["id"] and e["type"] == "created")
    assert created["schema"] == EVENT_SCHEMA and created["data"]["position"] == {
        "book": book,
        "quantity": 1.0,
    }
    assert created["data"]["forecast_curve"] == "EUR-EURIBOR-6M"


def test_rolled_back_repository_write_sends_nothing(
    sessions: SessionFactory, producer: Producer, events_topic: str, payloads: dict[str, Any], event_tap: Any
) -> None:
    with sessions() as session, session.begin():
        repository.create_instrument(session, CREATE.validate_python(payloads["ois"](id="OIS-ROLLBACK")))
        session.rollback()
    with sessions() as session, session.begin():
        repository.create_instrument(session, CREATE.validate_python(payloads["ois"](id="OIS-COMMITTED")))
    relay_pending(sessions, producer, events_topic)
    events = event_tap.events()
    assert _by_key(events, {"OIS-ROLLBACK", "OIS-COMMITTED"}) == Counter(
        {("OIS-COMMITTED", "instrument", "created"): 1}
    )


def test_relay_marks_published_and_does_not_resend(
    sessions: SessionFactory, producer: Producer, events_topic: str, payloads: dict[str, Any], event_tap: Any
) -> None:
    with sessions() as session, session.begin():
        repository.create_instrument(session, CREATE.validate_python(payloads["bond"](id="RELAY-ONCE")))
    relay_pending(sessions, producer, events_topic)
    assert relay_pending(sessions, producer, events_topic) == 0
    events = event_tap.events()
    assert _by_key(events, {"RELAY-ONCE"}) == Counter({("RELAY-ONCE", "instrument", "created"): 1})


@pytest.mark.ray
def test_bulk_import_gives_one_created_event_per_instrument_as_single_creates_do(
    client: httpx.Client, payloads: dict[str, Any], book: str, event_tap: Any
) -> None:
    single = client.post("/api/v1/instruments/swaps", json=payloads["swap"](book=book, quantity=3.0)).json()
    rows = [
        payloads["bond"](book=book),
        payloads["swap"](book=book, quantity=3.0),
        payloads["ois"](id="OIS-BULK-EVENT"),
    ]
    imported = client.post("/api/v1/instruments/bulk", json={"instruments": rows})
    assert imported.status_code == 201, imported.text
    ids = imported.json()["ids"]
    assert len(ids) == 3 and ids[2] == "OIS-BULK-EVENT" and ids[0] == f"BOND-{rows[0]['isin']}"

    events = {event["key"]: event for event in event_tap.events() if event["type"] == "created"}
    assert set(ids) | {single["id"]} <= set(events)
    for instrument_id in ids:
        event = events[instrument_id]
        assert event["schema"] == EVENT_SCHEMA and event["entity"] == "instrument"
        stored = client.get(f"/api/v1/instruments/{instrument_id}").json()
        for field, value in event["data"].items():
            if field != "position":
                assert stored[field] == value, (instrument_id, field)
    # the bulk swap's event has exactly the fields (and position) of the single create's event
    bulk_swap, single_swap = events[ids[1]]["data"], events[single["id"]]["data"]
    assert set(bulk_swap) == set(single_swap)
    assert bulk_swap["position"] == single_swap["position"] == {"book": book, "quantity": 3.0}
    assert "position" not in events["OIS-BULK-EVENT"]["data"]


@pytest.mark.ray
def test_a_bulk_row_in_a_missing_book_rejects_the_import(
    client: httpx.Client, payloads: dict[str, Any]
) -> None:
    rows = [payloads["ois"](), payloads["bond"](book="NO-SUCH-BOOK")]
    response = client.post("/api/v1/instruments/bulk", json=rows)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "book")]
    assert "does not exist" in response.json()["errors"][0]["msg"]
