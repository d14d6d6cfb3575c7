"""Item 1 of "sharing without loss": loading an export never changes an account that exists."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import Comment, Report
from tests.test_sharing_fixture_export import export, wipe


def _account_fields(user):
    return (
        user.is_active,
        user.is_staff,
        user.is_superuser,
        user.password,
        user.email,
        user.date_joined,
        user.first_name,
        user.last_name,
        user.last_login,
    )


def test_loaddata_of_an_export_never_changes_an_existing_account(annotated_report, tmp_path):
    path = export(tmp_path, "--all")
    Report.objects.all().delete()
    carl = get_user_model().objects.get(username="carl")
    carl.is_staff = carl.is_superuser = True
    carl.email = "carl@example.org"
    carl.first_name = "Carl"
    carl.date_joined = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    carl.save()
    before = _account_fields(carl)

    call_command("loaddata", str(path), verbosity=0)

    carl.refresh_from_db()
    assert _account_fields(carl) == before
    assert carl.check_password("pw-for-tests-only")
    assert Report.objects.get().imported_by == carl
    assert Comment.objects.filter(author=carl).count() == 2


def test_loaddata_into_a_fresh_instance_creates_inactive_placeholder_users(annotated_report, tmp_path):
    path = export(tmp_path, "--all")
    wipe()
    call_command("loaddata", str(path), verbosity=0)
    users = get_user_model().objects.all()
    assert {u.username for u in users} == {"anna", "carl"}
    assert all(not (u.is_active or u.is_staff or u.is_superuser or u.has_usable_password()) for u in users)
