"""The generated swap book is deterministic and passes the Create rules."""

from __future__ import annotations

from datetime import date

from pydantic import TypeAdapter

from secmaster.schemas import InstrumentCreate, OisCreate, SwapCreate
from secmaster.swapgen import generate_swaps


def test_generated_swaps_validate_and_mix_types() -> None:
    swaps = generate_swaps(date(2026, 2, 27), 500)
    parsed = [TypeAdapter(InstrumentCreate).validate_python(swap) for swap in swaps]
    irs = [swap for swap in parsed if isinstance(swap, SwapCreate)]
    ois = [swap for swap in parsed if isinstance(swap, OisCreate)]
    assert 0.5 < len(irs) / len(parsed) < 0.7 and ois
    assert all(swap.maturity_date > date(2026, 2, 27) for swap in parsed)
    assert any(swap.start_date < date(2026, 2, 27) for swap in parsed)  # seasoned trades need fixings
    assert len({swap["id"] for swap in swaps}) == len(swaps)


def test_same_inputs_same_book() -> None:
    assert generate_swaps(date(2026, 2, 27), 20) == generate_swaps(date(2026, 2, 27), 20)
    assert generate_swaps(date(2026, 2, 27), 20) != generate_swaps(date(2026, 2, 26), 20)
