"""Safe file writes and line reading."""

import os
import tempfile

from .strings import slugify


def atomic_write(path, data, encoding="utf-8"):
    """Write to a temporary file in the same folder, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise


def read_lines(path, strip=True, skip_blank=True):
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if strip:
                line = line.strip()
            if skip_blank and not line:
                continue
            yield line


def backup_name(path, label):
    """'report.txt', 'Before Upgrade' -> 'report.before-upgrade.txt'."""
    root, ext = os.path.splitext(path)
    return f"{root}.{slugify(label)}{ext}"
