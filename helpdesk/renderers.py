"""Form rendering: Django's own Jinja2 widget templates give the same markup
as its Django-template ones at a fraction of the cost, and widgets are the
bulk of a ticket page's template work. Widgets that ship only Django
templates (the admin's) are rendered with those."""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class FastFormRenderer(Jinja2):
    @cached_property
    def fallback(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
