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
}
