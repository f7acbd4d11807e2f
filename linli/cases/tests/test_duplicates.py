"""Duplicates on intake (same compound or within 100 m, the same problem at the same spot, still open), "me too"
instead of a new case, merge, and staff confirming or correcting the category."""

import pytest

from linli.cases import selectors, services
from linli.cases.models import Case, CaseEvent
from linli.cases.similarity import (THRESHOLD, cosine, distance_m, faults_of, objects_of, problem_of,
                                    same_problem, shingles, spot_of)
from linli.core.errors import Forbidden, Invalid
from linli.testing import api_headers

# 汉都华府二期 sits around this point; the other compound is ~1 km away.
HERE = (30.000000, 103.000000)


def test_text_measure_treats_paraphrases_as_close_and_other_problems_as_far():
    a = shingles("3栋门口的井盖坏了，晚上很危险")
    assert cosine(a, shingles("3栋门口井盖坏了好几天了")) > 0.4
    assert cosine(a, shingles("楼上装修噪音太大，晚上睡不着")) < 0.15
    assert cosine(shingles(""), a) == 0.0
    assert 95 < distance_m(30.0, 103.0, 30.00090, 103.0) < 105


def test_similar_open_cases_in_the_same_compound(city, people):
    original = city.report("resident", "1栋门口的井盖坏了，晚上很危险", category=None, is_public=True)
    city.report("resident", "楼上装修噪音太大，晚上睡不着", category=None, is_public=True)
    elsewhere = city.report("other_resident", "1栋门口的井盖坏了，晚上很危险", category=None, is_public=True)
    found = selectors.similar_open_cases(people["neighbour"], text="1栋门口井盖坏了好几天了", place=city.building)
    assert [c.pk for c in found] == [original.pk]  # not the noise, not the other compound
    assert found[0].similarity > 0.4
    assert elsewhere.pk not in [c.pk for c in found]


def test_a_point_finds_cases_within_100_metres_and_not_beyond(city, people):
    near = city.report("other_resident", "路灯不亮了，晚上黑漆漆的", lat=HERE[0] + 0.0006,
                            lng=HERE[1], category=None, is_public=True)  # ~67 m north, in another compound
    city.report("other_resident", "路灯不亮了，晚上黑漆漆的", lat=HERE[0] + 0.0012,
                lng=HERE[1], category=None, is_public=True)  # ~134 m: inside no radius
    found = selectors.similar_open_cases(people["resident"], text="这边路灯不亮，晚上太黑了", lat=HERE[0], lng=HERE[1])
    assert [c.pk for c in found] == [near.pk]
    assert 60 <= found[0].distance_m <= 75


def test_closed_merged_and_private_cases_are_not_offered(city, people):
    worker = people["grid_worker"]
    private = city.report("resident", "小区门口车辆乱停乱放，堵住了消防通道", category=None, is_public=False)
    closed = city.report("resident", "小区门口车辆乱停乱放，堵住了消防通道", category=None, is_public=True)
    services.accept_case(actor=worker, case_id=closed.pk)
    services.answer_case(actor=worker, case_id=closed.pk, answer="已劝离")
    services.close_case(actor=people["community_worker"], case_id=closed.pk, outcome="solved")
    text = "门口车辆乱停乱放，消防通道被堵"
    # A neighbour sees neither the private case nor the closed one...
    assert selectors.similar_open_cases(people["neighbour"], text=text, place=city.dwelling) == []
    # ...its reporter and the grid's staff see the private one.
    assert [c.pk for c in selectors.similar_open_cases(people["resident"], text=text, place=city.dwelling)] == [
        private.pk]
    assert [c.pk for c in selectors.similar_open_cases(worker, text=text, place=city.dwelling)] == [private.pk]
    # Staff of another grid see nothing of this grid's private cases.
    assert selectors.similar_open_cases(people["other_grid_worker"], text=text, place=city.dwelling) == []


def test_me_too_then_merge_makes_the_duplicates_reporter_follow_the_original(city, people):
    worker = people["grid_worker"]
    original = city.report("resident", "2单元楼道灯坏了，老人上下楼看不见", category=None, is_public=True)
    dup = city.report("neighbour", "2单元楼道的灯坏了好几天", category=None, is_public=True)
    found = selectors.similar_open_cases(worker, text=dup.text, place=dup.place, exclude_id=dup.pk)
    assert [c.pk for c in found] == [original.pk]
    services.me_too(actor=people["other_resident"], case_id=original.pk)
    with pytest.raises(Forbidden):  # merging is the community's call (case.dispatch)
        services.merge_case(actor=worker, case_id=dup.pk, into_id=original.pk)
    services.merge_case(actor=people["community_worker"], case_id=dup.pk, into_id=original.pk, note="同一问题")
    dup.refresh_from_db()
    assert dup.status == Case.Status.MERGED and dup.merged_into_id == original.pk
    assert set(original.supporters.values_list("user_id", flat=True)) == {people["other_resident"].pk,
                                                                          people["neighbour"].pk}
    # The duplicate's reporter now sees the original and its outcome.
    assert selectors.visible_cases(people["neighbour"]).filter(pk=original.pk).exists()
    # A merged case is no longer offered as a duplicate.
    assert [c.pk for c in selectors.similar_open_cases(worker, text=dup.text, place=dup.place)] == [original.pk]


def test_similar_endpoint(client, city, people):
    original = city.report("resident", "1栋门口的井盖坏了，晚上很危险", category=None, is_public=True)
    headers = api_headers(people["neighbour"])
    r = client.get("/api/v1/cases/similar", {"text": "门口井盖坏了", "place_id": city.dwelling.pk}, **headers)
    assert r.status_code == 200, r.content
    assert [row["case"]["id"] for row in r.json()] == [original.pk] and r.json()[0]["score"] > 0.2
    r = client.get("/api/v1/cases/similar", {"text": "门口井盖坏了"}, **headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "place_id"
    r = client.get("/api/v1/cases/similar", {"text": "门口井盖坏了", "place_id": 10**9}, **headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "place_id"
    r = client.get("/api/v1/cases/similar", {"text": "", "place_id": city.dwelling.pk}, **headers)
    assert r.status_code == 422


def test_similar_reads_a_constant_number_of_queries(city, people, django_assert_max_num_queries):
    for i in range(25):
        city.report("resident", f"{i}号车位被占，车辆乱停乱放", category=None, is_public=True)
    # The compound, the model's key, the categories (the suggestion), the candidates.
    with django_assert_max_num_queries(6):
        found = selectors.similar_open_cases(people["grid_worker"], text="车位被占，车辆乱停乱放", place=city.dwelling,
                                             limit=5)
    assert len(found) == 3  # never more than three offered


def test_the_suggestion_is_kept_when_the_reporter_chooses(city, people):
    case = city.report("resident", "楼道里堆满杂物，扶手也坏了", category="noise", is_public=True)
    assert case.category.code == "noise" and case.suggested_category.code == "stairwell"
    assert not case.events.filter(kind=CaseEvent.Kind.CLASSIFIED).exists()


def test_a_handler_corrects_the_category_and_an_unaccepted_case_is_routed_again(city, people):
    case = city.report("resident", "楼道里堆满杂物，扶手也坏了", category=None, is_public=True)
    assert case.category.code == "stairwell" and case.level == "building"
    services.classify_case(actor=people["building_head"], case_id=case.pk, category_code="parking",
                           note="其实是电动车停在楼道")
    case.refresh_from_db()
    assert case.category.code == "parking" and case.suggested_category.code == "stairwell"
    assert case.level == "grid" and case.handler_place == city.grid
    event = case.events.filter(kind=CaseEvent.Kind.CLASSIFIED, actor=people["building_head"]).get()
    assert event.data == {"category": "parking", "previous": "stairwell"}
    assert case.events.filter(kind=CaseEvent.Kind.ROUTED).count() == 2
    # Confirming the category as it is only records the confirmation.
    services.classify_case(actor=people["grid_worker"], case_id=case.pk, category_code="parking")
    case.refresh_from_db()
    assert case.level == "grid" and case.events.filter(kind=CaseEvent.Kind.CLASSIFIED).count() == 3


def test_classify_refuses_bad_input_and_outsiders(city, people):
    case = city.report("resident", "楼道里堆满杂物，扶手也坏了", category=None, is_public=True)
    with pytest.raises(Invalid) as exc:
        services.classify_case(actor=people["building_head"], case_id=case.pk, category_code="no-such")
    assert exc.value.field == "category"
    with pytest.raises(Forbidden):
        services.classify_case(actor=people["other_grid_worker"], case_id=case.pk, category_code="parking")
    with pytest.raises(Forbidden):
        services.classify_case(actor=people["resident"], case_id=case.pk, category_code="parking")
    case.refresh_from_db()
    assert case.category.code == "stairwell"


def test_the_same_problem_at_the_same_spot_not_the_same_words():
    """The issue's examples: the same sentence about another building is another lamp; the
    same lamp in other words is a duplicate."""
    lamp = ["streetlight"]
    a = problem_of("3栋门口的路灯坏了好几天了", lamp)
    assert same_problem(a, problem_of("5栋门口的路灯坏了好几天了", lamp)) == 0
    assert same_problem(a, problem_of("三号楼门口那个灯晚上不亮", lamp)) >= THRESHOLD
    east = problem_of("小区东门那盏灯晚上不亮", lamp)
    assert same_problem(east, problem_of("东门路灯坏了，晚上黑乎乎的", lamp)) >= THRESHOLD
    assert same_problem(east, problem_of("西门路灯坏了，晚上黑乎乎的", lamp)) == 0
    # The same spot, another problem.
    assert same_problem(east, problem_of("东门的井盖松了，晚上走路很危险", ["manhole"])) == 0
    # The same object, another problem: a stolen e-bike is not a charging one.
    charging = problem_of("7栋楼下有人飞线给电瓶车充电", ["ebike_charging", "public_security"])
    assert same_problem(charging, problem_of("7栋楼下的电瓶车被偷了", ["public_security", "ebike_charging"])) \
        < THRESHOLD
    # The stairwell's light is not the street light.
    assert same_problem(problem_of("2栋楼道的声控灯坏了", ["stairwell"]),
                        problem_of("2栋门口的路灯坏了", lamp)) == 0


def test_spots_are_normalised():
    assert spot_of("三号楼2单元").buildings == {3} and spot_of("三号楼2单元").units == {2}
    assert spot_of("3栋").buildings == spot_of("3号楼").buildings == spot_of("3幢").buildings == {3}
    assert spot_of("十二栋五单元502室").buildings == {12} and spot_of("十二栋五单元502室").rooms == {"502"}
    assert spot_of("东门口").gates == {"east"} and spot_of("小区2号门").gates == {"gate2"}
    assert spot_of("大门口").gates == set()  # the main gate is whichever the compound calls so
    assert spot_of("车棚旁边").landmarks == {"bike_shed"} and spot_of("三楼").buildings == set()  # a floor


def test_similar_open_cases_offers_the_same_lamp_and_not_the_next_buildings(city, people):
    same = city.report("resident", "小区东门那盏灯晚上不亮", category=None, is_public=True)
    city.report("resident", "西门路灯坏了，晚上黑乎乎的", category=None, is_public=True)
    city.report("resident", "东门的井盖松了，晚上走路很危险", category=None, is_public=True)
    found = selectors.similar_open_cases(people["neighbour"], text="东门路灯坏了，晚上黑乎乎的", place=city.dwelling,
                                         categories=["streetlight"])
    assert [c.pk for c in found] == [same.pk]


def test_synonyms_name_one_object_and_one_fault():
    assert objects_of("井盖塌了") == objects_of("下水道盖子陷下去") == objects_of("窨井盖丢了") == {"manhole"}
    assert objects_of("电梯坏了") == objects_of("升降梯停了") == objects_of("直梯卡住") == {"elevator"}
    assert objects_of("东门路灯坏了") == objects_of("灯柱歪了") == {"light/street"}
    assert objects_of("晚上黑灯瞎火的") == objects_of("那盏灯不亮") == {"light"}  # a light of no known kind
    assert objects_of("楼道的声控灯") == objects_of("楼梯灯") == {"light/stair"}
    assert objects_of("路灯旁边那盏灯") == {"light/street"}  # the kind named with its sort is the sort
    assert objects_of("车棚里") == objects_of("楼道门口") == set()  # spots, not objects
    assert objects_of("家里白天都要开灯") == set()
    assert faults_of("漏水") == faults_of("渗水") == faults_of("往下滴水") == {"leak"}
    assert "ads" in faults_of("贴满了小广告") and "damage" in faults_of("卡在半中间")
    lamp = ["streetlight"]
    # 灯 fits 路灯; 路灯 is not 声控灯.
    assert same_problem(problem_of("3号楼门口那个路灯坏了", lamp), problem_of("三栋楼前头的灯晚上不亮", lamp)) >= THRESHOLD
    assert same_problem(problem_of("东大门进来的井盖塌了", ["manhole"]),
                        problem_of("东门口那个下水道盖子陷下去了", ["manhole"])) >= THRESHOLD


def test_number_forms_doors_floors_and_gates():
    assert spot_of("3栋").buildings == spot_of("三号楼").buildings == spot_of("三幢").buildings == {3}
    assert spot_of("十二号楼").buildings == spot_of("12栋").buildings == {12}
    assert spot_of("二单元").units == spot_of("2单元").units == {2}
    # A bare door number, and the floor read from it.
    assert spot_of("1502往楼下滴水").rooms == {"1502"} and spot_of("1502往楼下滴水").floors == {15}
    assert spot_of("9栋501家").floors == spot_of("九号楼五楼").floors == {5}
    # Years, amounts and measures are no doors.
    assert spot_of("2023年交了300元，200米外").rooms == set()
    assert spot_of("东大门").gates == spot_of("东边大门口").gates == spot_of("东门口").gates == {"east"}
    assert spot_of("东边大门口").sides == set()  # the gate's side is the gate, not also a side
    assert spot_of("二号门").gates == spot_of("2号门").gates == {"gate2"}
    assert spot_of("正门口积水").main_gate and not spot_of("三单元大门锁不上").main_gate
    assert spot_of("篮球场边上").landmarks == {"court/basketball"}
    # Parts of a compound, the garage's levels and corners.
    assert spot_of("A区3栋").zones == {"a"} and spot_of("二期5号楼").zones == {"part2"}
    assert spot_of("地下车库负二层").zones == spot_of("车库b2").zones == {"b2"} and not spot_of("负二层").floors
    assert spot_of("小区东北角").sides == {"东北"}
    lamp = ["streetlight"]
    assert same_problem(problem_of("a区3栋门口路灯坏了", lamp), problem_of("b区3栋门口路灯坏了", lamp)) == 0
    # Floors from door numbers meet and part: 501 is on the 5th floor, 1203 is not on the 15th.
    assert same_problem(problem_of("9栋501家的狗半夜一直叫", ["noise"]),
                        problem_of("九号楼五楼那户养的狗天天晚上嚎", ["noise"])) >= THRESHOLD
    assert same_problem(problem_of("2栋1203装修电钻响", ["noise"]), problem_of("2栋15楼装修电钻响", ["noise"])) == 0
    # The main gate meets the east gate (the compound's main one may be it) and parts from no gate.
    assert same_problem(problem_of("正门口的路灯坏了", lamp), problem_of("东门的路灯坏了", lamp)) >= THRESHOLD
    # A court is the basketball court; the basketball court is not the badminton court.
    pipe = ["utilities"]
    assert same_problem(problem_of("球场边的水管爆了", pipe), problem_of("篮球场旁边的水管爆了", pipe)) >= THRESHOLD
    assert same_problem(problem_of("篮球场边的水管爆了", pipe), problem_of("羽毛球场旁边的水管爆了", pipe)) == 0


def test_another_object_on_both_sides_is_another_problem():
    lift, stairs = ["elevator", "stairwell"], ["stairwell", "elevator"]
    assert same_problem(problem_of("7栋2单元电梯坏了", lift), problem_of("7栋2单元楼道灯坏了", stairs)) == 0
    assert same_problem(problem_of("6号楼旁边的消防栓漏水", ["fire_safety"]),
                        problem_of("6号楼的灭火器都过期了", ["fire_safety"])) == 0
    # One object named in passing on one side (车过不去) does not part two reports of one category.
    road = ["road"]
    assert same_problem(problem_of("西门口的路面塌了一个大坑", road),
                        problem_of("西门那里路面下陷了，车辆过不去", road)) >= THRESHOLD
    # The same object, something else wrong with it: not offered.
    assert same_problem(problem_of("5栋电梯老是卡在半中间", lift), problem_of("5栋电梯里面贴满了小广告", lift)) \
        < THRESHOLD
    ebike = ["ebike_charging"]
    assert same_problem(problem_of("车棚里有人飞线给电动车充电", ebike), problem_of("车棚里的电动车被偷了", ebike)) \
        < THRESHOLD
    # Conditions that go together are one problem: a burst pipe leaks and floods.
    assert same_problem(problem_of("篮球场边上的自来水管爆了", pipe := ["utilities"]),
                        problem_of("球场旁边地上一直冒水，底下管道破了", pipe)) >= THRESHOLD


def test_the_duplicates_evaluation_command(db):
    """Precision, recall and ROC-AUC on both development files, against the plain cosine, per
    kind of pair; with --time the cost per candidate."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("duplicates_evaluate", "--time", stdout=out)
    text = out.getvalue()
    assert "55 pairs, 29 the same problem, 26 look-alikes" in text
    assert "94 pairs, 47 the same problem, 47 look-alikes" in text
    lines = [line for line in text.splitlines() if "<- product threshold" in line]
    assert len(lines) == 2
    for line in lines:
        precision, recall = (float(x) for x in line.split()[6:8])
        assert precision >= 0.8 and recall >= 0.7
    kinds = {line.split()[0]: line for line in text.splitlines() if "pairs  offered" in line}
    assert {"same", "look-alike", "other_spot", "other_problem"} <= set(kinds)
    assert "cost per candidate" in text
    assert "ROC-AUC" in text and "这" not in text and "灯" not in text  # aggregates only, never a text


def test_the_evaluation_command_refuses_a_bad_file(db, tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "pairs.jsonl"
    bad.write_text('{"a": {"text": "x"}}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="not a pair"):
        call_command("duplicates_evaluate", "--file", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("duplicates_evaluate", "--file", str(tmp_path / "none.jsonl"))
