"""车站社区's shop in the demo (linli/demo/shop_demo.py): stock history with reasons, a
write-off, a rule switched off; a second run changes nothing; the ledger still adds up."""

import pytest

from linli.demo import points as demo_points
from linli.demo.shop_demo import load_shop_history
from linli.places.models import Place
from linli.points.models import EarningRule, Good, StockEntry
from linli.points.recompute import differences

pytestmark = pytest.mark.django_db


def test_the_demo_shop_has_stock_history_with_reasons(city):
    Place.objects.filter(pk=city.community.pk).update(name="车站社区")
    city.user_with("community_worker", at=city.community, name="车站社区干事")
    for i in range(6):
        city.user_with("resident", at=city.dwelling, name=f"居民{i}")
    demo_points.load_rules()
    demo_points.load_shop()
    assert load_shop_history() == {"stock_entries": 6, "rules": 1}
    assert load_shop_history() == {"stock_entries": 0, "rules": 0}
    towels = Good.objects.get(name="毛巾")
    notes = list(StockEntry.objects.filter(good=towels).order_by("at", "id").values_list("kind", "delta", "note"))
    assert ("restock", 20, "成员单位结对共建捐赠") in notes and ("adjust", -2, "仓库受潮，2 条报废") in notes
    rice = StockEntry.objects.get(good__name="大米（5公斤）", note__startswith="社区公益金")
    assert rice.data["source"] == "purchase" and rice.actor.display_name == "车站社区干事"
    old = EarningRule.objects.get(name="参加社区活动（2025年标准）")
    assert not old.is_active and old.daily_cap == 3
    assert differences() == []
