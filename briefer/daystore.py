"""The day folder on disk: atomic writes, the day lock, story files, article texts, the digest.

``<out>/<YYYY-MM-DD>/`` holds::

    stories/<story-id>.json   one finished ``Story``, written atomically the moment its brief
                              is done; this folder *is* the resume state
    articles/<article-id>.json  the text each finished story was briefed from, so a story
                              that gains a new text later can be briefed again from all of them
    digest.json, .md, .html   the digest (rebuilt at the end of every run)

A story file that cannot be read is set aside (``<id>.json.corrupt``) rather than
silently overwritten or ignored again on every run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from briefer.articles import Article
from briefer.daymodels import Digest, Story, with_links
from briefer.digestrender import digest_html, digest_markdown
from briefer.errors import InputError

STORIES_DIR = "stories"
ARTICLES_DIR = "articles"
SET_ASIDE_SUFFIX = ".corrupt"


def write_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: all or nothing.

    ``durable`` also syncs the data to disk first, so a power cut cannot leave an empty file
    behind the new name; files that every run rebuilds skip that cost.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the digest from a web server
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def os_reason(error: OSError) -> str:
    """``"Permission denied"``: the one-line part of an ``OSError`` worth showing."""
    return error.strerror or type(error).__name__


def open_day_folder(out: Path, day_dir: Path) -> None:
    """Create ``day_dir`` and prove it writable, or InputError (exit 2) before any work."""
    try:
        for folder in (day_dir, day_dir / STORIES_DIR):
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
            os.close(fd)
            os.unlink(probe)
    except OSError as error:
        raise InputError(
            f"{out}: cannot write the day's briefings there ({os_reason(error)}); give --out "
            "(or [daily] out in briefer.toml) a folder you can write to"
        ) from None


@contextlib.contextmanager
def day_lock(day_dir: Path, name: str) -> Iterator[None]:
    """One ``briefer daily`` (or one Slack post) per day folder at a time."""
    day_dir.mkdir(parents=True, exist_ok=True)
    with open(day_dir / f".{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                f"{day_dir}: another briefer {name} run is using this folder; wait for it"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- stories ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAside:
    """A story file that could not be read, and where it was moved."""

    story_id: str
    path: Path
    reason: str


@dataclass
class DayState:
    stories: dict[str, Story] = field(default_factory=dict)
    set_aside: list[SetAside] = field(default_factory=list)


def recover_stories(day_dir: Path) -> DayState:
    """The finished stories; each unreadable story file is set aside and named once."""
    state = DayState()
    for path in _story_files(day_dir):
        try:
            story = Story.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as error:
            state.set_aside.append(_set_aside(path, error))
            continue
        state.stories[story.id] = story
    kept = _without_superseded(state.stories)
    for story_id in state.stories.keys() - kept.keys():
        remove_story(day_dir, story_id)
    state.stories = kept
    return state


def save_story(day_dir: Path, story: Story) -> Story:
    """Write ``story``; a brief already on disk for the same id is kept, only sources are added."""
    path = day_dir / STORIES_DIR / f"{story.id}.json"
    existing = _read_story(path)
    if existing is not None:
        story = with_links(existing, story.sources)
    write_atomic(path, story.model_dump_json(indent=2) + "\n")
    return story


def remove_story(day_dir: Path, story_id: str) -> None:
    with contextlib.suppress(OSError):
        (day_dir / STORIES_DIR / f"{story_id}.json").unlink()


def _story_files(day_dir: Path) -> list[Path]:
    return sorted((day_dir / STORIES_DIR).glob("*.json"))


def _read_story(path: Path) -> Story | None:
    try:
        return Story.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def _set_aside(path: Path, error: Exception) -> SetAside:
    reason = os_reason(error) if isinstance(error, OSError) else "not a valid story file"
    target = path.with_name(path.name + SET_ASIDE_SUFFIX)
    try:
        os.replace(path, target)
    except OSError:
        target = path  # cannot move it: it is briefed again and overwritten
    return SetAside(path.stem, target, reason)


def _without_superseded(stories: dict[str, Story]) -> dict[str, Story]:
    """Drop every story whose articles are all part of a bigger story.

    A story briefed again with a late article gets a new id; the old file is removed once
    the new one is written, and this covers a run that stopped between the two.
    """
    articles = {sid: {link.article_id for link in s.sources} for sid, s in stories.items()}
    return {
        sid: story
        for sid, story in stories.items()
        if not any(articles[sid] < other for oid, other in articles.items() if oid != sid)
    }


# -- article texts ----------------------------------------------------------------------------


def save_articles(day_dir: Path, articles: Iterable[Article]) -> None:
    """Keep the texts a story was briefed from (best effort: without them a story that gains
    a new text is briefed on its own instead of from all of them)."""
    for article in articles:
        path = day_dir / ARTICLES_DIR / f"{article.id}.json"
        if path.exists():
            continue
        with contextlib.suppress(OSError):
            write_atomic(path, article.model_dump_json() + "\n", durable=False)


def load_article(day_dir: Path, article_id: str) -> Article | None:
    try:
        article = Article.model_validate_json(
            (day_dir / ARTICLES_DIR / f"{article_id}.json").read_bytes()
        )
    except (OSError, ValidationError):
        return None
    return article if article.id == article_id else None


# -- the digest -------------------------------------------------------------------------------


def write_digest(day_dir: Path, digest: Digest) -> None:
    """The three digest files; not synced, as they are rebuilt from ``stories/`` every run."""
    try:
        write_atomic(day_dir / "digest.md", digest_markdown(digest), durable=False)
        write_atomic(day_dir / "digest.html", digest_html(digest), durable=False)
        write_atomic(
            day_dir / "digest.json", digest.model_dump_json(indent=2) + "\n", durable=False
        )
    except OSError as error:
        raise InputError(
            f"{day_dir}: could not write the digest ({os_reason(error)}); free some disk space "
            "or fix the folder's permissions, then run the day again (finished stories are kept)"
        ) from None


def load_digest(day_dir: str | Path) -> Digest:
    """The digest a ``briefer daily`` run wrote to ``day_dir`` (``briefings/YYYY-MM-DD``)."""
    path = Path(day_dir) / "digest.json"
    try:
        return Digest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InputError(
            f"{day_dir}: no digest.json; run briefer daily for that day first"
        ) from None
    except (OSError, ValidationError) as error:
        raise InputError(
            f"{path}: not a readable digest ({type(error).__name__}); run briefer daily again"
        ) from error


__all__ = [
    "ARTICLES_DIR",
    "STORIES_DIR",
    "DayState",
    "SetAside",
    "day_lock",
    "load_article",
    "load_digest",
    "open_day_folder",
    "recover_stories",
    "remove_story",
    "save_articles",
    "save_story",
    "write_atomic",
    "write_digest",
]
