"""briefer: short, structured, grounded briefs of news articles.

The Python API, for people who script::

    from briefer import brief_article, load_digest
    brief = brief_article("seeds/000_2ebbe5879b4b5f11.txt")   # -> Brief (pydantic)
    print(brief.model_dump_json(indent=2))

``Briefer`` keeps the model, cache and prompts loaded across many articles.
"""

from __future__ import annotations

from briefer.articles import Article, load_article
from briefer.config import Settings, load_settings
from briefer.errors import BrieferError, BriefValidationError, InputError, ModelError
from briefer.pipeline import Briefer, brief_article
from briefer.render import render
from briefer.schema import SCHEMA_VERSION, Brief, BriefDraft

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "Brief",
    "BriefDraft",
    "BriefValidationError",
    "Briefer",
    "BrieferError",
    "InputError",
    "ModelError",
    "Settings",
    "brief_article",
    "load_article",
    "load_settings",
    "render",
]
