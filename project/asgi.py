import os

from django.core.asgi import get_asgi_application

from project.settings import refuse_to_serve_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
refuse_to_serve_without_a_secret_key()
application = get_asgi_application()
