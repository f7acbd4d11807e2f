"""The tally's arithmetic, computed by hand. Heads and area (0.01 m² integers) per option are
given directly; who is a head is the roll's business (test_roll.py)."""

from linli.deliberation.tally import breakdown, meets, share, tally

AGREE, DISAGREE, ABSTAIN = 11, 12, 13


def frozen(kind="ordinary", *, heads, area, pass_=None, deemed=False, quorum=(2, 3), seats=0, options=None,
           tie_break="area", vote_kind="owners", seed="s"):
    opts = options or [{"id": AGREE, "label": "同意", "role": "agree"},
                       {"id": DISAGREE, "label": "不同意", "role": "disagree"},
                       {"id": ABSTAIN, "label": "弃权", "role": "abstain"}]
    default = {"ordinary": [1, 2, True], "special": [3, 4, False], "election": [1, 2, True], "choice": [1, 2, True]}
    return {"kind": vote_kind, "quorum": list(quorum), "deemed": deemed, "tie_break": tie_break, "seed": seed,
            "totals": {"heads": heads, "area": area},
            "matters": [{"id": 1, "title": "事项", "kind": kind, "seats": seats, "pass": pass_ or default[kind],
                         "options": opts}]}


def counts(participants, by_id=None, **options):
    ids = {"agree": AGREE, "disagree": DISAGREE, "abstain": ABSTAIN}
    opts = {ids[k]: v for k, v in options.items()} | (by_id or {})
    return {1: {"participants": participants, "options": opts}}


def matter(fr, c):
    return tally(fr, c)["matters"][0]


def test_meets_is_exact():
    assert meets(2, 3, 2, 3, False) and not meets(2, 3, 2, 3, True)
    assert not meets(1, 2, 1, 2, True) and meets(1, 2, 1, 2, False)
    # 66.67 % rounds to two thirds, but 6667/10000 is more and 6666/10000 less: no rounding.
    assert meets(6667, 10000, 2, 3, False) and not meets(6666, 10000, 2, 3, False)
    assert not meets(0, 0, 0, 1, False)


def test_share_percent_is_for_display():
    assert share(2, 3) == {"count": 2, "of": 3, "percent": "66.67"}
    assert share(1, 8)["percent"] == "12.50"


def test_quorum_exactly_two_thirds_of_both_is_enough():
    # 3 owners, 300.00 m²: two owners with exactly 200.00 m² take part.
    m = matter(frozen(heads=3, area=30000), counts((2, 20000), agree=(2, 20000)))
    assert m["quorum"] == {"need": [2, 3], "heads_ok": True, "area_ok": True, "met": True}
    assert m["passed"]


def test_quorum_short_by_one_hundredth_of_a_square_metre_fails():
    m = matter(frozen(heads=3, area=30000), counts((2, 19999), agree=(2, 19999)))
    assert m["quorum"]["heads_ok"] and not m["quorum"]["area_ok"] and not m["quorum"]["met"]
    assert not m["passed"] and m["outcome"] == "no_quorum"


def test_quorum_needs_heads_as_well_as_area():
    # One big owner: 250 of 300 m² but 1 of 3 heads.
    m = matter(frozen(heads=3, area=30000), counts((1, 25000), agree=(1, 25000)))
    assert m["quorum"]["area_ok"] and not m["quorum"]["heads_ok"] and not m["passed"]


def test_exactly_half_is_not_more_than_half():
    fr = frozen(heads=4, area=40000)
    # Half the heads and half the area agree: 过半数 means strictly more: rejected.
    m = matter(fr, counts((4, 40000), agree=(2, 20000), disagree=(2, 20000)))
    assert not m["options"][0]["heads_ok"] and not m["options"][0]["area_ok"] and m["outcome"] == "rejected"
    # More heads but exactly half the area: still rejected (both are needed).
    m = matter(fr, counts((4, 40000), agree=(3, 20000), disagree=(1, 20000)))
    assert m["options"][0]["heads_ok"] and not m["options"][0]["area_ok"] and not m["passed"]
    # One hundredth of a square metre more: passed.
    m = matter(fr, counts((4, 40000), agree=(3, 20001), disagree=(1, 19999)))
    assert m["passed"]


def test_special_matter_exactly_three_quarters_passes():
    fr = frozen("special", heads=4, area=40000)
    m = matter(fr, counts((4, 40000), agree=(3, 30000), disagree=(1, 10000)))
    assert m["passed"]
    m = matter(fr, counts((4, 40000), agree=(3, 29999), disagree=(1, 10001)))
    assert not m["passed"]


def test_abstention_takes_part_and_counts_against():
    # 3 owners of 100 m² each all take part; 2 agree, 1 abstains: 2/3 > 1/2, passed.
    fr = frozen(heads=3, area=30000)
    m = matter(fr, counts((3, 30000), agree=(2, 20000), abstain=(1, 10000)))
    assert m["quorum"]["met"] and m["passed"]
    assert m["options"][0]["heads"] == {"count": 2, "of": 3, "percent": "66.67"}
    # 1 agrees, 2 abstain: 1/3 of the participants: rejected although nobody disagreed.
    m = matter(fr, counts((3, 30000), agree=(1, 10000), abstain=(2, 20000)))
    assert m["quorum"]["met"] and not m["passed"]


def test_deemed_votes_follow_the_majority_and_are_shown_apart():
    # 10 owners, 1000 m²; 6 owners with 600 m² vote (short of the 2/3 quorum on their own):
    # 4 (400 m²) agree, 2 (200 m²) disagree. The compound's rules: silent owners follow the
    # majority, so 4 owners / 400 m² are deemed to agree.
    fr = frozen(heads=10, area=100000, deemed=True)
    m = matter(fr, counts((6, 60000), agree=(4, 40000), disagree=(2, 20000)))
    agree = m["options"][0]
    assert (agree["real_heads"], agree["real_area"]) == (4, 40000)
    assert (agree["deemed_heads"], agree["deemed_area"]) == (4, 40000)
    assert agree["heads"]["count"] == 8 and agree["heads"]["of"] == 10
    assert m["participants"]["deemed_heads"] == 4 and m["participants"]["real_heads"] == 6
    assert m["quorum"]["met"] and m["passed"]
    assert m["passed_on_real_ballots"] is False


def test_no_deemed_votes_without_a_clear_majority():
    fr = frozen(heads=10, area=100000, deemed=True)
    # More heads agree but more area disagrees: silent owners follow nobody.
    m = matter(fr, counts((7, 70000), agree=(4, 30000), disagree=(3, 40000)))
    assert m["deemed_to"] is None and m["participants"]["deemed_heads"] == 0


def test_no_deemed_votes_unless_the_rules_say_so():
    m = matter(frozen(heads=10, area=100000), counts((6, 60000), agree=(6, 60000)))
    assert m["outcome"] == "no_quorum" and m["participants"]["deemed_heads"] == 0


CANDIDATES = [{"id": 21, "label": "甲", "role": "candidate"}, {"id": 22, "label": "乙", "role": "candidate"},
              {"id": 23, "label": "丙", "role": "candidate"}]


def election(tie_break="area", seed="s"):
    return frozen("election", heads=10, area=100000, seats=2, options=CANDIDATES, tie_break=tie_break, seed=seed)


def test_each_candidate_needs_the_double_majority_alone():
    # 乙 has most heads but only half the area: not elected; one seat stays open.
    m = matter(election(), counts((10, 100000), {21: (8, 80000), 22: (9, 50000), 23: (5, 40000)}))
    assert m["elected"] == [21] and m["open_seats"] == 1 and m["outcome"] == "partly_elected"


def test_tie_on_heads_more_area_wins():
    m = matter(election("area"), counts((10, 100000), {21: (9, 90000), 22: (6, 70000), 23: (6, 60000)}))
    assert m["elected"] == [21, 22] and m["draw"] is None


def test_tie_under_rank_by_area_more_heads_wins():
    m = matter(election("heads"), counts((10, 100000), {21: (9, 90000), 22: (6, 60000), 23: (7, 60000)}))
    assert m["elected"] == [21, 23]


def test_tie_for_the_last_seat_goes_to_a_runoff():
    m = matter(election("runoff"), counts((10, 100000), {21: (9, 90000), 22: (6, 60000), 23: (6, 60000)}))
    assert m["elected"] == [21] and m["runoff"] == [22, 23] and m["open_seats"] == 1


def test_full_tie_is_drawn_reproducibly_and_logged():
    c = counts((10, 100000), {21: (9, 90000), 22: (6, 60000), 23: (6, 60000)})
    first = matter(election(seed="abc"), c)
    again = matter(election(seed="abc"), c)
    assert first["draw"] == again["draw"] and first["elected"] == again["elected"]
    assert first["draw"]["among"] == [22, 23] and first["draw"]["seed"] == "abc:1" and first["draw"]["seats"] == 1
    assert first["elected"][0] == 21 and first["elected"][1] == first["draw"]["order"][0]
    # Some seed draws the other candidate: the draw really depends on the seed.
    winners = {matter(election(seed=str(s)), c)["elected"][1] for s in range(20)}
    assert winners == {22, 23}


def test_household_vote_counts_heads_only():
    fr = frozen(heads=5, area=0, vote_kind="household", quorum=(0, 1))
    m = matter(fr, counts((4, 0), agree=(3, 0), disagree=(1, 0)))
    assert m["passed"] and m["options"][0]["area_ok"]


# Deemed votes in elections. "Follow the majority" on an approval ballot: a silent owner is
# deemed to approve exactly the candidates the ballots really cast elect on their own (more
# than half of the voters' heads and area each, ranked, at most the seats), never a tied place.

def deemed_election(seats=2, tie_break="area"):
    return frozen("election", heads=10, area=100000, seats=seats, options=CANDIDATES, deemed=True,
                  tie_break=tie_break)


def test_election_silent_owners_approve_the_voters_slate_and_lift_the_quorum():
    # 6 owners, 600 m² vote: 甲 5/500, 乙 4/400, 丙 2/200. Among voters 甲 and 乙 each have more
    # than half of 6 heads (>3) and of 600 m² (>300): the slate is 甲, 乙. The 4 silent owners,
    # 400 m², are one deemed ballot each for 甲 and 乙: 甲 9/10 900 m², 乙 8/10 800 m², 丙 2/10.
    m = matter(deemed_election(), counts((6, 60000), {21: (5, 50000), 22: (4, 40000), 23: (2, 20000)}))
    assert m["deemed_for"] == [21, 22]
    by_id = {o["id"]: o for o in m["options"]}
    assert (by_id[21]["deemed_heads"], by_id[21]["deemed_area"]) == (4, 40000)
    assert (by_id[22]["deemed_heads"], by_id[22]["deemed_area"]) == (4, 40000)
    assert by_id[23]["deemed_heads"] == 0 and by_id[23]["heads"]["count"] == 2
    assert by_id[21]["heads"]["count"] == 9 and by_id[22]["area"]["count"] == 80000
    # Silent owners count once each as participants, not once per candidate.
    assert (m["participants"]["real_heads"], m["participants"]["deemed_heads"]) == (6, 4)
    assert m["participants"]["heads"]["count"] == 10 and m["participants"]["area"]["count"] == 100000
    assert m["quorum"]["met"] and m["elected"] == [21, 22] and m["outcome"] == "elected"
    # On ballots really cast alone 6/10 owners is short of two thirds (18 < 20): nobody elected.
    assert m["passed_on_real_ballots"] is False and m["elected_on_real_ballots"] == []


def test_election_deemed_ballot_never_approves_more_candidates_than_seats():
    # One seat; 甲 and 乙 both have a majority of the voters, 甲 more: silent owners approve 甲 only.
    m = matter(deemed_election(seats=1), counts((6, 60000), {21: (5, 50000), 22: (4, 40000)}))
    assert m["deemed_for"] == [21]
    by_id = {o["id"]: o for o in m["options"]}
    assert by_id[22]["deemed_heads"] == 0 and by_id[22]["heads"]["count"] == 4
    assert m["elected"] == [21] and by_id[21]["heads"]["count"] == 9


def test_election_silent_owners_follow_nobody_on_a_tied_place():
    # Two seats; 甲 5/500 leads, 乙 and 丙 tie at 4/400 for the second seat (a draw among voters):
    # silent owners approve 甲 only, so 乙 and 丙 stay at 4/10 (not more than half) and the seat
    # stays open for a new election rather than being filled by deemed ballots after a lottery.
    m = matter(deemed_election(), counts((6, 60000), {21: (5, 50000), 22: (4, 40000), 23: (4, 40000)}))
    assert m["deemed_for"] == [21]
    assert m["elected"] == [21] and m["open_seats"] == 1 and m["draw"] is None


def test_election_candidate_without_the_voters_area_majority_gets_no_deemed_ballots():
    # 乙 has 4 of 6 voters (>3) but only 300 of 600 m² (not more than half): not on the slate.
    m = matter(deemed_election(), counts((6, 60000), {21: (5, 50000), 22: (4, 30000)}))
    assert m["deemed_for"] == [21]
    by_id = {o["id"]: o for o in m["options"]}
    assert by_id[22]["deemed_area"] == 0 and not by_id[22]["reaches"]
    assert m["elected"] == [21] and m["outcome"] == "partly_elected"


def test_election_with_no_candidate_reaching_the_voters_majority_has_no_deemed_ballots():
    m = matter(deemed_election(), counts((6, 60000), {21: (3, 30000), 22: (3, 30000)}))
    assert m["deemed_for"] == [] and m["participants"]["deemed_heads"] == 0
    assert m["outcome"] == "no_quorum"


def test_a_buildings_part_is_shown_against_its_own_totals_and_decides_nothing():
    # A building of 4 owners with 400.00 m² in a vote whose silent owners follow the majority:
    # 3 owners (330.00 m²) voted there, 2 (210.00 m²) agree, 1 (120.00 m²) abstains.
    fr = frozen(heads=10, area=100000, deemed=True)
    part = breakdown(fr, counts((3, 33000), agree=(2, 21000), abstain=(1, 12000)), {"heads": 4, "area": 40000})
    (m,) = part["matters"]
    assert part["totals"] == {"heads": 4, "area": 40000} and part["uses_area"]
    assert m["participants"]["heads"] == {"count": 3, "of": 4, "percent": "75.00"}
    assert m["participants"]["area"] == {"count": 33000, "of": 40000, "percent": "82.50", "m2": "330.00",
                                         "of_m2": "400.00"}
    agree, disagree, abstain = m["options"]
    # 2/3 of the heads (66.67 %), 210/330 of the area (63.64 %): shares of the building's participants.
    assert agree["heads"] == {"count": 2, "of": 3, "percent": "66.67"}
    assert (agree["area"]["m2"], agree["area"]["of_m2"], agree["area"]["percent"]) == ("210.00", "330.00", "63.64")
    assert disagree["heads"] == {"count": 0, "of": 3, "percent": "0.00"}
    assert (abstain["area"]["count"], abstain["area"]["percent"]) == (12000, "36.36")
    # No deemed votes, quorum or outcome in a building's part: those are the whole vote's.
    assert not {"quorum", "outcome", "passed", "deemed_for"} & set(m) and "deemed_heads" not in agree
    # A building where nobody voted: every share of an empty base shows a dash, never a division.
    (empty,) = breakdown(fr, {}, {"heads": 4, "area": 40000})["matters"]
    assert empty["participants"]["heads"] == {"count": 0, "of": 4, "percent": "0.00"}
    assert empty["options"][0]["heads"] == {"count": 0, "of": 0, "percent": "—"}
