"""The generated corpus (linli.demo.case_texts) and the model against the keyword cold start
on its held-out texts, both figures from the same run."""

import importlib
import io

import pytest
from django.core.management import call_command

from linli.demo.case_texts import generate, labelled_texts
from linli.triage.management.commands.triage_evaluate import split_by_situation
from linli.triage.services import evaluate, stratified_split
from linli.triage.suggest import suggest_by_keywords

DEFAULT_CODES = {row[0] for row in importlib.import_module("linli.cases.migrations.0002_default_taxonomy").CATEGORIES}


def test_every_default_category_is_generated_distinct_and_repeatable():
    pairs = labelled_texts(600, seed=11)
    assert len(pairs) == 600
    assert {code for _text, code in pairs} == DEFAULT_CODES
    assert len({text for text, _code in pairs}) == 600  # no text on both sides of a split
    assert labelled_texts(600, seed=11) == pairs
    assert labelled_texts(600, seed=12) != pairs
    assert all(4 <= len(text) <= 200 for text, _code in pairs)


def test_small_corpora_still_cover_every_category_twice():
    pairs = labelled_texts(60, seed=1)
    counts = {code: sum(1 for _t, c in pairs if c == code) for code in DEFAULT_CODES}
    assert min(counts.values()) >= 2


@pytest.mark.django_db
def test_corpus_has_misleading_keywords():
    """Many texts carry another category's keywords (or none): what the keywords miss."""
    pairs = labelled_texts(400, seed=5)
    suggested = [suggest_by_keywords(text) for text, _code in pairs]
    wrong = sum(1 for s, (_t, code) in zip(suggested, pairs) if s is not None and s.code != code)
    assert wrong / len(pairs) > 0.15


@pytest.mark.django_db
def test_model_beats_the_keywords_on_held_out_generated_texts():
    corpus = generate(700, seed=3)
    result, _model = evaluate(*stratified_split([c.text for c in corpus], [c.code for c in corpus]))
    assert result.n_test == 140 and result.n_train == 560
    assert result.accuracy >= 0.7
    assert result.accuracy > result.keyword_accuracy
    assert result.top3_accuracy >= result.accuracy and result.top3_accuracy > result.keyword_top3_accuracy
    assert set(result.recall) == DEFAULT_CODES
    # Phrasings never seen in training: harder, and still better than the keywords.
    unseen, _model = evaluate(*split_by_situation(corpus, 1))
    assert unseen.accuracy > unseen.keyword_accuracy


@pytest.mark.django_db
def test_evaluate_command_prints_both_splits_and_recall():
    out = io.StringIO()
    call_command("triage_evaluate", "--texts", "300", "--no-unseen", stdout=out)
    text = out.getvalue()
    assert "300 generated texts" in text and "240 train / 60 held out" in text
    assert "model (jieba + TF-IDF + LogReg)" in text and "keywords (cold start)" in text
    assert "<- LINLI_TRIAGE_MIN_PROBABILITY" in text
    assert all(code in text for code in DEFAULT_CODES)
