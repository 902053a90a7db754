"""The analysis context a chapter works on: data, configuration and results.

Computed once per build and cached on disk under ``.build/cache`` keyed by the
content of the data, the configuration and the package, so that 28 chapter runs
do not repeat the analysis. A notebook opened in JupyterLab computes it itself
on first use (same function, same result).

The cache is a pickle, and unpickling runs code: an entry is only unpickled after its
HMAC tag (build key, see :mod:`analysis.common.trust`) has been verified, so a pickle planted
in a shared output folder is never loaded; it is recomputed and overwritten instead.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from analysis.common.trust import read_sealed, write_sealed
from analysis.contract.config import ReportConfig, check_against_dataset, load_config
from analysis.contract.dataset import Dataset, load_dataset
from analysis.method.core import Analysis, run

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the package root


@dataclass
class Context:
    """Everything a chapter needs."""

    ds: Dataset
    cfg: ReportConfig
    res: Analysis
    config_hash: str
    config_file: str = ""  # resolved path of the configuration (texts lie next to it)

    def text_digest(self, names: list[str] | tuple[str, ...]) -> str:
        """Hash of the chapter texts ``names`` (part of a chapter's stamp: editing a text
        re-runs only the chapters that show it)."""
        h = hashlib.sha256()
        for name in names:
            path = self.cfg.text_path(self.config_file, name)
            h.update(name.encode() + b"\0")
            if path.is_file():
                h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()[:16]


def package_hash() -> str:
    """Hash of the package source (a change re-runs every chapter)."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".j2", ".css", ".json") and \
                "__pycache__" not in p.parts:
            h.update(p.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def cache_dir() -> Path:
    """Cache folder: ``$SOZIALPLANUNG_CACHE`` or ``.build/cache`` in the working tree."""
    env = os.environ.get("SOZIALPLANUNG_CACHE")
    if env:
        return Path(env)
    return PACKAGE_DIR.parents[1] / ".build" / "cache"


def _key(data_dir: Path, config_file: Path) -> str:
    from analysis.contract.dataset import data_hash

    raw = f"{data_hash(data_dir)}|{file_hash(config_file)}|{package_hash()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def compute_context(data_dir: Path, config_file: Path) -> Context:
    """Validate inputs and run the analysis (no cache)."""
    cfg = load_config(config_file)
    ds = load_dataset(data_dir, cfg.subsets)
    check_against_dataset(cfg, ds, Path(config_file).name, config_file)
    return Context(ds, cfg, run(ds, cfg), config_hash(cfg),
                   str(Path(config_file).resolve()))


def config_hash(cfg: ReportConfig) -> str:
    """Published hash of the configuration (colophon): of its settings without the
    secret disclosure key, so that the hash gives no way to test guessed keys."""
    public = cfg.model_dump_json(exclude={"geheimhaltung": {"schluessel"}})
    return hashlib.sha256(public.encode()).hexdigest()[:12]


@lru_cache(maxsize=4)
def load_context(data_dir: str | Path, config_file: str | Path) -> Context:
    """Return the cached context for these inputs, computing and storing it if needed."""
    data_dir, config_file = Path(data_dir), Path(config_file)
    key = _key(data_dir, config_file)
    path = cache_dir() / f"context-{key}.pkl"
    name = f"context/{key}"
    payload = read_sealed(path, name)  # None: missing, truncated, planted or foreign
    if payload is not None:
        ctx = pickle.loads(payload)  # authenticated: written by this build key
        # the key covers the configuration's content, not its place: the same
        # configuration in another folder has its own texts (texte/ beside it)
        return replace(ctx, config_file=str(config_file.resolve()))
    ctx = compute_context(data_dir, config_file)
    try:  # a cache that cannot be written only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        write_sealed(path, name, pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return ctx
