"""Team workspaces and their members. Curators manage the members of their own workspaces;
creating or deleting a workspace is for superusers.

A member is added by typing an account's full username or e-mail address: no form lists the
accounts of the instance. The last curator of a workspace stays one (the model's rule)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.forms.models import BaseInlineFormSet

from ..models import LAST_CURATOR, Membership, Report, Role, Source, Workspace, count_of
from ..services import NO_SUCH_ACCOUNT, account_named
from .scoping import ScopedAdmin, ScopedInline, count_column


class AccountField(forms.CharField):
    """An account, typed as its full username or e-mail address."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The person's full username or e-mail address.")
        super().__init__(max_length=254, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):  # the stored member, shown by name
            return get_user_model().objects.filter(pk=value).values_list("username", flat=True).first()
        return value

    def clean(self, value):
        value = super().clean(value)
        account = account_named(value) if value else None
        if value and account is None:
            raise ValidationError(NO_SUCH_ACCOUNT)
        return account

    def has_changed(self, initial, data):
        return (self.prepare_value(initial) or "") != (data or "")


class MembershipForm(forms.ModelForm):
    user = AccountField(label="Account")

    class Meta:
        model = Membership
        fields = ("workspace", "user", "role")


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        """Steps down and removals in one submission must still leave a curator."""
        super().clean()
        if self.instance.pk is None or not self.instance.memberships.filter(role=Role.CURATOR).exists():
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Role.CURATOR
        ]
        if not kept:
            raise ValidationError(LAST_CURATOR)


class MembershipInline(ScopedInline, admin.TabularInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = False


@admin.register(Workspace)
class WorkspaceAdmin(ScopedAdmin):
    list_display = ("name", "slug", "member_count", "report_count", "source_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        of_workspace = {"workspace": OuterRef("pk")}
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=count_of(Membership.objects.filter(**of_workspace)),
                report_count=count_of(Report.objects.filter(**of_workspace)),
                source_count=count_of(Source.objects.filter(**of_workspace)),
            )
        )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    member_count = count_column("member_count", "members")

    report_count = count_column("report_count", "reports")

    source_count = count_column("source_count", "sources")


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "workspace", "role", "created_at")
    list_select_related = ("user", "workspace")
    list_filter = ("role", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "workspace__name")
    autocomplete_fields = ("workspace",)
    readonly_fields = ("created_at",)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.CURATOR:
            try:
                Membership.objects.filter(pk=obj.pk).check_curators_remain()
            except ValidationError:
                return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """A bulk delete that would remove every curator of a workspace is refused on its
        confirmation page, like any deletion of protected records."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        try:
            Membership.objects.filter(pk__in=[obj.pk for obj in objs]).check_curators_remain()
        except ValidationError as error:
            protected = [*protected, *error.messages]
        return deleted, counts, perms_needed, protected
