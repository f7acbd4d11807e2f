import datetime as dt
import io

import pytest
from PIL import Image

from linli.accounts.models import Organisation
from linli.lists import services


def jpeg(color=(200, 80, 40), size=(64, 48), exif=False) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        img.save(out, format="JPEG", exif=ex.tobytes())
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


START = dt.date(2026, 9, 1)


@pytest.fixture
def people(city):
    return {
        "worker": city.user_with("grid_worker", at=city.grid, name="网格员小李"),
        "community": city.user_with("community_worker", at=city.community, name="社区小王"),
        "secretary": city.user_with("community_secretary", at=city.community, name="张书记"),
        "committee": city.user_with("owners_committee", at=city.compound, name="业委会老周"),
        "resident": city.user_with("resident", at=city.dwelling, name="居民老陈"),
        "other_worker": city.user_with("grid_worker", at=city.other_grid, name="二网格员"),
    }


@pytest.fixture
def partner(db):
    return Organisation.objects.create(kind="partner_unit", name="温江区供电公司")


def make_project(city, people, *, mode="status", advance=False, place=None, title="充电棚建设", **kw):
    return services.create_item(actor=people["secretary"], kind="project", title=title,
                                place_id=(place or city.compound).pk, starts_on=START, progress_mode=mode,
                                allows_advance=advance, due_date=dt.date(2026, 12, 31), **kw)


def running_project(city, people, **kw):
    project = make_project(city, people, **kw)
    services.change_status(actor=people["secretary"], item_id=project.pk, to="accepted", reason="议事会通过")
    services.change_status(actor=people["community"], item_id=project.pk, to="in_progress")
    services.set_budget_line(actor=people["community"], item_id=project.pk, name="材料", amount_fen=800000)
    services.set_budget_line(actor=people["community"], item_id=project.pk, name="人工", amount_fen=200000)
    return project


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
