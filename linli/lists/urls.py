from django.urls import path

from . import views

app_name = "lists"

urlpatterns = [
    path("lists/", views.index, name="index"),
    path("lists/new/", views.new, name="new"),
    path("lists/board/<int:place_id>/", views.board, name="board"),
    path("lists/figures/<int:place_id>/", views.figures, name="figures"),
    path("lists/ledger/<int:place_id>.xlsx", views.ledger, name="ledger"),
    path("lists/photos/<int:photo_id>/", views.photo, name="photo"),
    path("lists/vouchers/<int:entry_id>/", views.voucher, name="voucher"),
    path("lists/receipts/<int:entry_id>/", views.receipt, name="receipt"),
    path("lists/<int:item_id>/", views.item_detail, name="item"),
    path("lists/<int:item_id>/<slug:action>/", views.item_action, name="action"),
]
