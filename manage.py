#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    # Every command refuses to run without SECRET_KEY when DEBUG is off: runserver and the job
    # worker serve, and migrate, check --deploy or shell act on the production site.
    from django.core.exceptions import ImproperlyConfigured

    from project.settings import refuse_to_serve_without_a_secret_key

    try:
        refuse_to_serve_without_a_secret_key()
    except ImproperlyConfigured as refusal:
        sys.exit(f"manage.py: {refusal}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
