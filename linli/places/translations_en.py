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
    "搜索": "Search",
    "诉求编号或文字；居民姓名、手机号或身份证号": "A case number or words; a resident's name, mobile or ID number",
    "手机号和身份证号须完整填写；只显示您管辖范围内的结果。":
        "Type mobile and ID numbers in full; only results within your area are shown.",
    "没有找到诉求。": "No cases found.",
    "没有找到居民。": "No residents found.",
    "诉求编号、文字，居民姓名、手机号": "Case number or words, resident name or mobile",
}
