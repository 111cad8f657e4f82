"""CSV files as spreadsheets save them: the separator and the decimal comma of European locales.

Excel writes ``;``-separated files with decimal commas (``4,25``) where the locale's decimal mark is a
comma, ``,``-separated files elsewhere, and sometimes tabs; with a UTF-8 byte-order mark and CRLF line
ends (the readers open files as ``utf-8-sig`` with ``newline=""`` for those). The separator is found
by :class:`csv.Sniffer` on the header line, which names the columns and so holds no quoted numbers.
"""

from __future__ import annotations

import csv
import re

__all__ = ["SEPARATORS", "decimal_point", "detect_separator"]

#: The separators spreadsheets write, in the order they are tried when the header is ambiguous.
SEPARATORS = ",;\t"
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


def detect_separator(header_line: str) -> str:
    """``,``, ``;`` or tab: the separator of a CSV header line (``,`` when the header has one column)."""
    try:
        return csv.Sniffer().sniff(header_line.lstrip("\ufeff"), delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def decimal_point(cell: str, separator: str) -> str:
    """``cell`` with a decimal comma made a point when the file is ``;``-separated (``4,0`` -> ``4.0``).

    Only a plain number with one comma and digits on both sides is changed, and only in ``;`` files,
    where a comma cannot be a separator; anything else is returned as it is.
    """
    if separator == ";" and _DECIMAL_COMMA.match(cell):
        return cell.replace(",", ".")
    return cell
