"""``daystore``'s promises: the day lock (a second ``daily``, or a second ``slack post``, of
the same day exits 2 with its one line, and runs again once the lock is gone), a finished
brief never replaced by ``save_story``, the resume state (unreadable files set aside and
named, superseded ones dropped), atomic writes, stored texts, and the digest's errors."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from briefer import daystore
from briefer.articles import make_article
from briefer.cli import cli
from briefer.daymodels import Digest, SourceLink, Story
from briefer.daystore import (
    day_lock,
    load_article,
    load_digest,
    open_day_folder,
    os_reason,
    recover_stories,
    remove_story,
    save_articles,
    save_story,
    write_atomic,
    write_digest,
)
from briefer.errors import InputError
from tests.briefs import empty_brief
from tests.dailyrun import TODAY, articles_folder, daily, titles
from tests.fakes import FakeOpenAI, FakeSlack
from tests.test_daily import Model


def link(key: str, article_id: str | None = None) -> SourceLink:
    return SourceLink(key=key, article_id=article_id or key)


def story(story_id: str, title: str, *keys: str) -> Story:
    return Story(
        id=story_id,
        importance=3.0 * len(keys),
        sources=[link(k) for k in keys],
        brief=empty_brief(title),
        briefed_at="2026-05-04T07:00:00+00:00",
    )


class Recorded:
    """The fsyncs and the temporary files of the writes under test."""

    def __init__(self) -> None:
        self.synced = 0
        self.temporaries: list[Path] = []


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    record = Recorded()
    real_fsync, real_mkstemp = os.fsync, tempfile.mkstemp

    def fsync(fd: int) -> None:
        record.synced += 1
        real_fsync(fd)

    def mkstemp(**kwargs: Any) -> tuple[int, str]:
        fd, name = real_mkstemp(**kwargs)
        record.temporaries.append(Path(name))
        return fd, name

    monkeypatch.setattr(daystore.os, "fsync", fsync)
    monkeypatch.setattr(daystore.tempfile, "mkstemp", mkstemp)
    return record


# -- the day lock, through the CLI ------------------------------------------------------------


def test_a_second_daily_of_a_locked_day_exits_2_and_does_nothing(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = articles_folder(tmp_path), tmp_path / "out"
    day = out / TODAY
    with day_lock(day, "daily"):
        refused = daily([str(folder)], fake_openai, config, out)
        other_day = CliRunner().invoke(
            cli,
            [
                "daily",
                str(folder),
                "--out",
                str(out),
                "--date",
                "2026-05-04",
                "--config",
                str(config),
            ],
            env={"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "sk-test"},
        )
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.splitlines() == [
        f"briefer: error: {day}: another briefer daily run is using this folder; wait for it"
    ]
    assert not (day / "digest.json").exists() and not list((day / "stories").glob("*"))
    assert other_day.exit_code == 0, other_day.output  # another day's folder is not locked
    assert fake_openai.calls == 1
    again = daily([str(folder)], fake_openai, config, out)  # the lock went with its holder
    assert again.exit_code == 0, again.output
    assert titles(out) == ["Library reopens"]


def test_a_second_slack_post_of_a_locked_day_exits_2_and_posts_nothing(
    fake_openai: FakeOpenAI, model: Model, fake_slack: FakeSlack, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert daily([str(articles_folder(tmp_path))], fake_openai, config, out).exit_code == 0
    day = out / TODAY
    env = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    with day_lock(day, "daily"):  # a daily run does not keep the day from being posted
        posted = CliRunner().invoke(cli, ["slack", "post", str(day)], env=env)
    assert posted.exit_code == 0, posted.output
    count = len(fake_slack.posts)
    (day / "slack-ledger.json").unlink()  # so the next post has something to send
    with day_lock(day, "slack"):
        refused = CliRunner().invoke(cli, ["slack", "post", str(day)], env=env)
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.splitlines() == [
        f"briefer: error: {day}: another briefer slack run is using this folder; wait for it"
    ]
    assert len(fake_slack.posts) == count and not (day / "slack-ledger.json").exists()
    again = CliRunner().invoke(cli, ["slack", "post", str(day)], env=env)
    assert again.exit_code == 0, again.output
    assert len(fake_slack.posts) == 2 * count


def test_the_lock_is_a_file_in_the_day_folder_released_on_error(tmp_path: Path) -> None:
    day = tmp_path / "new" / TODAY  # created by the lock
    with pytest.raises(RuntimeError), day_lock(day, "daily"):
        assert (day / ".daily.lock").is_file()
        raise RuntimeError
    refused = pytest.raises(InputError, match="another briefer slack run")
    with day_lock(day, "daily"), day_lock(day, "slack"), refused, day_lock(day, "slack"):
        pass  # free again (names are separate locks), and a held lock refuses


# -- stories: a finished brief is kept --------------------------------------------------------


def test_save_story_never_replaces_a_finished_brief(tmp_path: Path) -> None:
    first = save_story(tmp_path, story("s1", "Finished", "url:a"))
    assert first == story("s1", "Finished", "url:a")
    later = save_story(tmp_path, story("s1", "A second brief", "url:a", "url:b"))
    on_disk = Story.model_validate_json((tmp_path / "stories" / "s1.json").read_bytes())
    assert later == on_disk
    assert on_disk.brief.title == "Finished"
    assert [s.key for s in on_disk.sources] == ["url:a", "url:b"]
    assert on_disk.importance == 6.0
    text = (tmp_path / "stories" / "s1.json").read_text()
    assert text.endswith("}\n") and text.startswith('{\n  "id": "s1"')  # indented, one line end


def test_recover_stories_sets_aside_unreadable_files_and_drops_superseded(tmp_path: Path) -> None:
    save_story(tmp_path, story("old", "Morning", "url:a"))
    save_story(tmp_path, story("new", "Evening", "url:a", "url:b"))
    save_story(tmp_path, story("other", "Other", "url:c"))
    stories = tmp_path / "stories"
    (stories / "bad.json").write_text('{"id": "trunc')
    (stories / "notes.txt").write_text("not a story file")

    state = recover_stories(tmp_path)
    assert sorted(state.stories) == ["new", "other"]
    assert [(a.story_id, a.path.name, a.reason) for a in state.set_aside] == [
        ("bad", "bad.json.corrupt", "not a valid story file")
    ]
    assert sorted(p.name for p in stories.iterdir()) == [
        "bad.json.corrupt",
        "new.json",
        "notes.txt",
        "other.json",
    ]
    again = recover_stories(tmp_path)
    assert again.set_aside == [] and sorted(again.stories) == ["new", "other"]
    assert recover_stories(tmp_path / "nowhere").stories == {}


def test_a_story_that_shares_articles_without_being_part_of_another_is_kept(
    tmp_path: Path,
) -> None:
    save_story(tmp_path, story("a", "A", "url:1", "url:2"))
    save_story(tmp_path, story("b", "B", "url:2", "url:3"))
    save_story(tmp_path, story("c", "C", "url:1", "url:2"))  # the same set: not a subset
    assert sorted(recover_stories(tmp_path).stories) == ["a", "b", "c"]


def test_a_story_file_that_cannot_be_moved_aside_is_named_where_it_is(tmp_path: Path) -> None:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "bad.json").write_text("[]")
    (stories / "bad.json.corrupt").mkdir()  # taken, by a folder that is not empty
    (stories / "bad.json.corrupt" / "x").write_text("x")
    (aside,) = recover_stories(tmp_path).set_aside
    assert (aside.path, aside.reason) == (stories / "bad.json", "not a valid story file")


def test_an_unreadable_story_file_names_its_os_reason(tmp_path: Path) -> None:
    (tmp_path / "stories" / "dir.json").mkdir(parents=True)  # reading it: IsADirectoryError
    state = recover_stories(tmp_path)
    assert [(a.story_id, a.path.name, a.reason) for a in state.set_aside] == [
        ("dir", "dir.json.corrupt", "Is a directory")
    ]


def test_remove_story_is_quiet_when_the_file_is_gone(tmp_path: Path) -> None:
    save_story(tmp_path, story("s", "S", "url:a"))
    remove_story(tmp_path, "s")
    remove_story(tmp_path, "s")
    assert not (tmp_path / "stories" / "s.json").exists()


# -- atomic writes, stored texts --------------------------------------------------------------


@pytest.mark.parametrize("durable", [True, False])
def test_write_atomic_leaves_the_whole_file_readable_and_no_temporary(
    tmp_path: Path, durable: bool, recorded: Recorded
) -> None:
    path = tmp_path / "deep" / "er" / "digest.md"
    write_atomic(path, "first", durable=durable)
    write_atomic(path, "second ✓", durable=durable)
    assert path.read_text(encoding="utf-8") == "second ✓"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.listdir(path.parent) == ["digest.md"]
    assert [t.parent for t in recorded.temporaries] == [path.parent] * 2  # atomic os.replace
    # one left by a power cut is hidden, names its file and is never read as one
    assert all(
        t.name.startswith(".digest.md.") and t.name.endswith(".tmp") for t in recorded.temporaries
    )
    assert recorded.synced == (2 if durable else 0)
    write_atomic(path, "third")  # durable unless told otherwise
    assert recorded.synced == (3 if durable else 1)


def test_stories_are_synced_and_texts_and_digests_are_not(
    tmp_path: Path, recorded: Recorded
) -> None:
    save_story(tmp_path, story("s", "S", "url:a"))
    assert recorded.synced == 1
    save_articles(tmp_path, [make_article("The council met.", label="a")])
    write_digest(tmp_path / "day", digest())
    assert recorded.synced == 1


def test_a_failed_atomic_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "day" / "digest.md"
    write_atomic(path, "old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "half \udc80 written")
    assert path.read_text() == "old" and os.listdir(path.parent) == ["digest.md"]


def test_stored_texts_are_written_once_and_read_back_by_id(tmp_path: Path) -> None:
    article = make_article("The council met on Monday.", label="a", title="Council")
    save_articles(tmp_path, [article])
    path = tmp_path / "articles" / f"{article.id}.json"
    assert load_article(tmp_path, article.id) == article
    path.write_text(article.model_copy(update={"title": "Kept"}).model_dump_json())
    save_articles(tmp_path, [article])  # already there: not written again
    assert load_article(tmp_path, article.id) == article.model_copy(update={"title": "Kept"})
    assert load_article(tmp_path, "0" * 16) is None
    (tmp_path / "articles" / f"{'1' * 16}.json").write_text(article.model_dump_json())
    assert load_article(tmp_path, "1" * 16) is None  # the file names another article
    path.write_text("{")
    assert load_article(tmp_path, article.id) is None
    other = make_article("The mayor spoke on Tuesday.", label="b")
    save_articles(tmp_path, [article, other])  # one already there: the next still written
    assert load_article(tmp_path, other.id) == other


def test_a_text_that_cannot_be_stored_is_skipped_quietly(tmp_path: Path) -> None:
    (tmp_path / "articles").write_text("a file where the folder should be")
    save_articles(tmp_path, [make_article("The council met.", label="a")])
    assert (tmp_path / "articles").read_text() == "a file where the folder should be"


# -- the day folder and the digest ------------------------------------------------------------


def test_an_unwritable_day_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "briefings"
    with pytest.raises(InputError) as raised:
        open_day_folder(out, out / TODAY)
    assert raised.value.message == (
        f"{out}: cannot write the day's briefings there (Not a directory); give --out "
        "(or [daily] out in briefer.toml) a folder you can write to"
    )


def test_the_day_folder_is_proved_writable_by_a_file_in_it(
    tmp_path: Path, recorded: Recorded
) -> None:
    open_day_folder(tmp_path / "ok", tmp_path / "ok" / TODAY)
    assert [t.parent for t in recorded.temporaries] == [
        tmp_path / "ok" / TODAY,
        tmp_path / "ok" / TODAY / "stories",
    ]
    assert all(
        t.name.startswith(".write-check.") and t.name.endswith(".tmp") for t in recorded.temporaries
    )
    assert os.listdir(tmp_path / "ok" / TODAY) == ["stories"]
    assert os.listdir(tmp_path / "ok" / TODAY / "stories") == []


def digest() -> Digest:
    return Digest.model_validate(
        {"date": TODAY, "generated_at": "now", "stories": [], "failures": [], "stats": {}}
    )


def test_the_digest_is_written_and_read_back(tmp_path: Path) -> None:
    tmp_path = tmp_path / "day"
    write_digest(tmp_path, digest())
    assert sorted(os.listdir(tmp_path)) == ["digest.html", "digest.json", "digest.md"]
    assert load_digest(tmp_path) == digest() == load_digest(str(tmp_path))
    assert (tmp_path / "digest.json").read_text().endswith("}\n")
    assert (tmp_path / "digest.json").read_text().startswith('{\n  "schema_version"')
    assert json.loads((tmp_path / "digest.json").read_text())["date"] == TODAY


def test_digest_errors_are_one_line_each(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        load_digest(tmp_path)
    assert (
        missing.value.message == f"{tmp_path}: no digest.json; run briefer daily for that day first"
    )
    (tmp_path / "digest.json").write_text("{}")
    with pytest.raises(InputError) as invalid:
        load_digest(tmp_path)
    assert invalid.value.message == (
        f"{tmp_path / 'digest.json'}: not a readable digest (ValidationError); "
        "run briefer daily again"
    )
    (tmp_path / "digest.json").unlink()
    (tmp_path / "digest.json").mkdir()
    with pytest.raises(InputError, match=r"not a readable digest \(IsADirectoryError\)"):
        load_digest(tmp_path)
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "digest.md").mkdir()  # the first file cannot replace a folder
    with pytest.raises(InputError) as unwritable:
        write_digest(blocked, digest())
    assert unwritable.value.message == (
        f"{blocked}: could not write the digest (Is a directory); free some disk space or fix "
        "the folder's permissions, then run the day again (finished stories are kept)"
    )


def test_os_reason_is_the_strerror_or_the_error_s_type() -> None:
    assert os_reason(PermissionError(13, "Permission denied")) == "Permission denied"
    assert os_reason(FileNotFoundError()) == "FileNotFoundError"
