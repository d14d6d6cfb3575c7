"""Writing an export file whole or not at all."""

import os
import uuid
from contextlib import contextmanager


@contextmanager
def atomic_output(path, newline=None, binary=False):
    """A text (or `binary`) stream that replaces `path` only when the block finishes: a failed export leaves
    no half-written file behind (and an older export at that path untouched)."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as for any file the user writes
    # (mkstemp would leave the export readable by its owner only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": newline}
        with os.fdopen(fd, **mode) as stream:
            yield stream
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
