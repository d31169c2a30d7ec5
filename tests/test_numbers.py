"""Quantity parsing (briefer.quantities): hand-computed tables, real news, and properties."""

from __future__ import annotations

import random

import pytest

from briefer.quantities import (
    Quantity,
    find_quantities,
    normalize_unit,
    parse_number,
    same_value,
    units_compatible,
)


def _found(text: str) -> list[tuple[float, str | None, str, str]]:
    """(value, unit, text, kind) of every quantity, after checking offsets and order."""
    quantities = find_quantities(text)
    _check_spans(text, quantities)
    return [(q.value, q.unit, q.text, q.kind) for q in quantities]


def _check_spans(text: str, quantities: list[Quantity]) -> None:
    last_end = 0
    for q in quantities:
        assert text[q.start : q.end] == q.text
        assert last_end <= q.start < q.end
        last_end = q.end


# --- parse_number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # digits, separators, decimals
        ("700,000", 700000),
        ("1.2", 1.2),
        ("1,234.5", 1234.5),
        ("1,000,000", 1000000),
        ("0", 0),
        # scale words and suffixes
        ("50 thousand", 50000),
        ("1.2 million", 1200000),
        ("3bn", 3e9),
        ("£3bn", 3e9),
        ("$1.2m", 1200000),
        ("2.5 trillion", 2.5e12),
        ("5k", 5000),
        ("4.1m", 4100000),
        ("a million", 1e6),
        ("half a million", 500000),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("2 dozen", 24),
        # written out
        ("seventy", 70),
        ("twenty-five", 25),
        ("twenty five", 25),
        ("one hundred and forty-five", 145),
        ("two thousand", 2000),
        ("three million", 3e6),
        ("nine", 9),
        ("one", 1),
        ("a hundred", 100),
        ("Seventy", 70),
        ("two million five hundred thousand", 2500000),
        ("two and a half million", 2500000),
        ("one and a half", 1.5),
        ("two-thirds", 2 / 3),
        ("three quarters", 0.75),
        ("a third of", 1 / 3),
        # percentages
        ("12.5%", 12.5),
        ("12.5 %", 12.5),
        ("12.5 per cent", 12.5),
        ("12.5 percent", 12.5),
        ("seventy per cent", 70),
        ("1.2 percentage points", 1.2),
        # currencies
        ("£300", 300),
        ("€5 billion", 5e9),
        ("US$40", 40),
        ("40 dollars", 40),
        ("300 pounds", 300),
        ("5.5bn euros", 5.5e9),
        ("five million dollars", 5e6),
        # negatives
        ("-3", -3),
        ("minus 3", -3),
        ("−3", -3),
        ("minus three", -3),
        ("minus 3.5%", -3.5),
        # ordinals, years, dates
        ("1st", 1),
        ("21st", 21),
        ("second", 2),
        ("twenty-first", 21),
        ("2015", 2015),
        ("12 March", 12),
        # words around one number are tolerated
        ("about 70 world leaders", 70),
        ("145 drones", 145),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "a", "an", "hello", "one of the", "no one", "someone", "$", "%", "10-15", "1e5"],
)
def test_parse_number_none(text: str) -> None:
    assert parse_number(text) is None


def test_parse_number_is_exact_for_scaled_decimals() -> None:
    assert parse_number("4.1m") == 4100000.0  # not 4099999.9999999995
    assert parse_number("$1.2m") == 1200000.0
    assert parse_number("£1.2bn") == 1200000000.0


# --- find_quantities: real news ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "the Russians have amassed an assault force of 50 thousand men",
            [(50000.0, "man", "50 thousand", "number")],
        ),
        (
            "a record 145 drones, mostly Iranian Shahed kamikazes, in Ukraine in 24 hours",
            [(145.0, "drone", "145", "number"), (24.0, "hour", "24", "number")],
        ),
        (
            "Kiev's air defenses – the military announced – shot down 62: another 67 are "
            "missing, 10 have left",
            [
                (62.0, None, "62", "number"),
                (67.0, None, "67", "number"),
                (10.0, None, "10", "number"),
            ],
        ),
        (
            "Profits rose 12.5% to £1.2bn in 2015",
            [
                (12.5, "%", "12.5%", "percent"),
                (1.2e9, "GBP", "£1.2bn", "money"),
                (2015.0, None, "2015", "year"),
            ],
        ),
        ("twenty-five people", [(25.0, "people", "twenty-five", "number")]),
        ("one of the", []),
    ],
)
def test_real_news(text: str, expected: list[tuple[float, str | None, str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        (
            "London estimates that 700,000 Kremlin soldiers have been killed or wounded",
            700000,
            "700,000",
        ),
        ("he spoke with about 70 world leaders", 70, "70"),
        ("seventy world leaders attended", 70, "seventy"),
    ],
)
def test_value_and_text_when_next_word_is_not_the_noun(text: str, value: float, span: str) -> None:
    [(found_value, _, found_text, kind)] = _found(text)
    assert (found_value, found_text, kind) == (value, span, "number")


# --- find_quantities: units, kinds, ranges ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # units from the wording
        ("a 12.5 per cent rise", [(12.5, "%", "12.5 per cent", "percent")]),
        ("up 12.5 percent", [(12.5, "%", "12.5 percent", "percent")]),
        ("$1.2m", [(1.2e6, "USD", "$1.2m", "money")]),
        ("US$40 each", [(40.0, "USD", "US$40", "money")]),
        ("40 dollars", [(40.0, "USD", "40 dollars", "money")]),
        ("1.5 million US dollars", [(1.5e6, "USD", "1.5 million US dollars", "money")]),
        ("300 pounds", [(300.0, "GBP", "300 pounds", "money")]),
        ("€5 billion", [(5e9, "EUR", "€5 billion", "money")]),
        ("5.5bn euros", [(5.5e9, "EUR", "5.5bn euros", "money")]),
        ("up 2 percentage points", [(2.0, "pp", "2 percentage points", "percent")]),
        ("7.62mm rounds", [(7.62, "mm", "7.62mm", "number")]),
        # the counted noun directly after the number, singularised
        ("145 drones", [(145.0, "drone", "145", "number")]),
        ("3 casualties", [(3.0, "casualty", "3", "number")]),
        ("50 thousand women", [(50000.0, "woman", "50 thousand", "number")]),
        ("a 24-hour truce", [(24.0, "hour", "24", "number")]),
        ("the nine-year-old", [(9.0, "year", "nine", "number")]),
        ("30 second clip", [(30.0, "second", "30", "number")]),
        ("10 have left", [(10.0, None, "10", "number")]),
        ("62, of which", [(62.0, None, "62", "number")]),
        # negatives
        ("fell to -3 on Monday", [(-3.0, None, "-3", "number")]),
        ("fell to −3 on Monday", [(-3.0, None, "−3", "number")]),
        ("it fell by minus 3.5%", [(-3.5, "%", "minus 3.5%", "percent")]),
        # years
        ("in 2015", [(2015.0, None, "2015", "year")]),
        ("the 2016 election", [(2016.0, None, "2016", "year")]),
        ("In 2015 profits rose", [(2015.0, None, "2015", "year")]),
        ("by mid-2015", [(2015.0, None, "2015", "year")]),
        ("the 1990s", [(1990.0, None, "1990s", "year")]),
        ("killed 2000 people", [(2000.0, "people", "2000", "number")]),
        ("the 2,000 soldiers", [(2000.0, "soldier", "2,000", "number")]),
        ("about 1750 men", [(1750.0, "man", "1750", "number")]),
        # ordinals
        ("the 1st battalion", [(1.0, "battalion", "1st", "ordinal")]),
        ("the 21st century", [(21.0, "century", "21st", "ordinal")]),
        ("a second term", [(2.0, "term", "second", "ordinal")]),
        ("finished second.", [(2.0, None, "second", "ordinal")]),
        ("the twenty-first", [(21.0, None, "twenty-first", "ordinal")]),
        ("wait a second", []),
        ("one second later", [(1.0, "second", "one", "number")]),  # time, not 2nd
        # dates: value is the day, unit the month
        ("on 12 March", [(12.0, "march", "12 March", "date")]),
        ("March 12th", [(12.0, "march", "March 12th", "date")]),
        ("the 12th of March", [(12.0, "march", "12th of March", "date")]),
        (
            "on Jan. 6, 2021",
            [(6.0, "january", "Jan. 6", "date"), (2021.0, None, "2021", "year")],
        ),
        ("12 may be", [(12.0, None, "12", "number")]),
        # written-out numbers and "one"
        (
            "one hundred and forty-five drones",
            [(145.0, "drone", "one hundred and forty-five", "number")],
        ),
        ("a dozen eggs", [(12.0, "egg", "a dozen", "number")]),
        ("half a million refugees", [(500000.0, "refugee", "half a million", "number")]),
        ("one soldier died", [(1.0, "soldier", "one", "number")]),
        ("a one-year contract", [(1.0, "year", "one", "number")]),
        ("One of the soldiers", []),
        ("no one came", []),
        ("no-one came", []),
        ("someone came", []),
        ("one day he left", []),
        ("at one point", []),
        ("they love one another", []),
        ("an apple a day", []),
        ("hundreds of thousands fled", []),
        ("one in five", [(5.0, None, "five", "number")]),
        # digits glued to letters or digits are not quantities
        ("F-16 jets", []),
        ("COVID-19 deaths", []),
        ("Su-34 bombers", []),
        ("G7 leaders", []),
        ("3D printers", []),
        ("at 10:30", []),
        ("9/11", []),
        ("version 1.2.3", []),
    ],
)
def test_find_quantities(text: str, expected: list[tuple[float, str | None, str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10-15", [(10.0, None, "10", "number"), (15.0, None, "15", "number")]),
        ("10–15", [(10.0, None, "10", "number"), (15.0, None, "15", "number")]),
        ("10 -15", [(10.0, None, "10", "number"), (15.0, None, "15", "number")]),
        ("between 10 and 15", [(10.0, None, "10", "number"), (15.0, None, "15", "number")]),
        ("10 to 15", [(10.0, None, "10", "number"), (15.0, None, "15", "number")]),
        (
            "10-15 soldiers",
            [(10.0, "soldier", "10", "number"), (15.0, "soldier", "15", "number")],
        ),
        ("10-15% of voters", [(10.0, "%", "10", "percent"), (15.0, "%", "15%", "percent")]),
        ("$10-15m", [(10e6, "USD", "$10", "money"), (15e6, "USD", "15m", "money")]),
        ("€5bn-€6bn", [(5e9, "EUR", "€5bn", "money"), (6e9, "EUR", "€6bn", "money")]),
        (
            "2 to 3 million people",
            [(2e6, "people", "2", "number"), (3e6, "people", "3 million", "number")],
        ),
        (
            "between 10 and 15 million people",
            [(10e6, "people", "10", "number"), (15e6, "people", "15 million", "number")],
        ),
        (
            "between ten thousand and twenty thousand troops",
            [
                (10000.0, "troop", "ten thousand", "number"),
                (20000.0, "troop", "twenty thousand", "number"),
            ],
        ),
        # the first is not scaled up when it is the bigger number, or has its own marks
        (
            "rose from 500 to 1 million",
            [(500.0, None, "500", "number"), (1e6, None, "1 million", "number")],
        ),
        ("from $500 to $1m", [(500.0, "USD", "$500", "money"), (1e6, "USD", "$1m", "money")]),
        # "and" without "between" is no range
        (
            "killed 10 and wounded 15 soldiers",
            [(10.0, None, "10", "number"), (15.0, "soldier", "15", "number")],
        ),
    ],
)
def test_ranges(text: str, expected: list[tuple[float, str | None, str, str]]) -> None:
    assert _found(text) == expected


# --- find_quantities: phrasings the gold briefs use ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # scale word glued to the digits
        ("RBS lost £446million", [(446e6, "GBP", "£446million", "money")]),
        ("a £50billion bail-out", [(50e9, "GBP", "£50billion", "money")]),
        ("5thousand", [(5000.0, None, "5thousand", "number")]),
        ("2trillion yen", [(2e12, "JPY", "2trillion yen", "money")]),
        # pence: money in pounds
        ("the 175p-a-share offer", [(1.75, "GBP", "175p", "money")]),
        ("shares fell to 338.5p.", [(3.385, "GBP", "338.5p", "money")]),
        ("it costs 175 pence", [(1.75, "GBP", "175 pence", "money")]),
        ("fifty pence", [(0.5, "GBP", "fifty pence", "money")]),
        ("10-15p", [(0.1, "GBP", "10", "money"), (0.15, "GBP", "15p", "money")]),
        ("£1-50p", [(1.0, "GBP", "£1", "money"), (0.5, "GBP", "50p", "money")]),
        ("in 1080p video", []),  # a resolution, not pence
        ("£1.75p", []),
        # vulgar fractions, after digits or alone
        ("after 11½ hours", [(11.5, "hour", "11½", "number")]),
        ("2 ¾ miles", [(2.75, "mile", "2 ¾", "number")]),
        ("¼ of voters", [(0.25, None, "¼", "number")]),
        ("-½", [(-0.5, None, "-½", "number")]),
        ("1.5½", []),
        # thousands separated by a space, no-break space or thin space
        ("an average of 2 226 hours", [(2226.0, "hour", "2 226", "number")]),
        ("12\u2009000\u2009000 people", [(12e6, "people", "12\u2009000\u2009000", "number")]),
        ("£2\u00a0500 fine", [(2500.0, "GBP", "£2\u00a0500", "money")]),
        ("2 226.5", [(2226.5, None, "2 226.5", "number")]),
        # ... but not across a year, a leading zero, a date, mixed separators or 2 digits
        (
            "in 2015 300 people",
            [(2015.0, None, "2015", "year"), (300.0, "people", "300", "number")],
        ),
        ("0 300", [(0.0, None, "0", "number"), (300.0, None, "300", "number")]),
        (
            "May 5 300 people",
            [(5.0, "may", "May 5", "date"), (300.0, "people", "300", "number")],
        ),
        ("1 000\u2009000", [(1000.0, None, "1 000", "number"), (0.0, None, "000", "number")]),
        ("3 30 men", [(3.0, None, "3", "number"), (30.0, "man", "30", "number")]),
        # scores: the value is the score
        ("verdict: 9/10 overall", [(9.0, None, "9/10", "score")]),
        ("rated 4.5/5", [(4.5, None, "4.5/5", "score")]),
        ("87/100", [(87.0, None, "87/100", "score")]),
        ("on 5/10", []),  # a date
        ("11/10", []),  # more than the maximum: no score
        ("24/7", []),
        ("10/10/2015", []),
        # race times with decimal seconds
        ("Hamilton 1:35.782", [(95.782, "second", "1:35.782", "time")]),
        ("in 2:03:59.5", [(7439.5, "second", "2:03:59.5", "time")]),
        ("1:75.5", []),  # no 75th second
        ("at 10:30", []),  # a clock time
        # written fractions of hundredths and thousandths
        ("four-hundredths of a second", [(0.04, None, "four-hundredths", "number")]),
        ("seven thousandths of a second", [(0.007, None, "seven thousandths", "number")]),
        ("one hundredth of a second", [(0.01, None, "one hundredth", "number")]),
        ("a thousandth of a second", [(0.001, None, "a thousandth", "number")]),
        ("the hundredth anniversary", [(100.0, "anniversary", "hundredth", "ordinal")]),
    ],
)
def test_gold_phrasings(text: str, expected: list[tuple[float, str | None, str, str]]) -> None:
    found = _found(text)
    assert [(u, t, k) for _, u, t, k in found] == [(u, t, k) for _, u, t, k in expected]
    assert [v for v, *_ in found] == pytest.approx([v for v, *_ in expected], rel=1e-12)


def test_offsets_in_a_longer_text() -> None:
    text = (
        "On 12 March, officials said 1,234.5 tonnes – about 12.5 per cent – went to "
        "seventy-two towns; in 2015 the bill was £3bn, or US$4.1bn.\nTwenty-five people "
        "and one soldier died."
    )
    quantities = find_quantities(text)
    _check_spans(text, quantities)
    assert [q.text for q in quantities] == [
        "12 March",
        "1,234.5",
        "12.5 per cent",
        "seventy-two",
        "2015",
        "£3bn",
        "US$4.1bn",
        "Twenty-five",
        "one",
    ]
    assert [q.kind for q in quantities] == [
        "date",
        "number",
        "percent",
        "number",
        "year",
        "money",
        "money",
        "number",
        "number",
    ]
    assert quantities[6].value == 4.1e9


# --- normalize_unit, same_value, units_compatible ---------------------------------------


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("%", "%"),
        ("percent", "%"),
        ("Per  Cent", "%"),
        ("pct", "%"),
        ("percentage points", "pp"),
        ("percentage point", "pp"),
        ("pp", "pp"),
        ("$", "USD"),
        ("dollars", "USD"),
        ("Dollar", "USD"),
        ("usd", "USD"),
        ("US$", "USD"),
        ("US dollars", "USD"),
        ("£", "GBP"),
        ("pounds", "GBP"),
        ("GBP", "GBP"),
        ("sterling", "GBP"),
        ("pence", "GBP"),  # the parser gives pence in pounds: "175p" is 1.75 GBP
        ("€", "EUR"),
        ("euros", "EUR"),
        ("soldiers", "soldier"),
        ("Russian soldiers", "russian soldier"),
        ("  russian   soldiers ", "russian soldier"),
        ("men", "man"),
        ("servicemen", "serviceman"),
        ("people", "people"),
        ("casualties", "casualty"),
        ("drones", "drone"),
        ("hours", "hour"),
        ("taxes", "tax"),
        ("churches", "church"),
        ("crisis", "crisis"),
        ("virus", "virus"),
        ("species", "species"),
        ("children", "child"),
        ("troops.", "troop"),
    ],
)
def test_normalize_unit(unit: str | None, expected: str | None) -> None:
    assert normalize_unit(unit) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (70, 70, True),
        (70, 71, False),
        (700, 703, False),  # small integers are exact
        (2015, 2016, False),  # so are years
        (12.5, 12.5, True),
        (0.1 + 0.2, 0.3, True),
        (1.2e9, 1.203e9, True),  # within 0.5%
        (1.2e9, 1.21e9, False),
        (700000, 700000.0, True),
        (700000, 702000, True),
        (700000, 710000, False),
        (-3, 3, False),
        (0, 0.0, True),
    ],
)
def test_same_value(a: float, b: float, expected: bool) -> None:
    assert same_value(a, b) is expected
    assert same_value(b, a) is expected


def test_same_value_rel_tol() -> None:
    assert same_value(1e6, 1.02e6, rel_tol=0.05)
    assert not same_value(1e6, 1.02e6)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("soldier", "soldier", True),
        ("soldiers", "soldier", True),
        (None, "soldier", True),
        ("USD", None, True),
        (None, None, True),
        ("soldier", "Russian soldiers", True),
        ("russian soldier", "ukrainian soldiers", True),  # same head noun
        ("world leader", "leaders", True),
        ("soldier", "drone", False),
        ("USD", "dollars", True),
        ("$", "US$", True),
        ("USD", "GBP", False),
        ("USD", "soldier", False),
        ("%", "per cent", True),
        ("%", "soldier", False),
        ("%", "pp", False),
        ("%", "USD", False),
        ("march", "april", False),
    ],
)
def test_units_compatible(a: str | None, b: str | None, expected: bool) -> None:
    assert units_compatible(a, b) is expected
    assert units_compatible(b, a) is expected


# --- other scripts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # digits of other scripts are read as digits; ``text`` keeps the article's wording
        ("１２３", [(123.0, None, "１２３", "number")]),
        ("٣٤٥", [(345.0, None, "٣٤٥", "number")]),
        ("۳۴۵", [(345.0, None, "۳۴۵", "number")]),  # Persian
        ("१२३", [(123.0, None, "१२३", "number")]),  # Devanagari
        ("٣٤٥ شخصا", [(345.0, "شخصا", "٣٤٥", "number")]),
        ("١٬٢٣٤٫٥", [(1234.5, None, "١٬٢٣٤٫٥", "number")]),  # Arabic separators
        ("١٢٫٥٪", [(12.5, "%", "١٢٫٥٪", "percent")]),
        ("１２％増", [(12.0, "%", "１２％", "percent")]),
        ("１２ million", [(12_000_000.0, None, "１２ million", "number")]),
        # CJK characters end a number as a space would, and name no unit
        ("死者は１２３人に上った。", [(123.0, None, "１２３", "number")]),
        ("中国有１２３名士兵", [(123.0, None, "１２３", "number")]),
        (
            "被害は１２３，４５６人",
            [(123.0, None, "１２３", "number"), (456.0, None, "４５６", "number")],
        ),
        ("사망자 123명", [(123.0, None, "123", "number")]),
        # CJK scales
        ("３万人", [(30_000.0, None, "３万", "number")]),
        ("約1億2000万円", [(120_000_000.0, None, "1億2000万", "number")]),
        ("2万3千人", [(23_000.0, None, "2万3千", "number")]),
        ("1万5000人", [(15_000.0, None, "1万5000", "number")]),
        ("３千万人", [(30_000_000.0, None, "３千万", "number")]),
        ("3兆円", [(3e12, None, "3兆", "number")]),
        ("千葉県で5人", [(5.0, None, "5", "number")]),  # 千 alone is no scale
        ("3万 2万", [(30_000.0, None, "3万", "number"), (20_000.0, None, "2万", "number")]),
        ("3万5万", [(30_000.0, None, "3万", "number")]),  # scales must fall: not 80,000
        # Korean scales are parts of words too: a number before one is left out, not misread
        ("3만명", []),
        # years and dates
        ("2024年に", [(2024.0, None, "2024", "year")]),
        ("3月12日", [(12.0, "march", "3月12日", "date")]),
        ("１２月", [(12.0, "december", "１２月", "date")]),
        ("3월 12일", [(12.0, "march", "3월 12일", "date")]),
        ("13月", [(13.0, None, "13", "number")]),  # no such month
    ],
)
def test_find_quantities_in_other_scripts(
    text: str, expected: list[tuple[float, str | None, str, str]]
) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "value"), [("１２３", 123), ("٣٤٥", 345), ("۱۲۳", 123), ("３万", 30_000)]
)
def test_parse_number_reads_other_digits(text: str, value: float) -> None:
    assert parse_number(text) == value


# --- properties -------------------------------------------------------------------------

_FRAGMENTS = [
    *str.split("one two twenty-five hundred thousand million half a an and of the minus"),
    *str.split("first second soldiers men March May per cent percent dollars pounds"),
    *str.split("1 12 2015 700,000 1,234.5 3.5 0 $ £ € US$ % m bn k st th"),
    *str.split("½ ¾ p pence million 2\u2009226 9/10 1:35.782 hundredths"),
    *(" ", "  ", "\n", "-", "–", "−", ":", "/", ".", ",", "(", ")", "'s", "é", "İ", "٣"),
    *("１２", "٬", "٫", "٪", "％", "人", "万", "億", "千", "月", "日", "만", "명", "。"),
]


def _check_roundtrip(n: int) -> None:
    assert parse_number(f"{n:,}") == n


def _check_any_text(text: str) -> None:
    _check_spans(text, find_quantities(text))
    parse_number(text)  # never raises


def test_thousands_roundtrip_seeded() -> None:
    rng = random.Random(20240601)
    for n in [
        0,
        1,
        -1,
        999,
        1000,
        -1000,
        1800,
        2100,
        10**15,
        *(rng.randint(-(10**12), 10**12) for _ in range(300)),
    ]:
        _check_roundtrip(n)


def test_offsets_on_random_texts_seeded() -> None:
    rng = random.Random(7)
    for _ in range(1500):
        _check_any_text("".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, 14))))


def test_thousands_roundtrip_hypothesis() -> None:
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=100, deadline=None)
    @given(st.integers(min_value=-(10**15), max_value=10**15))
    def check(n: int) -> None:
        _check_roundtrip(n)

    check()


def test_offsets_hypothesis() -> None:
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    texts = st.one_of(
        st.text(max_size=60),
        st.lists(st.sampled_from(_FRAGMENTS), max_size=14).map("".join),
    )

    @settings(max_examples=150, deadline=None)
    @given(texts)
    def check(text: str) -> None:
        _check_any_text(text)

    check()


@pytest.mark.parametrize(
    ("text", "counts", "unit"),
    [
        ("700,000 Kremlin soldiers have died", "Kremlin soldiers", "kremlin soldier"),
        ("5mln people fled", "people", "people"),
        ("145 drones, mostly Iranian", "drones", "drone"),
        ("70 world leaders after the vote", "world leaders", "world leader"),
        ("10,000 of them", None, None),
        ("a 323-page report", "page", "page"),
        ("a 24-year-old man", "years", "year"),
        ("a 21km run", "km", "km"),
        ("two Northumbria officers", "Northumbria officers", "northumbria officer"),
        ("£3bn", "GBP", "GBP"),
        ("12.5 per cent", "%", "%"),
        ("rated 9/10", "points", None),
        ("in 1:35.782", "seconds", "second"),
        ("5 said", None, None),
        ("17 US states", "US states", "us state"),
    ],
)
def test_a_quantity_says_what_it_counts_once(
    text: str, counts: str | None, unit: str | None
) -> None:
    (quantity,) = find_quantities(text)
    assert (quantity.counts, quantity.unit) == (counts, unit)


def test_a_range_shares_its_unit_but_counts_only_what_follows_each_number() -> None:
    first, second = find_quantities("2 to 3 million people")
    assert (first.unit, second.unit) == ("people", "people")
    assert (first.counts, second.counts) == (None, "people")


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("$10-15 tickets", ["USD", "USD"]),
        ("10-15% of voters", ["%", "%"]),
        ("10-15 tickets", [None, "tickets"]),
    ],
)
def test_a_range_that_becomes_money_or_percent_counts_its_currency(
    text: str, counts: list[str | None]
) -> None:
    assert [q.counts for q in find_quantities(text)] == counts
