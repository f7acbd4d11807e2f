"""English for the home page's and places' messages added since the shared table."""

TRANSLATIONS = {
    "首页": "Home",
    "您好，%(name)s": "Hello, %(name)s",
    "件待办": "cases to do",
    "巡查登记": "Patrol entry",
    "我的消息": "My notices",
    "导入人口数据": "Import residents",
    "您还没有反映过问题。": "You have not reported anything yet.",
    "全部我的诉求": "All my requests",
    "拨打 %(phone)s": "Call %(phone)s",
    "打开连心卡": "Open the contact card",
}
