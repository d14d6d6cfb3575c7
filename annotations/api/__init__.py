"""The REST API (`/api/v1/`, django-ninja) and the W3C Web Annotation Protocol container
(`/api/w3c/`), on the same services, permissions and scoping as the browser."""
