"""Roles and the verbs each grants. This table is the whole permission policy: a role is
held at a place and grants its verbs on that place's subtree (linli.accounts.scope)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_OFFICIAL = "street_official", _("街道干部")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    AREA_HEAD = "area_head", _("片区长")
    GRID_HEAD = "grid_head", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    PARTY_MEMBER_HOUSEHOLD = "party_member_household", _("党员中心户")
    BRANCH_SECRETARY = "branch_secretary", _("党支部书记")
    PROPERTY_MANAGER = "property_manager", _("物业经理")
    OWNERS_COMMITTEE = "owners_committee", _("业委会成员")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")


class Verb(models.TextChoices):
    PLACE_VIEW = "place.view", _("查看地点")
    PLACE_MANAGE = "place.manage", _("管理地点")
    HOUSEHOLD_VIEW = "household.view", _("查看住户")
    HOUSEHOLD_MANAGE = "household.manage", _("管理住户")
    RESIDENT_VIEW = "resident.view", _("查看居民")
    RESIDENT_MANAGE = "resident.manage", _("管理居民")
    RESIDENT_UNMASK = "resident.unmask", _("查看完整身份证号和电话")
    PEOPLE_IMPORT = "people.import", _("导入人口数据")
    ROLE_MANAGE = "role.manage", _("分配角色")
    AUDIT_VIEW = "audit.view", _("查看审计日志")
    CASE_VIEW = "case.view", _("查看诉求")
    CASE_INTAKE = "case.intake", _("代为登记诉求")
    CASE_HANDLE = "case.handle", _("办理诉求")
    CASE_VERIFY = "case.verify", _("核查诉求")
    CASE_DISPATCH = "case.dispatch", _("派遣、转办、合并诉求")
    DELIBERATION_VIEW = "deliberation.view", _("查看议题、会议和表决")
    DELIBERATION_PROPOSE = "deliberation.propose", _("提出和附议议题")
    DELIBERATION_CONVENE = "deliberation.convene", _("召集会议、组织表决")
    DELIBERATION_SCRUTINISE = "deliberation.scrutinise", _("监票：查看每张选票的选择")
    DELIBERATION_RULES = "deliberation.rules", _("制定议事规则")
    LISTS_VIEW = "lists.view", _("查看三张清单")
    LISTS_MANAGE = "lists.manage", _("管理清单事项")
    LISTS_APPROVE = "lists.approve", _("立项、取消、重启清单事项")
    LISTS_FUND = "lists.fund", _("登记项目资金")
    ACTIVITY_MANAGE = "activity.manage", _("组织活动")
    ACTIVITY_CHECKIN = "activity.checkin", _("活动签到核验")
    VOLUNTEER_MANAGE = "volunteer.manage", _("管理志愿者、报到党员和共建单位")
    POINTS_MANAGE = "points.manage", _("管理积分规则和积分超市")
    POINTS_COUNTER = "points.counter", _("积分超市柜台核销")


V = Verb
_ALL = frozenset(Verb)
_GRID_STAFF = frozenset({V.PLACE_VIEW, V.HOUSEHOLD_VIEW, V.HOUSEHOLD_MANAGE, V.RESIDENT_VIEW,
                         V.RESIDENT_MANAGE, V.RESIDENT_UNMASK})
_LOOK = frozenset({V.PLACE_VIEW, V.HOUSEHOLD_VIEW, V.RESIDENT_VIEW})
_CASE_WORK = frozenset({V.CASE_VIEW, V.CASE_INTAKE, V.CASE_HANDLE, V.CASE_VERIFY})
_TAKE_PART = frozenset({V.DELIBERATION_VIEW, V.DELIBERATION_PROPOSE})
_CONVENE = _TAKE_PART | {V.DELIBERATION_CONVENE}
# The three lists: grid staff keep them; the community approves projects, records money.
_LISTS_KEEP = frozenset({V.LISTS_VIEW, V.LISTS_MANAGE})
_ORGANISE = frozenset({V.ACTIVITY_MANAGE, V.ACTIVITY_CHECKIN, V.VOLUNTEER_MANAGE})

ROLE_VERBS: dict[str, frozenset] = {
    Role.STREET_OFFICIAL: _ALL,
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_WORKER: _GRID_STAFF | _CASE_WORK | _CONVENE | _LISTS_KEEP | _ORGANISE | {
        V.PLACE_MANAGE, V.PEOPLE_IMPORT, V.CASE_DISPATCH, V.LISTS_FUND, V.POINTS_MANAGE, V.POINTS_COUNTER,
        V.DELIBERATION_RULES},
    Role.AREA_HEAD: _GRID_STAFF | _CASE_WORK | _CONVENE | _LISTS_KEEP | _ORGANISE,
    Role.GRID_HEAD: _GRID_STAFF | _CASE_WORK | _CONVENE | _LISTS_KEEP | _ORGANISE | {V.PEOPLE_IMPORT},
    Role.GRID_WORKER: _GRID_STAFF | _CASE_WORK | _CONVENE | _LISTS_KEEP | _ORGANISE,
    # Building heads and party-member households know their neighbours but see masked data;
    # building heads settle small matters themselves (小事不出家门).
    Role.BUILDING_HEAD: _LOOK | _CONVENE | {V.CASE_VIEW, V.CASE_INTAKE, V.CASE_HANDLE, V.LISTS_VIEW,
                                            V.ACTIVITY_CHECKIN},
    Role.PARTY_MEMBER_HOUSEHOLD: _LOOK | _TAKE_PART | {V.CASE_VIEW, V.CASE_INTAKE, V.LISTS_VIEW},
    Role.BRANCH_SECRETARY: _LOOK | _CONVENE | {V.CASE_VIEW, V.CASE_INTAKE, V.LISTS_VIEW, V.ACTIVITY_MANAGE,
                                               V.ACTIVITY_CHECKIN},
    Role.PROPERTY_MANAGER: frozenset({V.PLACE_VIEW, V.DELIBERATION_VIEW, V.LISTS_VIEW}),
    # The owners' committee convenes owners' assemblies and their votes (art. 278) and keeps
    # the residents' pooled money of its compound (seed 001).
    Role.OWNERS_COMMITTEE: frozenset({V.PLACE_VIEW, V.LISTS_VIEW, V.LISTS_FUND}) | _CONVENE,
    # Department staff work on the cases referred or co-handled to their organisation (granted
    # by relation in linli.cases.models.Case.extra_scope_q) and meet residents only through
    # those cases (the reporter's name and masked contact on the case). A department's
    # jurisdiction is a whole county: seeing every resident there, care tags (disability, low
    # income) included, is more than any referral needs (issue 10). They see the place tree
    # and the deliberation in it (votes they may be asked to supervise).
    Role.DEPARTMENT_STAFF: frozenset({V.PLACE_VIEW, V.DELIBERATION_VIEW}),
    # Volunteers scan attendees in and staff the points shop's counter (石榴红积分超市).
    Role.VOLUNTEER: frozenset({V.PLACE_VIEW, V.ACTIVITY_CHECKIN, V.POINTS_COUNTER}) | _TAKE_PART,
    # A resident's role is held at their own dwelling: they see their own household.
    Role.RESIDENT: _LOOK | _TAKE_PART,
}

# Roles shown on a compound's contact card (连心卡), in card order.
CONTACT_CARD_ROLES = (Role.BRANCH_SECRETARY, Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER)
