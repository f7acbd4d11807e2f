"""English for core's messages added since the shared table (see linli/locale/en_translations.py)."""

TRANSLATIONS = {
    "领域事件": "Domain event",
    "来源标识": "Source key",
    # form widgets in the page's language (core/widgets.py)
    "选择文件": "Choose a file",
    "未选择文件": "No file chosen",
    "选择照片": "Choose photos",
    "未选择照片": "No photo chosen",
    "日期格式：年-月-日，如 2026-11-01": "Date format: year-month-day, e.g. 2026-11-01",
}
