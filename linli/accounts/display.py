"""How a person appears to whom: one rule for pages, the API and Open311 (issue 10 §3).

- Nobody (a system action): 系统. The viewer themselves: 我.
- A person acting in a role (accepting, answering, escalating a case) appears by name: staff
  act in a public capacity.
- A person acting as a resident (reporting, adding information, "me too", rating) appears by
  name only to those who handle the matter (`case.handle` on `over`, the case); to everyone
  else, neighbours and the public included, as 居民.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .roles import Verb
from .scope import allowed

AS_RESIDENT = "resident"
AS_STAFF = "staff"


def display_name_for(viewer, person, context: str, *, over=None) -> str:
    if person is None:
        return str(_("系统"))
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.pk == person.pk:
        return str(_("我"))
    if context == AS_STAFF:
        return str(person)
    if over is not None and viewer is not None and getattr(viewer, "is_authenticated", False) \
            and allowed(viewer, Verb.CASE_HANDLE, over):
        return str(person)
    return str(_("居民"))
