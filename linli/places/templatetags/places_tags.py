"""Where a row is: `{% place_labels rows "case.place" as labels %}` once per list (one
query), then `{% place_label labels case.place %}` in each row."""

from django import template

from linli.places import selectors

register = template.Library()


def _resolve(item, dotted: str):
    for part in dotted.split("."):
        item = item.get(part) if isinstance(item, dict) else getattr(item, part, None)
        if item is None:
            return None
    return item


@register.simple_tag(takes_context=True)
def place_labels(context, items, attr: str = "place") -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.place_labels(user, [_resolve(item, attr) for item in items])


@register.simple_tag
def place_label(labels: dict, place) -> str:
    if place is None:
        return ""
    return labels.get(place.pk) or place.name
