from django import template

from ..models import Objection

register = template.Library()


@register.inclusion_tag("deliberation/_objection_answers.html")
def objection_answers(vote):
    """The answered objections, public: building and door only (as the notice shows)."""
    return {"vote": vote, "answered": Objection.objects.filter(vote=vote).exclude(status="open")
            .select_related("elector").order_by("id")}
