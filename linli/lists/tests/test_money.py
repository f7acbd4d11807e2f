"""Money: append-only entries, reversals, figures derived from entries and recomputed by
the command, the advance rule, receipts and masked contributors."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from linli.core.errors import Conflict, Invalid
from linli.core.history import AppendOnlyError
from linli.lists import selectors, services
from linli.lists.models import Item, MoneyEntry

from .conftest import START, jpeg, running_project

pytestmark = pytest.mark.django_db
DAY = START + dt.timedelta(days=3)


def receive(people, project, fen, *, source="residents", party="陈大妈", **kw):
    return services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=fen,
                                 on_date=DAY, party=party, source=source, **kw)


def spend(people, project, fen, line="材料"):
    line_id = project.budget_lines.get(name=line).pk
    return services.record_money(actor=people["community"], item_id=project.pk, kind="disbursement",
                                 amount_fen=fen, on_date=DAY, party="建材店", budget_line_id=line_id)


def test_figures_come_from_entries(city, people, partner):
    project = running_project(city, people)
    services.record_money(actor=people["community"], item_id=project.pk, kind="pledge", amount_fen=500000,
                          on_date=DAY, party=partner.name, source="partner")
    receive(people, project, 300000, source="partner", party=partner.name)
    receive(people, project, 20000)
    spend(people, project, 250000)
    project.refresh_from_db()
    assert (project.budget_fen, project.pledged_fen, project.received_fen, project.spent_fen) == (
        1000000, 500000, 320000, 250000)
    assert project.balance_fen == 70000
    assert services.figures_from_entries(project) == {
        "budget_fen": 1000000, "pledged_fen": 500000, "received_fen": 320000, "spent_fen": 250000,
        "progress_bp": 5000}


def test_disbursement_above_balance_refused_unless_advance(city, people):
    project = running_project(city, people)
    receive(people, project, 10000)
    with pytest.raises(Conflict) as exc:
        spend(people, project, 10001)
    assert exc.value.code == "insufficient_balance" and exc.value.field == "amount"
    assert MoneyEntry.objects.filter(kind="disbursement").count() == 0
    advanced = running_project(city, people, advance=True, title="垃圾房改造")
    entry = spend(people, advanced, 50000)
    assert entry.is_advance and entry.data == {"advance": True}
    advanced.refresh_from_db()
    assert advanced.balance_fen == -50000


def test_a_correction_is_a_reversing_entry(city, people):
    project = running_project(city, people)
    wrong = receive(people, project, 99900)
    with pytest.raises(Invalid):
        services.reverse_money(actor=people["community"], entry_id=wrong.pk, reason="")
    reversal = services.reverse_money(actor=people["community"], entry_id=wrong.pk, reason="金额录错")
    assert reversal.amount_fen == -99900 and reversal.reverses_id == wrong.pk
    with pytest.raises(Conflict):
        services.reverse_money(actor=people["community"], entry_id=wrong.pk, reason="again")
    with pytest.raises(Conflict):
        services.reverse_money(actor=people["community"], entry_id=reversal.pk, reason="undo")
    receive(people, project, 9990)
    project.refresh_from_db()
    assert project.received_fen == 9990
    assert MoneyEntry.objects.filter(item=project).count() == 3  # nothing edited, nothing deleted
    wrong.amount_fen = 1
    with pytest.raises(AppendOnlyError):
        wrong.save()


@pytest.mark.parametrize("value, code", [("-5", "amount_not_positive"), ("abc", "amount_not_number"),
                                         ("0", "amount_not_positive"), ("1.234", "amount_precision"),
                                         ("NaN", "amount_not_number"), ("", "required")])
def test_amounts_parsed_exactly(value, code):
    with pytest.raises(Invalid) as exc:
        services.parse_yuan(value, field="amount")
    assert exc.value.code == code and exc.value.field == "amount"


def test_yuan_to_fen_exact():
    assert services.parse_yuan("0.1") + services.parse_yuan("0.2") == 30
    assert services.parse_yuan("1,280.50") == 128050


def test_bad_money_input_field_errors_and_nothing_written(city, people):
    project = running_project(city, people)
    with pytest.raises(Invalid) as exc:
        services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=-5,
                              on_date=START - dt.timedelta(days=1), party="", source="", voucher=b"not an image")
    fields = {e["field"]: e["code"] for e in exc.value.as_list()}
    assert fields == {"amount": "amount_not_positive", "on_date": "date_before_project", "party": "required",
                      "source": "required", "voucher": "photo_invalid"}
    assert MoneyEntry.objects.count() == 0
    assert Item.objects.get(pk=project.pk).received_fen == 0


def test_english_messages(city, people):
    from django.utils import translation

    project = running_project(city, people)
    with translation.override("en"), pytest.raises(Invalid) as exc:
        services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=100,
                              on_date=START - dt.timedelta(days=1), party="x", source="residents")
    with translation.override("en"):
        assert exc.value.as_list()[0]["message"] == "The date cannot be before the project started"


def test_only_fund_holders_record_money(city, people):
    from linli.core.errors import Forbidden

    project = running_project(city, people)
    with pytest.raises(Forbidden):
        services.record_money(actor=people["worker"], item_id=project.pk, kind="receipt", amount_fen=100,
                              on_date=DAY, party="x", source="residents")
    # The owners' committee keeps the compound's pooled money.
    services.record_money(actor=people["committee"], item_id=project.pk, kind="receipt", amount_fen=100,
                          on_date=DAY, party="x", source="residents")


def test_voucher_stored_and_receipt_numbered(city, people):
    project = running_project(city, people)
    first = receive(people, project, 5000, voucher=jpeg(exif=True), contributor_id=people["resident"].pk)
    second = receive(people, project, 5000, party="刘师傅", show_name=True)
    public = receive(people, project, 100000, source="public", party="温江区财政")
    assert first.voucher.name.endswith(".jpg")
    assert (first.receipt_no, second.receipt_no, public.receipt_no) == (
        f"SJ{project.pk:05d}-0001", f"SJ{project.pk:05d}-0002", "")


def test_public_contributors_masked_unless_named(city, people, partner):
    project = running_project(city, people)
    receive(people, project, 5000, party="陈大妈")
    receive(people, project, 5000, party="刘师傅", show_name=True)
    receive(people, project, 300000, source="partner", party=partner.name)
    reversed_ = receive(people, project, 7700, party="王五")
    services.reverse_money(actor=people["community"], entry_id=reversed_.pk, reason="退回")
    names = [c["name"] for c in selectors.contributors_of([project.pk])]
    assert names == ["陈**", "刘师傅", "温江区供电公司"]


def test_recompute_command_reports_differences(city, people):
    project = running_project(city, people)
    receive(people, project, 12300)
    out = StringIO()
    call_command("lists_recompute", stdout=out)
    assert "0" in out.getvalue() and "差异" not in out.getvalue().split("\n")[0]
    Item.objects.filter(pk=project.pk).update(received_fen=1)  # a stray edit behind the services' back
    out = StringIO()
    call_command("lists_recompute", stdout=out)
    assert f"#{project.pk}" in out.getvalue() and "received_fen: 1 → 12300" in out.getvalue()
    assert Item.objects.get(pk=project.pk).received_fen == 1  # only reports unless --fix
    call_command("lists_recompute", "--fix", stdout=StringIO())
    assert Item.objects.get(pk=project.pk).received_fen == 12300
