"""The documentation site builds with warnings as errors, is complete, and its code runs.

* ``mkdocs build --strict`` (one build per test session) — broken links, docstrings the
  NumPy parser cannot read and missing pages fail it;
* the built pages name every config key of the schema, every registered metric with every
  parameter, and the API pages the four public modules;
* every code block of the tutorial runs, in order, in one session, and each ``print`` shows
  what the comment after it says;
* every parameter name in the DSA mapping table exists in the reference ``dsa-metric``
  package (read with ``inspect``) and in dynsim's metrics.
"""

from __future__ import annotations

import contextlib
import html
import inspect
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import hooks  # noqa: E402  (docs/hooks.py: the generators the site is built with)

sys.path.remove(str(DOCS))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return out


def _text(page: Path) -> str:
    """A built page's visible text (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def test_every_config_key_is_documented(site: Path) -> None:
    schema = yaml.safe_load((ROOT / "src/dynsim/schemas/config.schema.yaml").read_text())
    keys = [path for path, _ in hooks.schema_keys(schema)]
    assert "compare.metrics" in keys and "model.params.leaky_rnn.activation" in keys
    text = _text(site / "config" / "index.html")
    missing = [k for k in keys if k not in text]
    assert not missing, f"config keys missing from the site: {missing}"


def test_every_metric_and_parameter_is_documented(site: Path) -> None:
    from dynsim import metrics

    text = _text(site / "metrics" / "index.html")
    for name in metrics.available():
        cls = type(metrics.get(name))
        assert f"dynsim metrics {name}" in text
        for param in cls.parameters():
            assert param in text, f"{name}.{param} missing from the metrics page"
        # the docstring's first line, rendered by mkdocstrings
        first = hooks.rst_to_markdown(inspect.getdoc(cls).splitlines()[0]).rstrip(".")
        first = first.replace("`", "").replace("\\_", "_")
        assert " ".join(first.split()) in " ".join(text.split()), name
    # .. math:: blocks became MathJax display maths
    assert "arithmatex" in (site / "metrics" / "index.html").read_text()


def test_api_reference_covers_the_public_modules(site: Path) -> None:
    text = _text(site / "api" / "index.html")
    for name in ("dynsim.pairwise", "dynsim.store", "dynsim.stats", "dynsim.metrics"):
        assert name in text
    for function in ("open_experiment", "compare_groups", "bootstrap_ci", "pairwise"):
        assert function in text


def test_rst_maths_and_roles_become_markdown() -> None:
    text = "A ‖X − YQ‖_F, :func:`f`, :math:`x_1`.\n\n.. math::\n    a_{ij} = b\n\nafter"
    assert hooks.rst_to_markdown(text) == (
        "A ‖X − YQ‖\\_F, `f`, $x_1$.\n\n$$\na_{ij} = b\n$$\n\nafter"
    )
    doctest = ">>> f(x_1)\n0.0\n\nnext"
    assert hooks.rst_to_markdown(doctest) == "```pycon\n>>> f(x_1)\n0.0\n```\n\nnext"


def _blocks(page: Path) -> list[tuple[str, str]]:
    return re.findall(r"^```(python|bash)\n(.*?)^```", page.read_text(), re.S | re.M)


def _expected_prints(code: str) -> list[str]:
    """The comment after each top-level print: on its line, or alone on the next line."""
    lines = code.splitlines()
    expected = []
    for i, line in enumerate(lines):
        if not line.startswith("print("):
            continue
        comment = line.split("  # ", 1)[1] if "  # " in line else None
        if comment is None and i + 1 < len(lines) and lines[i + 1].startswith("# "):
            comment = lines[i + 1][2:]
        assert comment is not None, f"tutorial: no expected output after {line!r}"
        expected.append(comment)
    return expected


def test_tutorial_code_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _blocks(DOCS / "tutorial.md")
    assert [lang for lang, _ in blocks].count("python") >= 5
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for number, (lang, code) in enumerate(blocks, 1):
        if lang == "bash":
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], env=env,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"tutorial block {number}:\n{code}\n{done.stderr}"
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"tutorial block {number}", "exec"), namespace)
        printed = out.getvalue().splitlines()
        expected = _expected_prints(code)
        assert len(printed) == len(expected), (number, printed, expected)
        for got, want in zip(printed, expected, strict=True):
            assert want.startswith(got), f"tutorial block {number}: printed {got!r}, says {want!r}"


def test_dsa_mapping_names_exist_on_both_sides() -> None:
    import DSA  # the reference implementation, in the test extra
    from DSA.dmd import DMD

    from dynsim import metrics

    reference = {
        "DSA": inspect.signature(DSA.DSA.__init__).parameters,
        "DMD": inspect.signature(DMD.__init__).parameters,
        "DMDc": inspect.signature(DSA.DMDc).parameters,
        "SimilarityTransformDist": inspect.signature(DSA.SimilarityTransformDist).parameters,
    }
    ours = {name: type(metrics.get(name)).parameters() for name in ("dsa", "dsa_wasserstein")}
    rows = [
        line.split("|")[1:3]
        for line in (DOCS / "dsa_mapping.md").read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| reference")
    ]
    assert len(rows) >= 15
    cell = re.compile(r"^`(\w+)`(?: \((\w+)\))?$")
    seen_reference = set()
    for left, right in rows:
        left, right = left.strip(), right.strip()
        if left != "—":
            name, owner = cell.match(left).groups()
            assert name in reference[owner], f"dsa-metric's {owner} has no parameter {name!r}"
            seen_reference.add((owner, name))
        if right != "—":
            name, owner = cell.match(right).groups()
            if owner is None:  # a metric of its own
                assert name in metrics.available(), name
            else:
                assert name in ours[owner], f"dynsim's {owner} has no parameter {name!r}"
    # every DMD / DSA / optimiser argument of the reference a user sets is in the table
    internal = ("self", "data", "verbose", "device")
    wanted = {("DMD", n) for n in reference["DMD"] if n not in internal}
    wanted |= {("DSA", n) for n in ("score_method", "iters", "lr", "device", "n_jobs")}
    assert wanted <= seen_reference, wanted - seen_reference


def test_metric_docstring_parameters_are_the_declared_ones() -> None:
    # Prose after a NumPy "Parameters" section without a heading of its own ("Notes") is
    # parsed as more parameters and rendered as such, with no warning: every name the parser
    # finds must be a declared parameter of the metric.
    import griffe

    from dynsim import metrics

    package = griffe.load(
        "dynsim", search_paths=[str(ROOT / "src")], docstring_parser="numpy",
        docstring_options={"warn_unknown_params": False, "warn_missing_types": False},
    )
    for name in metrics.available():
        cls = type(metrics.get(name))
        path = f"{cls.__module__.removeprefix('dynsim.')}.{cls.__qualname__}"
        declared = set(cls.parameters())
        for section in package[path].docstring.parsed:
            if section.kind.value != "parameters":
                continue
            for param in section.value:
                names = {n.strip() for n in param.name.split(",")}
                assert names <= declared, f"{name}: docstring parameter {param.name!r}"
