"""Admin widgets that name every input they render, for screen readers (and the axe audit)."""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.text import capfirst


class LabelledSplitDateTime(AdminSplitDateTime):
    """Django's date and time inputs: the field's <label> points at neither of them (its `for` is
    the field's id, they have id_0 and id_1), so each input names itself."""

    def __init__(self, label, attrs=None):
        super().__init__(attrs)
        self.label = label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, part in zip(context["widget"]["subwidgets"], ("date", "time"), strict=True):
            subwidget["attrs"]["aria-label"] = f"{self.label}: {part}"
        return context


class LabelledDateTimeMixin:
    """For a ModelAdmin or inline: date-time fields get inputs that name themselves."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, AdminSplitDateTime):
            field.widget = LabelledSplitDateTime(capfirst(db_field.verbose_name))
        return field
