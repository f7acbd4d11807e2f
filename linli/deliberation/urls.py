from django.urls import path

from . import (views, views_case_topic, views_decisions, views_meetings, views_objections, views_register, views_roll,
               views_rules, views_sheet)

app_name = "deliberation"

urlpatterns = [
    path("deliberation/", views.home, name="home"),
    path("deliberation/votes/new/", views.new_vote, name="new_vote"),
    path("deliberation/votes/<int:vote_id>/", views.vote_page, name="vote"),
    path("deliberation/votes/<int:vote_id>/manage/", views.manage_page, name="manage"),
    path("deliberation/votes/<int:vote_id>/notice/", views.notice_page, name="notice"),
    path("deliberation/votes/<int:vote_id>/choices/", views.choices_page, name="choices"),
    path("deliberation/votes/<int:vote_id>/paper/", views.paper_ballots_page, name="paper_ballots"),
    path("deliberation/votes/<int:vote_id>/register/", views_register.register_page, name="register"),
    path("deliberation/votes/<int:vote_id>/objections/", views_objections.objections_page, name="objections"),
    path("deliberation/topics/", views.topics_page, name="topics"),
    path("deliberation/topics/<int:topic_id>/", views.topic_page, name="topic"),
    path("deliberation/topics/from-case/", views_case_topic.topic_from_case, name="topic_from_case"),
    path("deliberation/meetings/<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("deliberation/meetings/<int:meeting_id>/sheet/", views_sheet.sign_in_sheet, name="sign_in_sheet"),
    path("deliberation/meetings/new/", views_meetings.new_meeting, name="new_meeting"),
    path("deliberation/meetings/<int:meeting_id>/scan/", views_meetings.meeting_scanner, name="meeting_scanner"),
    path("deliberation/meetings/items/<int:item_id>/vote/", views_meetings.item_vote, name="item_vote"),
    path("deliberation/meetings/items/<int:item_id>/", views_decisions.agenda_item, name="agenda_item"),
    path("deliberation/meetings/items/<int:item_id>/list-item/", views_decisions.item_list_item,
         name="item_list_item"),
    path("deliberation/meetings/items/<int:item_id>/case/", views_decisions.item_case, name="item_case"),
    path("deliberation/topics/photos/<int:photo_id>/", views_decisions.topic_photo, name="topic_photo"),
    path("deliberation/meetings/mine/", views_meetings.my_sign_ins, name="my_sign_ins"),
    path("deliberation/rules/", views_rules.rules_page, name="rules"),
    path("deliberation/figures/", views.figures_page, name="figures"),
    path("deliberation/roll/import/", views_roll.roll_import_page, name="roll_import"),
    path("deliberation/roll/import/template.xlsx", views_roll.roll_template, name="roll_template"),
]
