"""Quantities in news text: find them, parse them, compare them.

Used by grounding (is the number a model reported really in the article, with the right
value and what it counts?) and by the eval metrics (matching ``(value, unit)`` pairs of a
model brief against a gold brief). Pure functions over the standard library.

What is recognised (see :func:`find_quantities` for the exact rules):

* digits with thousands separators and decimals: ``700,000``, ``1,234.5``, ``2 226``
  (a space, no-break or thin space before exactly three digits; see ``_SPACED_RE``);
  vulgar fractions ``11½``, ``¾``;
* scale words and suffixes: ``50 thousand``, ``1.2 million``, ``3bn``, ``5k``, ``$1.2m``,
  ``£446million``;
* written-out numbers: ``seventy``, ``twenty-five``, ``one hundred and forty-five``,
  ``a dozen``, ``half a million``, ``two and a half million``, ``two-thirds``;
* percentages (``12.5%``, ``12.5 per cent``; ``percentage points`` -> unit ``pp``),
  money (``£3bn``, ``US$40``, ``40 dollars``, ``€5 billion``; pence in pounds: ``175p``
  and ``175 pence`` are 1.75 GBP), negatives (``-3``,
  ``−3``, ``minus 3``), years (``in 2015``, ``the 1990s``), ordinals (``21st``,
  ``second``), day-month dates (``12 March``, ``March 12th``), scores (``9/10`` -> 9)
  and race times (``1:35.782`` -> 95.782 seconds); written fractions include
  ``four-hundredths`` (0.04) and ``seven thousandths`` (0.007).

Values are computed with :class:`decimal.Decimal`, so ``4.1m`` is exactly ``4100000.0``.

Layout: ``tables`` (number words, scales, months, currency wordings), ``units`` (what a
quantity counts, ``normalize_unit``, ``units_compatible``, ``same_value``), ``digits`` and
``words`` (the two parsers), ``find`` (``find_quantities``: both parsers, overlaps, years,
ranges). The article's quantities are found once, per sentence, by
:class:`briefer.article_index.ArticleIndex`.
"""

from briefer.quantities.context import Quantity
from briefer.quantities.find import find_quantities, parse_number
from briefer.quantities.units import counted_noun, normalize_unit, same_value, units_compatible

__all__ = [
    "Quantity",
    "counted_noun",
    "find_quantities",
    "normalize_unit",
    "parse_number",
    "same_value",
    "units_compatible",
]
