from django import template

from articles.models import Article
from clinics import roles

register = template.Library()


@register.inclusion_tag("admin/articles/overdue_reviews.html", takes_context=True)
def overdue_reviews(context):
    """The admin dashboard's count of articles past their clinical review date."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"visible": False}
    # The user's own clinics only: another clinic's articles are not theirs to count.
    return {"visible": True, "count": roles.scope(Article.objects.review_overdue(), user).count()}
