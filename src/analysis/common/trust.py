"""What the build reads back from its own working folders, and how it knows it wrote it.

The output folder ``OUT`` may be a shared publishing folder that other people can write
to. Everything the build keeps there between builds (``OUT/.build``: the analysis
context, executed notebooks and their stamps, rendered pages, downloads) is therefore
*untrusted input*: it is only used when it carries an HMAC-SHA256 tag made with the
build key, a secret that is never stored in ``OUT``:

* The key (32 random bytes) lives in the user's private cache folder,
  ``$XDG_CACHE_HOME/sozialplanung/build.key`` (default ``~/.cache``), folder 0700, file
  0600, owned by the user. Whoever can read it can already run code as that user, so it
  adds no new way in. If no such folder can be used, the build takes a random key for
  this run only: nothing from earlier builds is reused, which is slower but correct.
* Chapter kernels get the key through their environment (``SOZIALPLANUNG_BUILD_KEY``),
  never as a notebook parameter: parameters are written into the executed notebooks,
  which lie in ``OUT``.
* A tag covers the entry's *name* (what it is for, e.g. the input hash it belongs to)
  and its bytes, so a valid entry cannot be replayed under another name.
* Reading takes the bytes once, checks the tag and uses exactly those bytes (no second
  read that could see other content). Anything that is missing, empty, truncated, not a
  regular file, or has a wrong tag counts as "not cached": it is rebuilt, never fatal.
* Every entry is written atomically (temporary file in the same folder, then
  :func:`os.replace`), so a killed build leaves the old entry or the new one, and at
  worst a stray ``*.tmp`` file that the next build removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import tempfile
from pathlib import Path

KEY_ENV = "SOZIALPLANUNG_BUILD_KEY"
KEY_BYTES = 32
MAGIC = b"sozialplanung-cache-1\n"
TAG_BYTES = hashlib.sha256().digest_size
TMP_SUFFIX = ".tmp"

_process_key: bytes | None = None


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sozialplanung" / "build.key"


def build_key() -> bytes:
    """The secret that authenticates cache entries (see the module docstring)."""
    global _process_key
    env = os.environ.get(KEY_ENV, "")
    if env:
        with contextlib.suppress(ValueError):
            key = bytes.fromhex(env)
            if len(key) == KEY_BYTES:
                return key
    if _process_key is None:
        try:
            _process_key = _load_or_create(key_file())
        except (OSError, RuntimeError):
            _process_key = os.urandom(KEY_BYTES)  # this run only
    return _process_key


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise OSError(f"{path}: kein eigener Ordner")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read(KEY_BYTES + 1)
    if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077 \
            and len(data) == KEY_BYTES:
        return data
    return None


def _load_or_create(path: Path) -> bytes:
    _private_dir(path.parent)
    for _ in range(3):
        key = _read_key(path)
        if key is not None:
            return key
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=TMP_SUFFIX)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(KEY_BYTES))
            if os.path.lexists(path):  # unusable (wrong owner, mode or size): replace it
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):  # a parallel build was first
                    os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    raise RuntimeError("Build-Schlüssel kann nicht angelegt werden")


def key_for_children() -> dict[str, str]:
    """Environment entries that give processes started by the build the same key."""
    return {KEY_ENV: build_key().hex()}


# --------------------------------------------------------------------------- entries
def seal(key: bytes, name: str, payload: bytes) -> bytes:
    """``payload`` with a header and an HMAC tag over ``name`` and ``payload``."""
    tag = hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return MAGIC + tag + payload


def unseal(key: bytes, name: str, blob: bytes) -> bytes | None:
    """The payload of a sealed ``blob`` if its tag is valid for ``name``, else ``None``."""
    head = len(MAGIC) + TAG_BYTES
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    tag, payload = blob[len(MAGIC):head], blob[head:]
    want = hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return payload if hmac.compare_digest(tag, want) else None


def read_regular(path: Path) -> bytes | None:
    """Bytes of a regular file, read once; ``None`` if missing, a link, a FIFO, unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            return fh.read()
    except OSError:
        return None


def read_sealed(path: Path, name: str, key: bytes | None = None) -> bytes | None:
    """The verified payload stored at ``path`` under ``name``, or ``None`` (= rebuild)."""
    blob = read_regular(path)
    if blob is None:
        return None
    return unseal(key or build_key(), name, blob)


def write_atomic(path: Path, data: bytes, public: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file and :func:`os.replace`.

    The temporary file is created exclusively (never through a planted link), and the
    replace swaps the directory entry, so a symlink at ``path`` is replaced, not followed.
    The file is private (0600) unless ``public`` (then as ``umask`` says, like ``open``).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        if public:
            mask = os.umask(0o022)
            os.umask(mask)
            os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_sealed(path: Path, name: str, payload: bytes, key: bytes | None = None) -> None:
    write_atomic(path, seal(key or build_key(), name, payload))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
