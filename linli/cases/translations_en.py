"""English for the cases app's messages added since the shared table (see linli/locale/en_translations.py)."""

TRANSLATIONS = {
    # The case list: the cases in the person's scope, or the public cases of any place.
    "诉求范围": "Which cases",
    "我管辖的": "In my area",
    "公开诉求": "Public cases",
}
