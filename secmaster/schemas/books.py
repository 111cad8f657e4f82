"""Book and position schema families."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from secmaster.schemas.common import INPUT_CONFIG, BookName, Quantity

__all__ = ["BookCreate", "BookRead", "BookUpdate", "PositionRead", "PositionSet"]


def _no_control_characters(text: str) -> str:
    """Any Unicode text (non-breaking spaces, emoji, right-to-left marks and other format characters)
    except control characters (category ``Cc``: C0/C1 controls, tab, newline, NUL)."""
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cc":
            raise ValueError(
                f"description has a control character U+{ord(char):04X} at position {position}; "
                f"use one line of text"
            )
    return text


Description = Annotated[str, Field(max_length=500), AfterValidator(_no_control_characters)]


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
