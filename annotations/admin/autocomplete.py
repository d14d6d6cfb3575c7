"""Autocomplete choices that say what they are: a passage is named with its report, or "¶ 3: The
SCO…" could be any report's third paragraph (issue 16, item 14)."""

from django import forms
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.text import Truncator


def passage_choice_label(passage):
    """ "Report title · ¶ 12 · 1.a The passage's text…" (the report's title cut at 40 characters)."""
    return f"{Truncator(passage.report.title).chars(40)} · ¶ {passage.order} · {Truncator(str(passage)).chars(80)}"


class PassageChoiceField(forms.ModelChoiceField):
    """A passage foreign key's choices (the autocomplete's selected value included) name their report."""

    def label_from_instance(self, obj):
        return passage_choice_label(obj)


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, asking the ModelAdmin for a choice's label when it has a
    `choice_label(obj)`; Django's own labels are str(obj)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "choice_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result
