from django import template

register = template.Library()


@register.filter
def matter_of(part: dict, matter_id):
    """One matter of a building's part of the result (`result.by_building[…]`), by id: the
    by-building tables are laid out per matter, a building's matters are a list."""
    return next((m for m in part.get("matters", ()) if m.get("id") == matter_id), None)
