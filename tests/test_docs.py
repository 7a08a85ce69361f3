"""The documentation site builds with warnings as errors, is complete, and its code runs.

* ``mkdocs build --strict`` (one build per test session) — broken links, docstrings the
  NumPy parser cannot read and missing pages fail it;
* the built pages name every config key of the schema, every registered metric with every
  parameter, and the API pages the four public modules;
* every code block of the tutorial runs, in order, in one session, and each ``print`` shows
  what the comment after it says;
* every parameter name in the DSA mapping table exists in the reference ``dsa-metric``
  package (read with ``inspect``) and in dynsim's metrics;
* the site is read offline: no page loads a script, stylesheet, image or font from a URL, and
  its maths is MathML made at build time (no TeX delimiters left, no MathJax).
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
import xml.etree.ElementTree as ET
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
    # .. math:: blocks became display maths (MathML: test_maths_is_mathml_on_every_page)
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


# ------------------------------------------------------------------------ offline, MathML

_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //host (not data:)


def _pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10
    return pages


def test_site_loads_nothing_from_the_network(site: Path) -> None:
    # Every resource a page loads (script, stylesheet, icon, image, frame, media) and every
    # url()/@import of the site's stylesheets is a path inside the site.
    attr = re.compile(
        r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?\s(src|href|data)="
        r"""["']([^"']*)["']""", re.I,
    )
    remote = []
    for page in _pages(site):
        text = page.read_text()
        assert "mathjax" not in text.lower(), page
        remote += [(page.name, m.group(3)) for m in attr.finditer(text) if _URL.match(m.group(3))]
    for sheet in site.rglob("*.css"):
        for url in re.findall(r"""(?:url\(|@import\s+)["']?([^"')\s;]+)""", sheet.read_text()):
            if _URL.match(url):
                remote.append((sheet.name, url))
    assert not remote, f"resources loaded from the network: {remote}"
    # every local one exists (the generated stylesheet included)
    for page in _pages(site):
        for match in attr.finditer(page.read_text()):
            ref = match.group(3).split("#")[0].split("?")[0]
            if ref and not ref.startswith("/"):  # 404.html uses site-absolute paths
                assert (page.parent / ref).resolve().is_file(), (page, ref)
    assert ".highlight .k " in (site / "css" / "generated.css").read_text()


def _outside_code(text: str) -> str:
    return re.sub(r"<(pre|code)\b.*?</\1>", "", text, flags=re.S)


def test_maths_is_mathml_on_every_page(site: Path) -> None:
    from dynsim import metrics

    wrapper = re.compile(r'<(div|span) class="arithmatex">(.*?)</\1>', re.S)
    with_maths = {}
    for page in _pages(site):
        text = page.read_text()
        found = wrapper.findall(text)
        for tag, inner in found:  # exactly one <math> in each, display for a div
            assert inner.startswith("<math") and inner.endswith("</math>"), (page, inner[:80])
            assert inner.count("<math") == 1
            assert ('display="block"' in inner.split(">", 1)[0]) == (tag == "div"), page
        visible = _outside_code(text)
        for delimiter in ("$$", "\\(", "\\)", "\\[", "\\]", "\\frac", "\\|"):
            assert delimiter not in visible, f"{page}: TeX left in the page ({delimiter})"
        if found:
            with_maths[page.relative_to(site).as_posix()] = len(found)
    # the metrics page renders every `.. math::` block of every metric's docstring
    blocks = sum(
        inspect.getdoc(type(metrics.get(name))).count(".. math::") for name in metrics.available()
    )
    assert blocks >= 10
    assert with_maths.get("metrics/index.html") == blocks, with_maths


def _xml(mathml: str) -> ET.Element:
    """MathML of the site as an element: its HTML named entities (&ApplyFunction;) decoded."""
    xml_names = {"lt", "gt", "amp", "quot", "apos"}
    text = re.sub(
        r"&([A-Za-z]+);",
        lambda m: m.group(0) if m.group(1) in xml_names else html.unescape(m.group(0)),
        mathml,
    )
    return ET.fromstring(text)


def test_cka_definition_is_mathml_with_its_fractions(site: Path) -> None:
    # CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) = ⟨XXᵀ, YYᵀ⟩ / (‖XXᵀ‖_F ‖YYᵀ‖_F) ∈ [0, 1]
    text = (site / "metrics" / "index.html").read_text()
    section = text.split('id="cka"', 1)[1].split('id="cka_debiased"', 1)[0]
    maths = re.findall(r"<math\b.*?</math>", section, re.S)
    assert len(maths) == 1
    root = _xml(maths[0])
    assert root.tag == "math" and root.get("display") == "block"
    assert [c.tag for c in root].count("mfrac") == 2
    assert "".join(root.itertext()).startswith("CKA(X,Y)=")
    first, second = (c for c in root if c.tag == "mfrac")
    numerator, denominator = list(first)
    # ‖ Yᵀ X ‖_F²: a transpose (msup Y ⊤) and the norm's sub- and superscript (msubsup ‖ F 2)
    assert [e.tag for e in numerator] == ["mo", "msup", "mi", "msubsup"]
    assert [x.text for x in numerator[1]] == ["Y", "⊤"]
    assert [x.text for x in numerator[3]] == ["‖", "F", "2"]
    assert "".join(denominator.itertext()) == "‖X⊤X‖F‖Y⊤Y‖F"
    assert "".join(second.itertext()) == "⟨XX⊤,YY⊤⟩‖XX⊤‖F‖YY⊤‖F"
    assert "".join(root.itertext()).endswith("∈[0,1].")


def test_maths_conversion_and_its_errors() -> None:
    assert hooks.tex_to_mathml(r"\frac{a}{b}", display=True) == (
        '<math display="block"><mfrac><mi>a</mi><mi>b</mi></mfrac></math>'
    )
    # inline maths, HTML-escaped by arithmatex, keeps its wrapper; "<" stays escaped
    page = r'x <span class="arithmatex">\(a &lt; b_1\)</span> y'
    assert hooks.maths_to_mathml(page) == (
        'x <span class="arithmatex"><math><mi>a</mi><mo>&lt;</mo>'
        "<msub><mi>b</mi><mn>1</mn></msub></math></span> y"
    )
    # the constructs the docstrings use, each to its MathML element
    for tex, element in [
        (r"\|X\|_F", "<msub><mo"), (r"\langle A, B\rangle", "⟨"), (r"X^\top", "⊤"),
        (r"\mathrm{CKA}", "<mi>CKA</mi>"), (r"\operatorname{tr}(K)", "<mi>tr</mi>"),
        (r"\arg\min_W f", "<munder>"), (r"\Big\| A \Big\|_F", 'maxsize="1.623em">‖'),
        (r"\sqrt{h}", "<msqrt>"), (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "<mtable"),
        (r"\begin{pmatrix} a & b \end{pmatrix}", "<mtable"),
    ]:
        assert element in hooks.tex_to_mathml(tex, display=True), tex
    # a formula that does not convert fails the build, naming the page and the formula
    for bad in (r"\frac{a}", r"\notacommand x"):
        message = r"metrics\.md: maths not convertible to MathML: " + re.escape(bad)
        with pytest.raises(ValueError, match=message):
            hooks.maths_to_mathml(f'<div class="arithmatex">\\[{bad}\\]</div>', where="metrics.md")
