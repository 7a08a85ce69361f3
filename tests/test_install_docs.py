"""The README's torch install step resolves to the CPU build, checked with pip itself.

No network: two local PEP 503 "simple" indexes served over HTTP on 127.0.0.1 stand in for
the public package index (PyPI: ``torch-2.13.0`` for Linux is the CUDA build, whose
metadata requires the nvidia-* wheels — the requirements below are the real wheel's, read
from its metadata) and for PyTorch's CPU wheel index (``torch-2.13.0+cpu`` for Linux and a
macOS wheel without a local label, as the real index lays them out). The torch command is
parsed out of README.md's quick start, its CPU index URL pointed at the local one, the
public index replaced by the local PyPI stand-in, and pip asked with ``--dry-run --report``
which wheels it would install.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LINUX = "manylinux_2_28_x86_64"
MACOS = "macosx_11_0_arm64"

# Requires-Dist of PyPI's torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl (its metadata,
# fetched once with `pip install --dry-run --report`), trimmed to the CUDA part.
CUDA_REQUIRES = [
    'nvidia-cudnn-cu13==9.20.0.48; platform_system == "Linux"',
    'nvidia-cusparselt-cu13==0.8.1; platform_system == "Linux"',
    'nvidia-nccl-cu13==2.29.7; platform_system == "Linux"',
    'nvidia-nvshmem-cu13==3.4.5; platform_system == "Linux"',
]


def readme_torch_command() -> list[str]:
    """The ``pip install torch…`` step of README.md's first quick-start command, as argv."""
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block, "README.md: no bash block under ## Quick start"
    steps = [s.strip() for s in block.group(1).replace("\\\n", " ").split("&&")]
    torch_steps = [s for s in steps if s.startswith("pip install torch")]
    assert len(torch_steps) == 1, f"README.md: expected one 'pip install torch' step: {steps}"
    return shlex.split(torch_steps[0])


def _wheel(directory: Path, name: str, version: str, tag: str, requires: list[str]) -> None:
    """A minimal valid wheel (METADATA, WHEEL, RECORD) with the given requirements."""
    dist = f"{name.replace('-', '_')}-{version}"
    filename = f"{dist}-{tag}.whl"
    metadata = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)
    )
    files = {
        f"{dist}.dist-info/METADATA": metadata,
        f"{dist}.dist-info/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n",
    }
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
            digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest())
            record.append(f"{path},sha256={digest.decode().rstrip('=')},{len(content)}")
        record.append(f"{dist}.dist-info/RECORD,,")
        archive.writestr(f"{dist}.dist-info/RECORD", "\n".join(record) + "\n")
    project = directory / re.sub(r"[-_.]+", "-", name).lower()
    project.mkdir(parents=True, exist_ok=True)
    (project / filename).write_bytes(buffer.getvalue())


def _index_pages(directory: Path) -> None:
    """PEP 503 pages: one index.html per project listing its files."""
    for project in directory.iterdir():
        links = "".join(f'<a href="{f.name}">{f.name}</a>\n' for f in sorted(project.iterdir()))
        (project / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>")


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("indexes")
    pypi, cpu = root / "pypi", root / "cpu"
    _wheel(pypi, "torch", "2.13.0", f"cp311-cp311-{LINUX}", CUDA_REQUIRES)
    _wheel(pypi, "torch", "2.13.0", f"cp311-none-{MACOS}", [])
    for requirement in CUDA_REQUIRES:
        name, version = requirement.split(";")[0].split("==")
        _wheel(pypi, name, version, "py3-none-any", [])
    _wheel(cpu, "torch", "2.13.0+cpu", f"cp311-cp311-{LINUX}", [])
    _wheel(cpu, "torch", "2.13.0", f"cp311-none-{MACOS}", [])  # macOS: no local label
    _index_pages(pypi)
    _index_pages(cpu)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield {"pypi": f"{base}/pypi/", "cpu": f"{base}/cpu/"}
    finally:
        server.shutdown()
        server.server_close()


def resolve(
    argv: list[str], indexes: dict[str, str], platform: str, tmp_path: Path, *extra: str
) -> dict:
    """What pip would install for ``argv`` (a ``pip install …`` command) on ``platform``."""
    assert argv[:2] == ["pip", "install"], argv
    args = [indexes["cpu"] if a == CPU_INDEX else a for a in argv[2:]] + list(extra)
    report = tmp_path / f"report-{platform}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # only the indexes given here, no machine config
    cmd = [
        sys.executable, "-m", "pip", "install", *args,
        "--index-url", indexes["pypi"],  # the public index, which pip uses by default
        "--dry-run", "--ignore-installed", "--no-cache-dir", "--report", str(report),
        "--only-binary=:all:", "--platform", platform, "--python-version", "3.11",
        "--implementation", "cp", "--abi", "cp311",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    installed = json.loads(report.read_text())["install"]
    return {i["metadata"]["name"]: i for i in installed}


def test_plain_pin_on_public_index_is_the_cuda_build(
    indexes: dict[str, str], tmp_path: Path
) -> None:
    # The README's former command: from PyPI alone pip takes the CUDA wheel and nvidia-*.
    got = resolve(["pip", "install", "torch==2.13.0"], indexes, LINUX, tmp_path)
    assert got["torch"]["metadata"]["version"] == "2.13.0"
    assert {n for n in got if n.startswith("nvidia-")} == {
        r.split("==")[0] for r in CUDA_REQUIRES
    }


def test_readme_torch_step_is_the_cpu_build_on_linux(
    indexes: dict[str, str], tmp_path: Path
) -> None:
    # Both indexes offer 2.13.0; PEP 440 lets "==2.13.0" match the local version 2.13.0+cpu
    # and orders it above 2.13.0, so pip takes the CPU wheel, with no nvidia-* package.
    argv = readme_torch_command()
    assert CPU_INDEX in argv, f"README's torch step does not name the CPU index: {argv}"
    got = resolve(argv, indexes, LINUX, tmp_path)
    assert got["torch"]["metadata"]["version"] == "2.13.0+cpu"
    assert got["torch"]["download_info"]["url"].startswith(indexes["cpu"])
    assert list(got) == ["torch"]


def test_readme_torch_step_works_on_macos(indexes: dict[str, str], tmp_path: Path) -> None:
    # The CPU index's macOS wheel has no "+cpu" label: a "==2.13.0+cpu" pin would fail there.
    got = resolve(readme_torch_command(), indexes, MACOS, tmp_path)
    assert got["torch"]["metadata"]["version"] == "2.13.0"
    assert list(got) == ["torch"]


def test_ci_installs_torch_exactly_as_readme() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert shlex.join(readme_torch_command()) in ci.splitlines()


def test_unreachable_cpu_index_falls_back_to_the_cuda_build(
    indexes: dict[str, str], tmp_path: Path
) -> None:
    # What README warns about: if the CPU index cannot be reached pip only warns and takes the
    # public CUDA wheel. (A closed port on 127.0.0.1; --retries 0 only skips pip's ~7.5 s of
    # retries, the outcome is the same with them.)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/cpu/"
    unreachable = {**indexes, "cpu": closed}
    got = resolve(readme_torch_command(), unreachable, LINUX, tmp_path, "--retries", "0")
    assert got["torch"]["metadata"]["version"] == "2.13.0"
    assert any(name.startswith("nvidia-") for name in got)
