"""The managers' navigation entry for the trends dashboard."""

from django import template

from recovery.trends import selectors

register = template.Library()


@register.inclusion_tag("recovery/trends/_nav_item.html", takes_context=True)
def trends_nav(context: template.Context) -> dict:
    """A "Trends" link for users who manage an inbox."""
    request = context["request"]
    if not selectors.managed_inboxes(user=request.user):
        return {"show": False}
    match = request.resolver_match
    return {"show": True, "url_name": match.view_name if match else ""}
