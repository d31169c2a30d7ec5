"""An LLM-free faithfulness score, and its validation against human judgments (FRANK).

:func:`summary_support` scores free text against an article with the ideas of grounding,
SummaC-ZS style: each summary sentence is matched to the article sentences that support it
best (content-word coverage by the best pair of sentences, plus coverage of its content
bigrams by those sentences), sentence scores are averaged (with an optional weight on the
weakest sentence), and numbers and named entities the article does not contain cost a
multiplicative penalty. Every component is a small pure function of its inputs.

:func:`validate_faithfulness` applies it to FRANK's human-labelled model summaries
(``frank/frank_labelled.jsonl`` joined to ``frank/articles.jsonl``), keeps only the summaries
judged fully faithful or fully unfaithful, splits the *articles* into a tuning half and a
validation half, tunes the penalty weights and the decision threshold on the tuning half
only, and reports balanced accuracy and ROC AUC on the validation half, per data set and
overall, next to two baselines (always-faithful; summary word overlap with the article).

FRANK's summaries are lowercased and tokenised by the summarisers ("dr urho kujala , of
the university", "# 2,500" for "£2,500", "study 's"): :func:`clean_text` undoes what it can,
all comparisons are case-insensitive, and entities in lowercased text are recognised as
words that the article lacks and that are not common English words.
Layout: ``support`` (the score), ``stats`` (AUC, balanced accuracy, thresholds), ``frank``
(loading FRANK, the split, tuning, the report). Words and stems come from
``briefer.vocabulary``; quantities from ``briefer.quantities``.
"""

from briefer.evals.faithfulness.frank import (
    DATASETS,
    METHODS,
    FaithfulnessReport,
    LabelledSummary,
    MethodResult,
    load_frank,
    split_articles,
    tune_weights,
    validate_faithfulness,
)
from briefer.evals.faithfulness.stats import (
    auc_interval,
    balanced_accuracy,
    best_threshold,
    roc_auc,
)
from briefer.evals.faithfulness.support import (
    DEFAULT_WEIGHTS,
    ArticleEvidence,
    SupportScore,
    SupportWeights,
    article_evidence,
    clean_text,
    combine,
    content_terms,
    is_common_word,
    novel_entities,
    sentence_support,
    split_sentences,
    summary_support,
    unsupported_numbers,
    word_overlap,
    word_tokens,
)

__all__ = [
    "DATASETS",
    "DEFAULT_WEIGHTS",
    "METHODS",
    "ArticleEvidence",
    "FaithfulnessReport",
    "LabelledSummary",
    "MethodResult",
    "SupportScore",
    "SupportWeights",
    "article_evidence",
    "auc_interval",
    "balanced_accuracy",
    "best_threshold",
    "clean_text",
    "combine",
    "content_terms",
    "is_common_word",
    "load_frank",
    "novel_entities",
    "roc_auc",
    "sentence_support",
    "split_articles",
    "split_sentences",
    "summary_support",
    "tune_weights",
    "unsupported_numbers",
    "validate_faithfulness",
    "word_overlap",
    "word_tokens",
]
