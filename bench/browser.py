"""A small HTTP client that talks to a local server as the TLS proxy forwards a browser's requests
(X-Forwarded-Proto https), so the Secure cookies are kept by hand; redirects come back as they are."""

import re
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirects())

    def get(self, path, headers=None):
        return self.request(path, headers=headers)

    def request(self, path, data=None, headers=None, body=None):
        """(status, text, response headers) of a GET, or of a POST of form `data` or a raw `body`."""
        if data is not None:
            body = urlencode(data).encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={
                "X-Forwarded-Proto": "https",
                "Referer": self.origin + "/",
                "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
                **(headers or {}),
            },
        )
        try:
            response = self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";", 1)[0].split("=", 1)
                self.cookies[name.strip()] = value
            return response.status, response.read().decode(), response.headers

    def csrf_token(self, page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, username, password):
        _status, page, _ = self.get("/accounts/login/")
        data = {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf_token(page)}
        return self.request("/accounts/login/", data)[0]

    def upload(self, path, token, filename, content, fields=None):
        """POST a multipart form with one file."""
        body, content_type = multipart({"csrfmiddlewaretoken": token, **(fields or {})}, filename, content)
        return self.request(path, headers={"Content-Type": content_type}, body=body)


def multipart(fields, filename, content):
    """(body, Content-Type) of a form with `fields` and one file, as a browser sends it."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
