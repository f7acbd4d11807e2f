"""English for the cases app's messages added since the shared table (see linli/locale/en_translations.py)."""

TRANSLATIONS = {
    # The case list: the cases in the person's scope, or the public cases of any place.
    "诉求范围": "Which cases",
    "我管辖的": "In my area",
    "公开诉求": "Public cases",

    "巡查登记": "Patrol entry",
    ("nav", "导入"): "Import",
    "位置（可选）": "Position (optional)",
    "使用我的位置": "Use my position",
    "正在获取位置…": "Finding your position…",
    "已填入当前位置。": "Your current position is filled in.",
    "无法获取位置，请检查是否允许浏览器使用位置，或手动填写。":
        "Could not get your position: check that the browser may use it, or type it in.",
    "已登记。": "Filed.",
    "继续登记下一条": "File the next one here",

    "工作人员不能附议": "Staff cannot add a 'me too'",
    "答复人不能核查自己的答复，请由反映人确认或其他工作人员核查":
        "The one who answered cannot verify their own answer: the reporter confirms or another staff member verifies",
    "此诉求已被他人处理（当前%(what)s），请刷新后再试":
        "Someone else has already acted on this request (now %(what)s); please reload and try again",
    "在%(level)s": "at %(level)s",
    "有已答复的诉求待核查": "An answered request is waiting for your verification",
    "反映人没有留下电话": "The reporter left no phone number",
    "拨打": "Call",
    "拨打电话": "Call the reporter",
    "查看完整号码会记入审计日志": "Revealing the full number is recorded in the audit log",
    "您已答复。核查由他人完成：": "You answered. Someone else verifies: ",
    "核查人：": "Verified by: ",
    "反映人确认": "the reporter's confirmation",
    "，或": ", or ",
    "没有其他人可以核查，答复人可以核查自己的答复（将记录在办理记录中）。":
        "Nobody else can verify: the one who answered may verify their own answer (this is recorded in the timeline).",
    "暂无记录": "No entries yet",
    "答复人": "Answered by",
    "受理说明（可选，反映人可见）": "Note on accepting (optional, the reporter can read it)",
    "需要反映人补充什么（反映人可见）": "What the reporter should add (the reporter can read it)",
    "补充说明（办理人员可见）": "Additional information (the handling staff can read it)",
    "说明（可选，反映人可见）": "Note (optional, the reporter can read it)",
    "上报原因（仅工作人员可见）": "Reason for escalating (staff only)",
    "让反映人也看到上报原因": "Let the reporter read the reason too",
    "转办原因（反映人可见）": "Reason for referring (the reporter can read it)",
    "协办要求（可选，反映人可见）": "Instructions for the departments (optional, the reporter can read them)",
    "办理情况（反映人可见）": "What was done (the reporter can read it)",
    "结果说明（“非本级职责”“无法解决”时必填，反映人可见）":
        "Note on the outcome (required for 'not our responsibility' and 'cannot be solved'; the reporter can read it)",
    "评价（可选，办理人员可见）": "Comment (optional, the handling staff can read it)",
    "所在地点调整，改由%(to)s办理（原为%(from)s）": "The place was moved: now handled by %(to)s (was %(from)s)",
    # a case that became a deliberation topic (services.note_topic_from_case)
    "转为议题": "Became a topic",
    "已转为居民议事议题：%(title)s": "Now a topic for residents to deliberate: %(title)s",
    "您的诉求已转为居民议事议题，可在议题页查看进展": "Your request is now a topic for residents to deliberate; follow it on the topic page",
    "查看议题": "See the topic",
    # topic photos, decisions carried out (h-topic)
    "由会议决定生成：%(meeting)s": "Made from a meeting's decision: %(meeting)s",
}
