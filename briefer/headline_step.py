"""The pipeline's title and summary step: check them against the article, re-ask once,
then fall back to the article's lead (``briefer.headline`` holds the checks themselves).

The findings are kept in the derived store with the candidates: the name test reads a
tokenizer table that a brief the response cache answers would otherwise build for it.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter, ValidationError

from briefer.articles import Article
from briefer.backends.tally import Tally
from briefer.derived import DerivedStore, derived_key
from briefer.errors import ModelError
from briefer.headline import check_headline, lead_headline, problem_line
from briefer.llm import ModelClient
from briefer.prompts import PromptSet
from briefer.schema import (
    BriefDraft,
    Headline,
    HeadlineChecks,
    HeadlineProblem,
    HeadlineStatus,
    headline_json_schema,
)

_PROBLEMS = TypeAdapter(list[HeadlineProblem])


class HeadlineStep:
    def __init__(
        self, client: ModelClient, prompts: PromptSet, derived: DerivedStore | None
    ) -> None:
        self.client = client
        self.prompts = prompts
        self.derived = derived

    def checked(
        self, article: Article, draft: BriefDraft, stats: Tally
    ) -> tuple[BriefDraft, HeadlineChecks]:
        """Title and summary checked against the article: a field that states what the
        article does not is re-asked once (one call for both), then replaced by the
        article's lead; fields that passed stay as the model wrote them."""
        problems = self.problems(draft.title, draft.summary, article.text)
        if not problems:
            return draft, HeadlineChecks()
        wrong = {problem.field for problem in problems}
        answer = self._reask(article, draft, problems, stats)
        left = [] if answer is None else self.problems(answer.title, answer.summary, article.text)
        still = wrong if answer is None else {p.field for p in left}
        lead = dict(zip(("title", "summary"), lead_headline(article.text), strict=True))
        fields: dict[str, str] = {}
        status: dict[str, HeadlineStatus] = {"title": "ok", "summary": "ok"}
        for field in sorted(wrong):
            if answer is not None and field not in still:
                fields[field], status[field] = getattr(answer, field), "reasked"
            else:
                fields[field], status[field] = lead[field], "replaced"
        checks = HeadlineChecks(
            title=status["title"],
            summary=status["summary"],
            problems=problems,
            reask_problems=[p for p in left if p.field in wrong],
        )
        return draft.model_copy(update=fields), checks

    def problems(self, title: str, summary: str, text: str) -> list[HeadlineProblem]:
        """``check_headline``, read from the derived store when an earlier run kept it."""
        key = derived_key("headline", text, title, summary)
        kept = self.derived.derived(key) if self.derived else None
        if kept is not None:
            try:
                return _PROBLEMS.validate_json(kept)
            except ValidationError:
                pass
        problems = check_headline(title, summary, text)
        if self.derived:
            self.derived.put_derived(key, _PROBLEMS.dump_json(problems).decode())
        return problems

    def _reask(
        self, article: Article, draft: BriefDraft, problems: list[HeadlineProblem], stats: Tally
    ) -> Headline | None:
        """One more call for a corrected title and summary; None when it fails."""
        schema = headline_json_schema()
        schema_text = json.dumps(schema, separators=(",", ":"))

        def messages(json_mode: str) -> tuple[tuple[str, str], ...]:
            return self.prompts.headline_messages(
                problem=problem_line(problems),
                title=draft.title,
                summary=draft.summary,
                claims=[f"{c.text} (by {c.attributed_to or 'the article'})" for c in draft.claims],
                actors=[f"{a.name} — {a.role}" for a in draft.actors],
                article_title=article.title,
                json_mode=json_mode,
                schema_json=schema_text,
            )

        try:
            answer, _ = self.client.structured(messages, Headline, schema, stats)
        except ModelError:  # the article's lead is still a supported headline
            return None
        return answer
