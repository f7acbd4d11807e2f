from django import template

from linli.lists.services import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen):
    """Fen (an integer) shown as yuan with two decimals: 128050 → 1,280.50."""
    return _yuan(int(fen or 0))


@register.filter
def pct(bp):
    """Basis points as a whole percentage; None (nothing counted) as a dash."""
    return "—" if bp is None else f"{int(bp) / 100:.0f}%"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
