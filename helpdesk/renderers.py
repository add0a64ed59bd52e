"""Form rendering: Django's own Jinja2 widget templates give the same markup
as its Django-template ones at a fraction of the cost, and widgets are the
bulk of a ticket page's template work. Selects, a dozen on a ticket page,
are built in Python with the markup of those templates. Widgets that ship
only Django templates (the admin's) are rendered with those."""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FastFormRenderer(Jinja2):
    @cached_property
    def fallback(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)

    def render(self, template_name, context, request=None):
        if template_name == SELECT and _plain_options(context["widget"]):
            return select_markup(context["widget"])
        return super().render(template_name, context, request)


def _plain_options(widget: dict) -> bool:
    return all(
        option["template_name"] == OPTION
        for _, options, _ in widget["optgroups"]
        for option in options
    )


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: True is a bare name, False none."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_markup(widget: dict) -> SafeString:
    """The markup of Django's select.html and select_option.html."""
    parts = [
        f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
    ]
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"'
            f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
