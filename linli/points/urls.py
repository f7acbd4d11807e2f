from django.urls import path

from . import views, views_staff

app_name = "points"

urlpatterns = [
    path("points/", views.my_points, name="mine"),
    path("points/shop/", views.shop, name="shop"),
    path("points/shop/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("points/redemptions/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("points/counter/", views.counter, name="counter"),
    path("points/rankings/", views.rankings, name="rankings"),
    # the shop's staff (points.manage): rules, goods and stock, redemptions, awards by hand
    path("points/manage/rules/", views_staff.rules, name="staff_rules"),
    path("points/manage/rules/new/", views_staff.rule_edit, name="staff_rule_new"),
    path("points/manage/rules/<int:pk>/", views_staff.rule_edit, name="staff_rule"),
    path("points/manage/rules/<int:pk>/active/", views_staff.rule_active, name="staff_rule_active"),
    path("points/manage/goods/", views_staff.goods, name="staff_goods"),
    path("points/manage/goods/new/", views_staff.good_new, name="staff_good_new"),
    path("points/manage/goods/<int:pk>/", views_staff.good_detail, name="staff_good"),
    path("points/manage/redemptions/", views_staff.redemptions, name="staff_redemptions"),
    path("points/manage/redemptions/<int:pk>/cancel/", views_staff.redemption_cancel, name="staff_redemption_cancel"),
    path("points/manage/award/", views_staff.award, name="staff_award"),
    path("points/manage/people/<int:pk>/", views_staff.person, name="staff_person"),
    path("points/manage/transfers/<int:pk>/reverse/", views_staff.reverse_transfer, name="staff_reverse"),
]
