"""English of the messages added for the category suggestions and duplicates (issue 11)."""

TRANSLATIONS = {
    "系统建议类别": "Suggested categories",
    "可能是以下类别，点一下选定：": "It may be one of these categories; tap one to choose it:",
    "不选则按第一个建议归类，也可在下方“类别”中选择其他类别；工作人员受理时会确认。":
        "If you choose none, the first suggestion is used; you can also pick another category under "
        "\"Category\" below. Staff confirm it when they accept the case.",
    "建议类别排序": "Suggested categories, ranked",
}
