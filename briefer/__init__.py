"""briefer: short, structured, grounded briefs of news articles.

The Python API, for people who script::

    from briefer import brief_article, load_digest
    brief = brief_article("seeds/000_2ebbe5879b4b5f11.txt")   # -> Brief (pydantic)
    print(brief.model_dump_json(indent=2))
    digest = load_digest("briefings/2026-11-25")               # -> Digest

``Briefer`` keeps the model, cache and prompts loaded across many articles. Names are
imported on first use, so ``import briefer`` stays fast for the CLI and for tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefer.articles import Article, load_article
    from briefer.config import Settings, load_settings
    from briefer.digest import Digest, load_digest
    from briefer.errors import BrieferError, BriefValidationError, InputError, ModelError
    from briefer.pipeline import Briefer, brief_article
    from briefer.rendering.brief import render
    from briefer.schema import SCHEMA_VERSION, Brief, BriefDraft

_EXPORTS = {
    "SCHEMA_VERSION": "briefer.schema",
    "Article": "briefer.articles",
    "Brief": "briefer.schema",
    "BriefDraft": "briefer.schema",
    "BriefValidationError": "briefer.errors",
    "Briefer": "briefer.pipeline",
    "BrieferError": "briefer.errors",
    "Digest": "briefer.digest",
    "InputError": "briefer.errors",
    "ModelError": "briefer.errors",
    "Settings": "briefer.config",
    "brief_article": "briefer.pipeline",
    "load_article": "briefer.articles",
    "load_digest": "briefer.digest",
    "load_settings": "briefer.config",
    "render": "briefer.rendering.brief",
}

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "Brief",
    "BriefDraft",
    "BriefValidationError",
    "Briefer",
    "BrieferError",
    "Digest",
    "InputError",
    "ModelError",
    "Settings",
    "brief_article",
    "load_article",
    "load_digest",
    "load_settings",
    "render",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'briefer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
