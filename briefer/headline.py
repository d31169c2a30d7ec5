"""Title and summary, checked like every other field of a brief.

:func:`check_headline` lists what the title or summary states that the article does not:

* a **name**: a run of capitalised words (titles dropped) the article does not name
  (``briefer.names``: :meth:`~briefer.article_index.ArticleIndex.mentions_name`, then
  acronyms, nationalities and capitals word by word).
* a **number**: a quantity (``briefer.quantities``; ordinals aside) whose value the article
  never states with a compatible kind (a percentage as a percentage, money in the same
  currency: :func:`briefer.grounding.kind_matches`, as grounding matches numbers).
* a **role**: a place qualifier and a title attached to a name ("Ukraine's
  President-elect Donald Trump", "Russian President Vladimir Putin") that the article
  never attaches to that name: no mention of it has both the qualifier and the title
  right before it or in an apposition after it ("Donald Trump, the US president-elect,"),
  and the article's own "<qualifier> <title>" phrases, if any, name someone else.

Conservative by design: what it cannot read (a possessive of a person, a title without a
qualifier) it does not check. :func:`lead_headline` is the fallback the pipeline uses when
a title or summary stays unsupported: the article's first sentence and first two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from briefer.article_index import ArticleIndex, index_of
from briefer.grounding import kind_matches
from briefer.names import (
    ACRONYM,
    ACRONYM_SKIP,
    NATIONALITY,
    NOT_NAMES,
    Word,
    capitalised_runs,
    is_name_word,
    is_title,
    is_title_case,
    name_found,
    names_in,
    sentences_of,
    words_of,
)
from briefer.quantities import Quantity, find_quantities, same_value
from briefer.schema import HeadlineProblem
from briefer.vocabulary import TITLES, cut_at_word, name_key, name_tokens

# Qualifiers of one country that share no stem.
_SAME_PLACE = (
    frozenset({"us", "usa", "america", "american", "washington"}),
    frozenset({"uk", "britain", "british", "england", "english"}),
)

__all__ = ["check_headline", "cut_at_word", "lead_headline", "problem_line"]

TITLE_CHARS = 100  # CitedDraft.title
SUMMARY_CHARS = 300  # CitedDraft.summary

# --- numbers ----------------------------------------------------------------------------


def _unit_of(quantity: Quantity) -> str | None:
    """The unit grounding's kind check reads: "%" or the currency code, else none."""
    if quantity.kind == "percent":
        return "%"
    return quantity.unit if quantity.kind == "money" else None


def number_stated(quantity: Quantity, index: ArticleIndex) -> bool:
    """The article states this value with a compatible kind (sign aside), or its wording."""
    unit = _unit_of(quantity)
    for located in index.quantities:
        value = located.quantity.value
        same = same_value(value, quantity.value) or same_value(abs(value), abs(quantity.value))
        if same and kind_matches(unit, located.quantity):
            return True
    return index.contains_span(quantity.text) or _a_sum_stated(quantity, index)


def _a_sum_stated(quantity: Quantity, index: ArticleIndex) -> bool:
    """A count the article gives in two parts in one sentence ("three Sun journalists and
    one former Mirror reporter" are four)."""
    if quantity.kind != "number":
        return False
    by_sentence: dict[int, list[float]] = {}
    for located in index.quantities:
        if located.quantity.kind == "number":
            by_sentence.setdefault(located.sentence.id, []).append(located.quantity.value)
    return any(
        same_value(a + b, quantity.value)
        for values in by_sentence.values()
        for i, a in enumerate(values)
        for b in values[i + 1 :]
    )


# --- roles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Role:
    qualifier: str  # "Ukraine", "Russian", "US"
    title: tuple[str, ...]  # the title's tokens: ("president", "elect")
    name: str
    phrase: str  # as written: "Ukraine's President-elect Donald Trump"


def _place_key(word: str) -> str:
    return word.replace(".", "").lower()


def _is_place_like(word: Word) -> bool:
    """A qualifier of a country or a body: a nationality, an acronym, a possessive name."""
    if ACRONYM.fullmatch(word.text) or NATIONALITY.fullmatch(word.text):
        return True
    return (
        word.capital
        and word.possessive
        and word.text.lower() not in NOT_NAMES
        and not (is_title(word))
    )


def roles_in(text: str) -> list[_Role]:
    """``<qualifier> [one or two words] <title...> <Name>`` phrases, joined by spaces."""
    title_case = is_title_case(text)
    roles: list[_Role] = []
    for words in sentences_of(text):
        for i, word in enumerate(words):
            if not _is_place_like(word) or word.broken_after:
                continue
            role = _role_after(words, i, title_case)
            if role is not None:
                roles.append(role)
    return roles


def _role_after(words: Sequence[Word], start: int, title_case: bool) -> _Role | None:
    j = start + 1
    skipped = 0
    while j < len(words) and not is_title(words[j]) and skipped < 2:
        if not words[j].joined or words[j].possessive or words[j].broken_after:
            return None
        j, skipped = j + 1, skipped + 1
    titles: list[str] = []
    while j < len(words) and is_title(words[j]) and words[j].joined:
        titles.extend(name_tokens(words[j].text))
        if words[j].broken_after:
            return None
        j += 1
    name: list[str] = []
    last = j
    while j < len(words) and words[j].joined and is_name_word(words[j], title_case):
        name.append(words[j].text)
        last = j
        if words[j].broken_after or words[j].possessive:
            break
        j += 1
    if not titles or not name:
        return None
    phrase = " ".join(w.raw for w in words[start : last + 1]).rstrip(".,;:")
    return _Role(words[start].text, tuple(titles), " ".join(name), phrase)


def _same_place(a: str, b: str) -> bool:
    a, b = _place_key(a), _place_key(b)
    if a == b or any(a in group and b in group for group in _SAME_PLACE):
        return True
    return len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4]


def _windows(index: ArticleIndex, surname: str) -> Iterator[list[Word]]:
    """Per mention of ``surname``: the words of its phrase before it and of an apposition."""
    for sentence in index.sentences:
        words = words_of(sentence.text)
        for i, word in enumerate(words):
            if surname not in name_tokens(word.text):
                continue
            before: list[Word] = []
            k = i - 1
            while k >= 0 and len(before) < 8 and not words[k].broken_after:
                before.append(words[k])
                k -= 1
            after: list[Word] = []
            if word.broken_after:  # "Trump, the US president-elect, said"
                k = i + 1
                while k < len(words) and len(after) < 8:
                    after.append(words[k])
                    if words[k].broken_after:
                        break
                    k += 1
            yield before + after


def _has_role(window: Sequence[Word], role: _Role) -> bool:
    tokens = {token for word in window for token in name_tokens(word.text)}
    place = any(_same_place(word.text, role.qualifier) for word in window)
    return place and all(t in tokens for t in role.title)


def role_stated(role: _Role, index: ArticleIndex) -> bool:
    """Some mention of the name carries the role; or the article writes the role only as an
    alias ("the US president-elect said"), attached to no other name; or the qualifier is
    a person there ("Putin's spokesman": "Vladimir Putin"), which this check cannot read."""
    key = [t for t in name_key(role.name) if t not in TITLES]
    if not key or _is_person(role.qualifier, index):
        return True
    if any(_has_role(window, role) for window in _windows(index, key[-1])):
        return True
    attached = [
        other
        for other in roles_in(index.text)
        if _same_place(other.qualifier, role.qualifier) and other.title == role.title
    ]
    return not attached and _title_near(index, role)


_PLACE_PREFIXES = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "new",
        "central",
        "united",
    ]
)


def _is_person(qualifier: str, index: ArticleIndex) -> bool:
    """The article writes the qualifier as the surname of a longer name ("Vladimir Putin")."""
    last = name_tokens(qualifier)
    return bool(last) and any(
        len(run) >= 2
        and run[-1] == last[-1]
        and run[-2] not in _PLACE_PREFIXES | TITLES | ACRONYM_SKIP
        for run in capitalised_runs(index.text)
    )


def _title_near(index: ArticleIndex, role: _Role) -> bool:
    """The article writes the qualifier right before the title somewhere ("US president-elect")."""
    for sentence in index.sentences:
        words = words_of(sentence.text)
        for i, word in enumerate(words):
            if not _same_place(word.text, role.qualifier):
                continue
            following = {t for w in words[i + 1 : i + 4] for t in name_tokens(w.text)}
            if all(t in following for t in role.title):
                return True
    return False


# --- the check --------------------------------------------------------------------------


# "Ukraine's President-elect": a possessive name and a title, with or without a name after.
_POSSESSIVE_TITLE = re.compile(r"\b([A-Z][\w-]+)['’]s\s+([A-Za-z][\w-]*)")


def possessive_titles(text: str, index: ArticleIndex) -> list[str]:
    """``X's <title>`` phrases the article writes neither so nor as ``<title> of X``: the
    title given to the wrong body ("Ukraine's President-elect" of the US president-elect)."""
    unstated = []
    for match in _POSSESSIVE_TITLE.finditer(text):
        owner, title = match.group(1), match.group(2)
        if title.lower() not in TITLES or owner.lower() in TITLES:
            continue
        said = (
            f"{owner}'s {title}",
            f"{owner}’s {title}",
            f"{title} of {owner}",
            f"{title} of the {owner}",
        )
        if not any(index.contains_span(form) for form in said):
            unstated.append(match.group(0))
    return unstated


def _field_problems(field: str, text: str, index: ArticleIndex) -> list[HeadlineProblem]:
    problems = [
        HeadlineProblem(
            field=field,
            kind="name",
            text=name,
            message=f"names {name!r}, which the article does not mention",
        )
        for name in names_in(text)
        if not name_found(name, index)
    ]
    problems += [
        HeadlineProblem(
            field=field,
            kind="number",
            text=q.text,
            message=f"states {q.text!r}, a number the article does not state",
        )
        for q in find_quantities(text)
        if q.kind != "ordinal" and not number_stated(q, index)
    ]
    problems += [
        HeadlineProblem(
            field=field,
            kind="role",
            text=role.phrase,
            message=f"says {role.phrase!r}, a role the article does not give {role.name}",
        )
        for role in roles_in(text)
        if name_found(role.name, index) and not role_stated(role, index)
    ]
    named_roles = [p.text for p in problems if p.kind == "role"]
    problems += [
        HeadlineProblem(
            field=field,
            kind="role",
            text=phrase,
            message=f"says {phrase!r}, a title the article does not give",
        )
        for phrase in possessive_titles(text, index)
        if not any(role.startswith(phrase) for role in named_roles)
    ]
    return problems


def check_headline(title: str, summary: str, text: str) -> list[HeadlineProblem]:
    """What ``title`` and ``summary`` state that the article ``text`` does not (see the
    module docstring); empty when both are supported."""
    index = index_of(text)
    return [*_field_problems("title", title, index), *_field_problems("summary", summary, index)]


def problem_line(problems: Sequence[HeadlineProblem]) -> str:
    """The problems in one line, as a re-ask shows them."""
    return "; ".join(f"the {p.field} {p.message}" for p in problems) + "."


# --- the fallback -----------------------------------------------------------------------


def lead_headline(
    text: str, *, title_chars: int = TITLE_CHARS, summary_chars: int = SUMMARY_CHARS
) -> tuple[str, str]:
    """The lead's title and summary: the article's first sentence and its first two."""
    sentences = index_of(text).sentences
    title = cut_at_word(sentences[0].text, title_chars) if sentences else ""
    summary = cut_at_word(" ".join(s.text for s in sentences[:2]), summary_chars)
    return title, summary
