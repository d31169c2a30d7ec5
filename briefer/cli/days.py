"""Dates on the command line: ``YYYY-MM-DD``, ``today`` or ``yesterday`` (local time), and a
day argument that is either a day folder or a date in the folder of day folders.

``DAY`` is the click type of every ``--date``; ``day_folder`` resolves ``slack post``'s
argument against ``[daily] out`` (``briefings`` by default), the folder that holds them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # generic from click 8.2 on; pyproject allows 8.1
    _ParamType = click.ParamType[date, Any]
else:
    _ParamType = click.ParamType

_RELATIVE = {"today": 0, "yesterday": 1}


def today() -> date:
    """The local date every ``today``/``yesterday`` counts from (tests replace it)."""
    return date.today()


def parse_day(text: str) -> date | None:
    """``text`` as a day (``YYYY-MM-DD``, ``today``, ``yesterday``), or None."""
    word = text.strip().lower()
    if word in _RELATIVE:
        return today() - timedelta(days=_RELATIVE[word])
    try:
        return date.fromisoformat(word) if len(word) == 10 else None
    except ValueError:
        return None


class DayType(_ParamType):
    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        day = parse_day(str(value))
        if day is None:
            self.fail(f"{value!r} is not a date: give YYYY-MM-DD, today or yesterday", param, ctx)
        return day


DAY = DayType()


def day_folder(argument: str | Path, out: Path) -> Path:
    """The day folder ``argument`` names: itself when it is a folder (or not a date), else
    ``out/<YYYY-MM-DD>`` for a date, ``today`` or ``yesterday``."""
    path = Path(argument)
    if path.is_dir():
        return path
    day = parse_day(str(argument))
    return out / day.isoformat() if day is not None else path
