"""English for core's messages added since the shared table (see linli/locale/en_translations.py)."""

TRANSLATIONS = {
    "领域事件": "Domain event",
    "来源标识": "Source key",
}
