import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.core.paths import ancestors_paths
from linli.demo.city import ADMIN_PHONE, DEMO_USERNAME_PREFIX, PASSWORD
from linli.demo.showcases import showcase_logins
from linli.places.models import Place


def demo_logins() -> list[dict]:
    """The demo log-in of every role, read from the database: the users the loader named
    demo_<role>, in the order of linli.accounts.roles.Role."""
    users = {u.username[len(DEMO_USERNAME_PREFIX):]: u for u in
             User.objects.filter(username__startswith=DEMO_USERNAME_PREFIX)
             .prefetch_related("roles__place", "roles__organisation")}
    wanted = {}
    for role, user in users.items():
        ra = next((ra for ra in user.roles.all() if ra.role == role), None)
        if ra is not None:
            wanted[role] = (user, ra)
    paths = {a for _, ra in wanted.values() if ra.place_id for a in ancestors_paths(ra.place.path)}
    names = dict(Place.objects.filter(path__in=paths).values_list("path", "name"))
    rows = []
    for role in Role.values:
        if role not in wanted:
            continue
        user, ra = wanted[role]
        if ra.place_id:
            # From the street down: 城关镇 新城社区 第一片区 第1网格 银河小区 …
            chain = [names[a] for a in ancestors_paths(ra.place.path)[1:] if a in names] + [ra.place.name]
            place = " ".join(chain)
        else:
            place = ra.organisation.name if ra.organisation_id else ""
        rows.append({"role": role, "role_label": str(Role(role).label), "title": ra.title, "name": str(user),
                     "place": place, "phone": user.phone,
                     "username": user.username if user.has_usable_password() else ""})
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "列出每个角色的演示账号及登录方法。Print the demo log-in of every role and how to log in."

    def handle(self, *args, **options):
        url = getattr(settings, "LINLI_PUBLIC_URL", "") or "http://127.0.0.1:8000"
        url = url.rstrip("/")
        logins = demo_logins()
        out = self.stdout.write
        if not logins:
            out("尚未载入演示城市，请先运行 manage.py load_demo。No demo city yet: run manage.py load_demo first.")
            return
        out("")
        out(f"邻里 linli 演示账号 demo log-ins — {url}/")
        out("")
        rows = [["角色 Role", "职务 Title", "姓名 Name", "所在地点 Place", "手机 Phone", "用户名/密码 Username/password"]]
        for r in logins:
            rows.append([f"{r['role_label']} {r['role']}", r["title"], r["name"], r["place"], r["phone"],
                         f"{r['username']} / {PASSWORD}" if r["username"] else "仅短信 SMS only"])
        rows.append(["系统管理员 superuser", "", "系统管理员", "全部 everywhere", ADMIN_PHONE, f"admin / {PASSWORD}"])
        for line in table(rows):
            out(line)
        showcases = showcase_logins()
        if showcases:
            out("")
            out("各项能力的演示所在 Where each capability's demo lives (短信登录 log in by SMS code):")
            rows = [["能力 Capability", "地点 Place", "角色 Role", "姓名 Name", "手机 Phone"]]
            rows += [[r["capability"], r["place"], r["role_label"], r["name"], r["phone"]] for r in showcases]
            for line in table(rows):
                out(line)
        out("")
        out("登录方法 How to log in:")
        out(f"  短信验证码 SMS code: 在 {url}/login/ 输入上表手机号并获取验证码；演示环境不真正发送短信，")
        out(f"    验证码显示在开发发件箱 {url}/dev/outbox/ 。Enter a phone above at /login/, ask for a code, "
            "and read it on the dev outbox page.")
        out(f"  密码 password (工作人员 staff): 在 {url}/login/ 用上表用户名和密码 {PASSWORD} 登录。")
        out(f"  管理后台 admin: {url}/admin/ (admin / {PASSWORD})")
        out("")
