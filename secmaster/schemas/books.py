"""Book and position schema families."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from secmaster.schemas.common import INPUT_CONFIG, BookName, Quantity

__all__ = ["BookCreate", "BookRead", "BookUpdate", "PositionRead", "PositionSet"]


def _printable(text: str) -> str:
    if not text.isprintable():
        raise ValueError("description must be printable text (no control characters)")
    return text


Description = Annotated[str, Field(max_length=500), AfterValidator(_printable)]


class BookCreate(BaseModel):
    model_config = INPUT_CONFIG

    name: BookName
    description: Description = ""


class BookUpdate(BaseModel):
    model_config = INPUT_CONFIG

    description: Description


class BookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    positions: int = Field(0, description="Number of positions in the book")
    created_at: datetime
    updated_at: datetime


class PositionSet(BaseModel):
    model_config = INPUT_CONFIG

    quantity: Quantity


class PositionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    book: str
    instrument_id: str
    instrument_type: str
    quantity: float
    created_at: datetime
    updated_at: datetime
