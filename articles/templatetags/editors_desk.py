from django import template

from articles import dashboard
from articles.states import badge

register = template.Library()


@register.inclusion_tag("admin/articles/desk/desk.html", takes_context=True)
def editors_desk(context):
    """The admin home page's panels for the person logged in (articles/dashboard.py)."""
    return {"panels": dashboard.desk(context["request"].user)}


@register.filter
def state_badge(state) -> str:
    return badge(state)
