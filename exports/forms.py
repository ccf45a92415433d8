from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALL_TEAMS = ""


class ExportForm(forms.Form):
    team = forms.ChoiceField(label=gettext_lazy("Teams"), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {t.slug: t for t in teams}
        choices = [(ALL_TEAMS, _("Every team I can read"))]
        choices += [(t.slug, t.name) for t in teams]
        self.fields["team"].choices = choices

    def chosen(self):
        slug = self.cleaned_data["team"]
        return [self.teams[slug]] if slug else list(self.teams.values())
