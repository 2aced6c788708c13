"""Reading the repository's data files (docs/DATA.md) from the developer scripts.

The real cards and Hub listings are stored zstd-compressed (data/cards/*.jsonl.zst,
data/metadata/*.zst). Python's standard library has no zstd before 3.14, so the zstd
program (Debian package zstd, installed by scripts/bootstrap) decompresses them.

    import datafiles                      # after sys.path has this directory
    for line in datafiles.open_text("data/cards/models.jsonl"): ...
"""
import io
import os
import subprocess

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def resolve(path):
    """`path` itself when it exists, else `path.zst` (so callers may name the plain file)."""
    if not os.path.exists(path) and os.path.exists(path + ".zst"):
        return path + ".zst"
    return path


def open_text(path):
    """A text file opened for reading, decompressed when its content is zstd."""
    path = resolve(path)
    with open(path, "rb") as f:
        zstd = f.read(4) == ZSTD_MAGIC
    if not zstd:
        return open(path, encoding="utf-8", newline="")
    out = subprocess.run(["zstd", "-dcq", path], check=True, stdout=subprocess.PIPE).stdout
    return io.StringIO(out.decode("utf-8"), newline="")
