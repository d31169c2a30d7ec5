"""The short lines the digest and Slack show for a story: new or continuing (and what
changed), and where its sources disagree. Text only, so any renderer can place them."""

from __future__ import annotations

from briefer.daymodels import Story
from briefer.rendering.blocks import Para
from briefer.schema import Brief


def followup_blocks(story: Story) -> list[Para]:
    """One paragraph per line of :func:`story_lines` (the text escaped like any article
    text: source names and numbers come from the articles)."""
    return [Para((line,), role="followup") for line in story_lines(story)]


def story_lines(story: Story) -> list[str]:
    """``"New story"`` or ``"Continuing since 2026-11-30: troop 10,000 → 12,000"``, then one
    ``"Sources disagree: …"`` line per disagreement."""
    first = follow_line(story)
    return [*([first] if first else []), *disagreement_lines(story.brief)]


def follow_line(story: Story) -> str:
    since = story.since
    if since is None:
        return "New story" if story.thread_id else ""
    changes = [f"{c.counts} {c.old_text} → {c.new_text}" for c in since.changed_numbers]
    count = len(since.new_claims)
    added = [f"{count} new claim{'' if count == 1 else 's'}"] if count else []
    detail = "; ".join(changes + added)
    return f"Continuing since {since.date}" + (f": {detail}" if detail else "")


def disagreement_lines(brief: Brief) -> list[str]:
    lines = []
    for disagreement in brief.disagreements:
        first, second = disagreement.values
        lines.append(
            f"Sources disagree: {first.text} {disagreement.counts} ({first.source}) "
            f"vs {second.text} ({second.source})"
        )
    return lines


__all__ = ["disagreement_lines", "follow_line", "followup_blocks", "story_lines"]
