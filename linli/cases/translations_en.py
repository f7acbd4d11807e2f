"""English for the cases pages' messages added since the shared table."""

TRANSLATIONS = {
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
