from django.conf import settings
from django.core.management.base import BaseCommand

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.demo.city import PASSWORD
from linli.places.selectors import breadcrumbs


def demo_logins() -> list[dict]:
    """One log-in per role, read from the database (the demo loader names them demo_<role>)."""
    rows = []
    users = User.objects.filter(username__startswith="demo_").prefetch_related("roles__place", "roles__organisation")
    order = {role: i for i, role in enumerate(Role.values)}
    for user in users:
        ra = next(iter(user.roles.all()), None)
        if ra is None:
            continue
        if ra.place_id:
            names = [p.name for p in breadcrumbs(ra.place)[-3:]] + [ra.place.name]
            place = " ".join(names[-4:]) if ra.place.kind_id and ra.place.depth > 5 else ra.place.name
        else:
            place = ra.organisation.name if ra.organisation_id else ""
        rows.append({"role": ra.role, "role_label": str(Role(ra.role).label), "name": str(user), "place": place,
                     "phone": user.phone, "username": user.username if user.has_usable_password() else ""})
    rows.sort(key=lambda r: order.get(r["role"], 99))
    return rows


class Command(BaseCommand):
    help = "列出各角色的演示账号。Print the demo log-ins of every role."

    def handle(self, *args, **options):
        url = getattr(settings, "LINLI_PUBLIC_URL", "http://127.0.0.1:8000")
        out = self.stdout.write
        out("")
        out(f"邻里 linli 演示 demo: {url}/")
        out("短信登录 SMS log-in: 输入手机号获取验证码，验证码见开发发件箱 / the code appears on " f"{url}/dev/outbox/")
        out(f"密码登录 password log-in (staff): 用户名 username + 密码 password {PASSWORD}；管理后台 admin: "
            f"{url}/admin/ (admin / {PASSWORD})")
        out("")
        out("角色 role | 姓名 name | 地点 place | 手机 phone | 用户名 username")
        for r in demo_logins():
            out(f"{r['role_label']} {r['role']} | {r['name']} | {r['place']} | {r['phone']} | {r['username'] or '-'}")
        out("")
