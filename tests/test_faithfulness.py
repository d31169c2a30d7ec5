"""The LLM-free faithfulness checker and its validation against FRANK's human labels."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from briefer.errors import InputError
from briefer.evals.faithfulness import (
    DATASETS,
    METHODS,
    SupportWeights,
    article_evidence,
    auc_interval,
    balanced_accuracy,
    best_threshold,
    clean_text,
    combine,
    novel_entities,
    roc_auc,
    split_sentences,
    summary_support,
    unsupported_numbers,
    validate_faithfulness,
    word_overlap,
)

FRANK = Path("/work/shared/data/frank")

ARTICLE = (
    "Police in Leeds arrested 12 men after a fire destroyed a warehouse on Friday. "
    "Chief Inspector Sarah Holt said the blaze caused damage worth £2,500,000. "
    "Firefighters from three stations fought the flames for six hours. "
    "Nobody was injured, the fire service said."
)


# --- metric helpers, hand-computed -------------------------------------------------------


def test_roc_auc_perfect_inverted_and_partial() -> None:
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0
    # positives {0.35, 0.8} beat negatives {0.1, 0.4} in 3 of 4 pairs
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75


def test_roc_auc_counts_ties_as_half() -> None:
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    # positives {2, 3} vs negatives {1, 2}: 1 + 0.5 + 1 + 1 of 4 pairs
    assert roc_auc([1, 2, 2, 3], [False, True, False, True]) == 0.875
    assert roc_auc([1.0] * 5, [True, False, True, False, False]) == 0.5


def test_roc_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both"):
        roc_auc([0.1, 0.2], [True, True])


def test_balanced_accuracy() -> None:
    # recall of True 2/2, of False 2/3
    predictions = [True, True, False, False, True]
    labels = [True, False, False, False, True]
    assert balanced_accuracy(predictions, labels) == pytest.approx((1 + 2 / 3) / 2)
    assert balanced_accuracy([True] * 4, [True, False, False, False]) == 0.5
    assert balanced_accuracy([True, False], [True, True]) == 0.5  # one class: its recall
    with pytest.raises(ValueError):
        balanced_accuracy([], [])


def test_best_threshold_maximises_balanced_accuracy_lowest_first() -> None:
    scores = [0.1, 0.4, 0.35, 0.8]
    labels = [False, False, True, True]
    threshold = best_threshold(scores, labels)
    assert threshold == pytest.approx(0.225)  # 0.6 ties at 0.75; the lower one wins
    assert balanced_accuracy([s >= threshold for s in scores], labels) == 0.75
    assert best_threshold([0.2, 0.9], [False, True]) == pytest.approx(0.55)


def test_auc_interval_contains_auc() -> None:
    low, high = auc_interval(0.8, 40, 400)
    assert 0.7 < low < 0.8 < high < 0.9


# --- the checker ------------------------------------------------------------------------


def test_clean_text_undoes_summariser_tokenisation() -> None:
    assert clean_text("it cost # 2,500 , or 50, 000 at 8pm") == "it cost £2,500 , or 50,000 at 8 pm"
    assert clean_text("russia\\'s team (AP).Less") == "russia's team (AP). Less"
    assert clean_text("A plain sentence. Another one.") == "A plain sentence. Another one."


def test_split_sentences_handles_lowercased_text() -> None:
    assert split_sentences("police arrested 12 men . nobody was injured .") == [
        "police arrested 12 men .",
        "nobody was injured .",
    ]


def test_faithful_paraphrase_beats_changed_number_and_invented_person() -> None:
    faithful = summary_support("Leeds police arrested 12 men after a warehouse fire.", ARTICLE)
    number = summary_support("Leeds police arrested 15 men after a warehouse fire.", ARTICLE)
    person = summary_support(
        "Leeds police, led by Inspector Marek Kowalczyk, arrested 12 men after a warehouse fire.",
        ARTICLE,
    )
    assert 0 <= person.score < faithful.score <= 1
    assert number.score < faithful.score
    assert faithful.unsupported_numbers == [] and faithful.novel_entities == []
    assert number.unsupported_numbers == ["15"]
    assert person.novel_entities == ["Marek", "Kowalczyk"]


def test_lowercased_tokenised_summary_is_normalised() -> None:
    cased = summary_support("Sarah Holt said the blaze caused damage worth £2.5m.", ARTICLE)
    lowered = summary_support("sarah holt said the blaze caused damage worth # 2.5 m .", ARTICLE)
    assert lowered.score == pytest.approx(cased.score)
    assert lowered.unsupported_numbers == []


def test_novel_entities_in_lowercased_text_use_common_word_fallback() -> None:
    evidence = article_evidence(ARTICLE)
    found = novel_entities(
        "chief inspector sarah holt praised firefighters from wakefield .", evidence
    )
    assert found == ["wakefield"]  # "praised" is new but a common word


def test_unsupported_numbers_ignore_ordinals_and_match_values() -> None:
    evidence = article_evidence(ARTICLE)
    assert unsupported_numbers("three stations , six hours , the first fire", evidence) == []
    assert unsupported_numbers("damage worth £2.5 million , 13 men", evidence) == ["13"]


def test_combine_and_weights() -> None:
    none = SupportWeights(weakest=0.0, number_penalty=0.0, entity_penalty=0.0)
    assert combine([1.0, 0.5], 0, 0, none) == 0.75
    assert combine([1.0, 0.5], 0, 0, none.model_copy(update={"weakest": 1.0})) == 0.5
    assert combine([1.0], 2, 1, SupportWeights(number_penalty=0.5, entity_penalty=0.5)) == 0.125
    assert combine([], 0, 0, none) == 1.0


def test_word_overlap_baseline() -> None:
    assert word_overlap("Police arrested men after a fire.", ARTICLE) == 1.0
    assert word_overlap("Police arrested dancers.", ARTICLE) == pytest.approx(2 / 3)


# --- validation -------------------------------------------------------------------------


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _synthetic_frank(root: Path) -> Path:
    folder = root / "frank"
    folder.mkdir()
    articles, labelled = [], []
    for i in range(8):
        dataset = "cnndm" if i < 4 else "bbc"
        digest = f"{i:040x}" if dataset == "cnndm" else str(1000 + i)
        town = ["Leeds", "York", "Hull", "Bath", "Ely", "Wells", "Ripon", "Truro"][i]
        article = ARTICLE.replace("Leeds", town).replace("12 men", f"{10 + i} men")
        articles.append({"hash": digest, "url": "", "article": article, "reference": ""})
        summaries = [
            (f"Police in {town} arrested {10 + i} men after a warehouse fire.", 1.0),
            (f"Police in {town} arrested {40 + i} women after Mayor Zbigniew Quist's party.", 0.0),
            (f"Police in {town} arrested {10 + i} men at a party.", 0.5),  # not binary: skipped
        ]
        for summary, factuality in summaries:
            labelled.append(
                {
                    "hash": digest,
                    "dataset": dataset,
                    "model": "m",
                    "summary": summary,
                    "factuality": factuality,
                    "consistent": factuality == 1.0,
                    "split": "test",
                }
            )
    _write_jsonl(folder / "articles.jsonl", articles)
    _write_jsonl(folder / "frank_labelled.jsonl", labelled)
    return root


def test_validate_faithfulness_on_synthetic_data(tmp_path: Path) -> None:
    report = validate_faithfulness(_synthetic_frank(tmp_path), seed=0)
    dumped = report.model_dump()
    assert {"seed", "weights", "thresholds", "articles", "results", "split_method"} <= set(dumped)
    assert set(report.thresholds) == {"checker", "word_overlap"}
    assert report.articles == {
        "tuning": {"cnndm": 2, "bbc": 2},
        "validation": {"cnndm": 2, "bbc": 2},
    }
    assert len(report.results) == 2 * len(DATASETS) * len(METHODS)
    overall = report.result("validation", "overall", "checker")
    assert (overall.n, overall.n_faithful) == (8, 4)
    assert overall.roc_auc == 1.0 and overall.balanced_accuracy == 1.0
    always = report.result("validation", "overall", "always_faithful")
    assert always.balanced_accuracy == 0.5 and always.roc_auc == 0.5
    assert validate_faithfulness(tmp_path / "frank") == report  # --data may name frank/ itself
    markdown = report.to_markdown()
    assert "| data set | method |" in markdown and "| bbc | word-overlap |" in markdown


def test_validate_faithfulness_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "frank").mkdir()
    with pytest.raises(InputError, match=r"frank[/\\]articles\.jsonl"):
        validate_faithfulness(tmp_path)


def test_validate_faithfulness_rejects_a_bad_row(tmp_path: Path) -> None:
    root = _synthetic_frank(tmp_path)
    with (root / "frank" / "frank_labelled.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"hash": "1"}\n')
    with pytest.raises(InputError, match=r"frank_labelled\.jsonl:25"):
        validate_faithfulness(root)


@pytest.mark.skipif(not FRANK.is_dir(), reason="FRANK data not available")
def test_validate_faithfulness_on_a_frank_subsample(tmp_path: Path) -> None:
    """A quarter of FRANK's articles (kept in tmp_path only), to stay fast."""
    articles = [json.loads(line) for line in (FRANK / "articles.jsonl").open(encoding="utf-8")]
    keep = {a["hash"] for i, a in enumerate(articles) if i % 4 == 0}
    folder = tmp_path / "frank"
    folder.mkdir()
    _write_jsonl(folder / "articles.jsonl", [a for a in articles if a["hash"] in keep])
    labelled = [
        json.loads(line) for line in (FRANK / "frank_labelled.jsonl").open(encoding="utf-8")
    ]
    _write_jsonl(folder / "frank_labelled.jsonl", [r for r in labelled if r["hash"] in keep])
    report = validate_faithfulness(tmp_path)
    for dataset in DATASETS:
        for method in METHODS:
            result = report.result("validation", dataset, method)
            assert result.n > 50 and result.roc_auc is not None
    auc = report.result("validation", "overall", "checker").roc_auc
    assert auc is not None and auc > 0.85
