"""English for notify's messages (see linli/locale/en_translations.py)."""

TRANSLATIONS = {
    "我的消息": "My notices",
    "消息": "Notices",
    "未读": "unread",
    "%(n)s 条未读": ("%(n)s unread", "%(n)s unread"),
    "全部标为已读": "Mark all as read",
    "还没有消息。诉求有进展时会在这里通知您。": "No notices yet. You will be told here when your requests move on.",
}
