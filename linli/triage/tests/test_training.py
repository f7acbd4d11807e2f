"""train_model on the residents' corpus and the deployment's own handled cases, the
suggestion that uses it, the retrain task; the label is always the case's final category."""

import logging

import pytest
from django.test import override_settings

from linli.cases import services as case_services
from linli.cases.models import Case, Category
from linli.cases.triage_data import CaseTexts
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden
from linli.core.models import AuditEntry
from linli.demo.case_texts import labelled_texts
from linli.triage import pipeline as text_pipeline
from linli.triage import providers, services, suggest, tasks
from linli.triage.models import TriageModel
from linli.triage.suggest import suggest_by_keywords, suggest_categories, suggest_category

from .conftest import insert_handled_cases

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A stolen e-bike: the keywords say 电动车充电 (电动车), the handlers file it under 治安.
STOLEN = ["我的电动车昨晚在车棚被偷了", "电动车放在楼下被人偷走了", "停在单元门口的电动车被偷了，锁也被剪断",
          "车棚里的电动车又丢了一辆，肯定是有人偷", "刚买的电动车就被偷了，监控也没拍到"]


def stolen_bikes(n_tails: int = 4) -> list[tuple[str, str]]:
    tails = ["请帮忙查一下", "希望加强巡逻", "太气人了", "谁看到了", "已经报警了", "小区监控能不能查"]
    return [(f"{t}，{tail}", "public_security") for t in STOLEN for tail in tails[:n_tails]]


def cases_only(**kwargs):
    """Trained on the handled cases alone (the corpus makes each fit take half a minute)."""
    return services.train_model(actor=SYSTEM, with_corpus=False, min_cases=100, **kwargs)


@pytest.fixture
def trained(city):
    """A model trained on 420 handled cases of the generated corpus, plus the stolen e-bikes
    this deployment's handlers filed under 治安 although the keywords said 电动车充电."""
    insert_handled_cases(city.dwelling, labelled_texts(420, seed=21))
    insert_handled_cases(city.dwelling, stolen_bikes(), suggested="ebike_charging")
    return cases_only()


def test_train_model_stores_a_version_with_its_held_out_figures_and_an_audit_entry(trained):
    row = TriageModel.objects.get()
    learned = Case.objects.exclude(category__code="other").count()  # 其他 is never suggested, never learned
    assert row == trained and row.version == 1 and learned < 440
    assert row.n_cases == learned and 0.15 * learned <= row.n_test <= 0.25 * learned
    assert len(row.classes) == 20 and "livestock" in row.classes and "other" not in row.classes
    assert 0.7 <= row.accuracy <= row.top3_accuracy and row.accuracy > row.keyword_accuracy
    assert bytes(row.pipeline)[:2] and text_pipeline.loads(row.pipeline).classes_.tolist() == row.classes
    entry = AuditEntry.objects.get(kind="triage.train")
    assert entry.target_id == str(row.pk) and entry.data["version"] == 1 and entry.data["n_cases"] == learned
    assert entry.data["actor"] == "system" and entry.data["n_corpus"] == 0


def test_only_handled_cases_train_and_rare_categories_are_left_out(city):
    insert_handled_cases(city.dwelling, [(t, c) for t, c in labelled_texts(420, seed=21) if c != "livestock"])
    insert_handled_cases(city.dwelling, [("附近有人养猪，臭得不行", "livestock")] * 4)  # fewer than five
    insert_handled_cases(city.dwelling, [("楼下的垃圾堆了很多天", "noise")] * 50,
                         status=Case.Status.ACCEPTED)  # still open: its category is not settled
    insert_handled_cases(city.dwelling, [("楼下的垃圾堆了很多天了", "noise")] * 50, status=Case.Status.MERGED)
    row = cases_only()
    assert "livestock" not in row.classes
    assert row.n_cases == Case.objects.filter(status="closed").exclude(category__code__in=["livestock", "other"]).count()
    assert suggest_category("楼下的垃圾堆了很多天").code == "garbage"


def test_samples_can_be_handed_in_by_the_caller(city):
    """The case app may hand the texts and labels in itself (triage imports no feature app)."""
    pairs = [(i, t, c) for i, (t, c) in enumerate(labelled_texts(300, seed=9), 1)]
    row = services.train_model(actor=SYSTEM, samples=pairs, with_corpus=False, min_cases=100)
    assert row.n_cases == sum(1 for _i, _t, c in pairs if c != "other")
    assert not Case.objects.exists()


def test_too_few_cases_and_who_may_train(city):
    insert_handled_cases(city.dwelling, labelled_texts(60, seed=2))
    with pytest.raises(Conflict) as caught:
        services.train_model(actor=SYSTEM, with_corpus=False)  # without the corpus: 200 cases at least
    assert caught.value.code == "triage_too_few_cases"
    worker = city.user_with("grid_worker", at=city.grid)
    with pytest.raises(Forbidden):
        services.train_model(actor=worker, min_cases=10)
    assert not TriageModel.objects.exists()


def test_without_a_provider_nothing_is_suggested(db):
    previous = providers.get()
    providers.register(None)
    try:
        assert suggest_categories("路灯不亮") == [] and suggest_category("路灯不亮") is None
    finally:
        providers.register(previous)
    assert isinstance(providers.get(), CaseTexts)


# ---------------------------------------------------------------- the suggestion


def test_without_a_model_the_keywords_suggest(db):
    assert suggest_category("小区门口车辆乱停乱放").code == "parking"
    ranking = suggest_categories("楼道里电动车充电，拉线到处都是", k=3)
    assert [c.code for c, _p in ranking][0] == "ebike_charging"
    assert abs(sum(p for _c, p in ranking) - 1) < 1e-9
    assert suggest_category("你好") is None and suggest_categories("") == []


def test_the_model_always_ranks_and_the_first_is_the_suggestion(trained):
    text = "我的电动车昨天晚上在楼下被偷了"  # 电动车: the keywords say e-bike charging
    assert suggest_by_keywords(text).code == "ebike_charging"
    ranking = suggest_categories(text, k=3)
    assert len(ranking) == 3 and ranking[0][1] >= ranking[1][1] >= ranking[2][1]
    assert all(isinstance(c, Category) and 0 <= p <= 1 for c, p in ranking)
    assert ranking[0][0].code == "public_security"
    # However unsure, the model's guess is offered and never 其他; both functions agree.
    for vague in ["你好", "有个事情想问问", "麻烦来看一下", text, "路灯不亮", "哎"]:
        ranking = suggest_categories(vague, k=3)
        assert len(ranking) == 3 and "other" not in [c.code for c, _p in ranking]
        assert suggest_category(vague) == ranking[0][0]


def test_submit_case_keeps_the_ranking(trained, city):
    case = case_services.submit_case(actor=SYSTEM, text="车棚里我的电动车被人偷了，锁也被撬了", channel="patrol",
                                     place_id=city.dwelling.pk)
    assert case.suggested_category.code == case.category.code == "public_security"
    case.refresh_from_db()
    assert [r["code"] for r in case.suggested_ranking][0] == "public_security" and len(case.suggested_ranking) == 3
    assert case.suggested_ranking[0]["p"] >= case.suggested_ranking[1]["p"] >= case.suggested_ranking[2]["p"]
    vague = case_services.submit_case(actor=SYSTEM, text="麻烦你们来看一下", channel="patrol",
                                      place_id=city.dwelling.pk)
    assert vague.category.code != "other"  # the model was unsure: its best guess, for the handler to confirm


def test_the_model_is_loaded_once_per_process_per_version(trained, city, monkeypatch):
    loads = []
    real = text_pipeline.loads
    monkeypatch.setattr(text_pipeline, "loads", lambda blob: loads.append(1) or real(blob))
    for _ in range(3):
        suggest_category("路灯不亮")
    assert len(loads) == 1
    insert_handled_cases(city.dwelling, labelled_texts(30, seed=99))
    cases_only()
    suggest_category("路灯不亮")
    assert len(loads) == 2


def test_a_model_that_cannot_be_loaded_falls_back_to_the_keywords(trained, caplog):
    TriageModel.objects.filter(pk=trained.pk).update(pipeline=b"not a pickle")
    with caplog.at_level(logging.ERROR, logger="linli.triage"):
        assert suggest_category("我的电动车昨天晚上在楼下被偷了").code == "ebike_charging"
    assert "could not load model" in caplog.text


# ---------------------------------------------------------------- labels: the final category


def test_a_corrected_suggestion_is_the_label(city):
    """Staff changed the suggested category: the final one is what the model learns."""
    insert_handled_cases(city.dwelling, labelled_texts(300, seed=8))
    # Through the real loop: submitted with the keywords' suggestion, corrected by the handler,
    # accepted, answered, closed.
    corrected = []
    for text in STOLEN:
        case = case_services.submit_case(actor=SYSTEM, text=text, channel="patrol", place_id=city.dwelling.pk)
        assert case.suggested_category.code == case.category.code == "ebike_charging"
        case_services.classify_case(actor=SYSTEM, case_id=case.pk, category_code="public_security", note="是被盗")
        case_services.accept_case(actor=SYSTEM, case_id=case.pk)
        case_services.answer_case(actor=SYSTEM, case_id=case.pk, answer="已报警并调取监控")
        case_services.close_case(actor=SYSTEM, case_id=case.pk, outcome="solved")
        corrected.append(case.pk)
    assert set(Case.objects.filter(pk__in=corrected).values_list("suggested_category__code", "category__code")) == {
        ("ebike_charging", "public_security")}
    # And many more like them, handled the same way (inserted: the loop above is the slow path).
    insert_handled_cases(city.dwelling, stolen_bikes(), suggested="ebike_charging")
    by_id = {pk: code for pk, _text, code in CaseTexts().handled(max_cases=10_000)}
    assert all(by_id[pk] == "public_security" for pk in corrected)
    cases_only()
    assert suggest_category("电动车在车棚被偷了").code == "public_security"


# ---------------------------------------------------------------- the nightly task


@override_settings(LINLI_TRIAGE_CORPUS=False)
def test_retrain_task_stores_a_new_version_only_when_the_cases_changed(city):
    insert_handled_cases(city.dwelling, labelled_texts(260, seed=4))
    with override_settings(TASKS=IMMEDIATE):
        first = tasks.retrain_triage_model.enqueue()
        assert first.status == "SUCCESSFUL"
        assert first.return_value["trained"] is True and first.return_value["version"] == 1
        again = tasks.retrain_triage_model.enqueue()  # nothing new was handled: idempotent
        assert again.return_value == {**first.return_value, "trained": False}
        insert_handled_cases(city.dwelling, labelled_texts(40, seed=5))
        second = tasks.retrain_triage_model.enqueue()
        assert second.return_value["trained"] is True and second.return_value["version"] == 2
        assert second.return_value["n_cases"] == Case.objects.exclude(category__code="other").count()
    assert list(TriageModel.objects.values_list("version", flat=True)) == [2, 1]
    assert AuditEntry.objects.filter(kind="triage.train").count() == 2


@override_settings(LINLI_TRIAGE_CORPUS=False)
def test_retrain_task_without_enough_cases_keeps_the_keywords(db):
    with override_settings(TASKS=IMMEDIATE):
        result = tasks.retrain_triage_model.enqueue()
    assert result.return_value == {"trained": False, "reason": "triage_too_few_cases", "version": None}
    assert not TriageModel.objects.exists()
