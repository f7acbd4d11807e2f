"""Issue 10 §10: the figures and hot-spot API answer exactly whom the pages answer (one
predicate, views_figures.supervised_place)."""

from __future__ import annotations

import pytest

from linli.testing import api_headers


@pytest.mark.parametrize("role, at, ok", [
    ("building_head", "building", False),
    ("party_member_household", "building", False),
    ("branch_secretary", "compound", False),
    ("resident", "dwelling", False),
    ("grid_worker", "grid", True),
    ("community_worker", "community", True),
])
def test_figures_api_and_page_agree(client, city, role, at, ok):
    user = city.user_with(role, at=getattr(city, at))
    place = getattr(city, at)
    headers = api_headers(user)
    api_figures = client.get("/api/v1/figures", {"under": place.pk}, **headers).status_code
    api_spots = client.get("/api/v1/hot-spots", {"under": place.pk}, **headers).status_code
    client.force_login(user)
    page = client.get("/cases/figures/", {"under": place.pk}).status_code
    spots_page = client.get("/cases/hot-spots/", {"under": place.pk}).status_code
    if ok:
        assert (api_figures, api_spots, page, spots_page) == (200, 200, 200, 200)
    else:
        assert api_figures == api_spots == page == spots_page == 403
