"""The residents' corpus, the nightly job on it from the first night (no handled case yet),
and the evaluation command on held-out phrasings and on an independent file."""

import importlib
import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings

from linli.core.models import AuditEntry
from linli.triage import corpus, tasks
from linli.triage.models import TriageModel
from linli.triage.suggest import suggest_categories, suggest_category

DEFAULT_CODES = {row[0] for row in importlib.import_module("linli.cases.migrations.0002_default_taxonomy").CATEGORIES}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_corpus_covers_every_suggestable_category_in_many_voices():
    written = corpus.written()
    counts = {code: sum(1 for _t, c in written if c == code) for code in DEFAULT_CODES - {"other"}}
    assert min(counts.values()) >= 40 and "other" not in {c for _t, c in written}
    assert len({t for t, _c in written}) == len(written)  # every written text is a phrasing of its own
    samples = corpus.samples()
    assert samples == corpus.samples() and len(samples) > 4 * len(written)
    assert {s.voice for s in samples} >= {"written", "elder", "angry", "dialect", "typo", "two_problems"}
    train, test = corpus.split_by_phrasing(samples)
    assert {s.phrasing for s in train}.isdisjoint({s.phrasing for s in test})  # retellings stay on their side
    assert {s.voice for s in test} == {"written"} and {s.code for s in test} == set(counts)


@pytest.mark.django_db
def test_the_nightly_job_trains_on_the_corpus_before_any_case_is_handled():
    with override_settings(TASKS=IMMEDIATE):
        first = tasks.retrain_triage_model.enqueue()
        assert first.return_value["trained"] is True and first.return_value["n_cases"] == 0
        again = tasks.retrain_triage_model.enqueue()
        assert again.return_value["trained"] is False
    row = TriageModel.objects.get()
    # Held out by phrasing: whole written texts (and their retellings) the model never saw.
    assert row.n_test >= 150 and row.accuracy >= 0.7 and row.top3_accuracy >= 0.88
    assert row.accuracy > row.keyword_accuracy
    assert AuditEntry.objects.get(kind="triage.train").data["n_corpus"] == len(corpus.samples())
    # Residents' words the keywords miss.
    assert suggest_category("晚上回家那段路黑漆漆的，灯一直没人修").code == "streetlight"
    assert suggest_category("隔壁院子里养了一群鸡鸭，臭烘烘的").code == "livestock"
    codes = [c.code for c, _p in suggest_categories("我爸一个人住，腿脚不好，没人照顾", 3)]
    assert "hardship" in codes


@pytest.mark.django_db
def test_evaluate_command_on_an_independent_file_prints_aggregates_only(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"text": "楼下路灯坏了一个星期，晚上黑乎乎的", "category": "路灯", "voice": "elderly"},
            {"text": "井盖松了，车一过就哐当响", "category": "manhole", "voice": "angry"},
            {"text": "有人在院子里养猪，臭死了", "category": "Livestock pollution", "voice": "dialect"},
            {"text": "不知道什么类别", "category": "没有这个类别", "voice": "vague"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = io.StringIO()
    with override_settings(LINLI_TRIAGE_CORPUS=True):
        call_command("triage_evaluate", "--file", str(path), stdout=out)
    text = out.getvalue()
    assert "3 labelled texts, 1 with an unknown category skipped" in text
    assert "overall: top-1" in text and "per voice:" in text and "main confusions" in text
    assert "streetlight 路灯" in text and "livestock 养殖污染" in text
    assert all(r["text"] not in text for r in rows)  # never prints a text
