"""Writing an export file whole or not at all."""

import os
import tempfile
from contextlib import contextmanager


@contextmanager
def atomic_output(path, newline=None):
    """A text stream that replaces `path` only when the block finishes: a failed export leaves
    no half-written file behind (and an older export at that path untouched)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
