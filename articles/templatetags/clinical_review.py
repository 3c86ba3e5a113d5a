from django import template

from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/articles/overdue_reviews.html", takes_context=True)
def overdue_reviews(context):
    """The admin dashboard's count of articles past their clinical review date."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"visible": False}
    return {"visible": True, "count": Article.objects.review_overdue().count()}
