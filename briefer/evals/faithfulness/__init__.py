"""The faithfulness checker's validation against human judgments (FRANK).

The score itself, :func:`~briefer.faithfulness.summary_support`, lives pipeline-side in
``briefer.faithfulness`` (briefs and the eval metrics use it); it is re-exported here.

:func:`validate_faithfulness` applies it to FRANK's human-labelled model summaries
(``frank/frank_labelled.jsonl`` joined to ``frank/articles.jsonl``), keeps only the summaries
judged fully faithful or fully unfaithful, splits the *articles* into a tuning half and a
validation half, tunes the penalty weights and the decision threshold on the tuning half
only, and reports balanced accuracy and ROC AUC on the validation half, per data set and
overall, next to two baselines (always-faithful; summary word overlap with the article).

Layout: ``stats`` (AUC, balanced accuracy, thresholds), ``frank`` (loading FRANK, the
split, tuning, the report).
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
from briefer.faithfulness import (
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
