"""Build-time generators of the documentation site (MkDocs hooks + one Griffe extension).

* ``<!-- dynsim:config-keys -->`` in a page becomes the reference of every key of
  ``src/dynsim/schemas/config.schema.yaml`` (type, default, allowed values, description), so
  the key list is never copied by hand and cannot drift from the checks.
* ``<!-- dynsim:metrics -->`` becomes one section per registered metric: its parameters and
  defaults (the same listing as ``dynsim metrics NAME``) and its docstring (maths,
  invariances) rendered by mkdocstrings.
* :class:`RstMath` rewrites the reStructuredText bits of NumPy-style docstrings (``.. math::``
  blocks, ``:math:``/``:func:``/``:class:`` roles) into the Markdown that mkdocstrings renders.
* :func:`on_page_content` turns the TeX that ``pymdownx.arithmatex`` set aside into MathML at
  build time (``math-core``), and :func:`on_post_build` writes the site's generated
  stylesheet (Pygments colours of the code blocks, spacing of display maths), so the built
  site loads no script, stylesheet or font from the network: it is read offline (clusters,
  trains), and browsers render MathML natively.

Not a page: mkdocs.yml excludes this file from the site.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import griffe
import yaml
from math_core import LatexError, LatexToMathML
from pygments.formatters import HtmlFormatter

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "src" / "dynsim" / "schemas" / "config.schema.yaml"

# ----------------------------------------------------------------------------------- schema


def _md_text(text: str) -> str:
    """Schema prose as Markdown: ``<placeholders>`` outside code spans shown literally."""
    parts = re.split(r"(`[^`]*`)", " ".join(str(text).split()))
    return "".join(p if p.startswith("`") else html.escape(p, quote=False) for p in parts)


def _type_of(node: dict[str, Any]) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " or ".join(_type_of(n) for n in node[key])
    kind = node.get("type")
    if isinstance(kind, list):
        text = " or ".join(kind)
    else:
        text = kind or "any"
    items = node.get("items")
    if kind == "array" and isinstance(items, dict):
        text += f" of {_type_of(items)}"
    bounds = [
        f"{op} {node[k]}"
        for k, op in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                      ("exclusiveMaximum", "<"))
        if k in node
    ]
    if bounds:
        text += " (" + ", ".join(bounds) + ")"
    if "pattern" in node:
        text += f" matching `{node['pattern']}`"
    return text


def schema_keys(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every key of the schema as (dotted path, node), depth first in schema order.

    A mapping whose keys are free (``additionalProperties`` a schema, e.g. ``compare.metrics``
    or ``task.params``) is listed as ``path.<name>``.
    """
    out: list[tuple[str, dict[str, Any]]] = []
    for key, node in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        out.append((path, node))
        out.extend(schema_keys(node, path + "."))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            out.append((f"{path}.<name>", extra))
    return out


def config_reference(schema_path: Path = SCHEMA) -> str:
    """Markdown reference of every config key, grouped by top-level section."""
    schema = yaml.safe_load(schema_path.read_text())
    required = set(schema.get("required", []))
    lines = [_md_text(schema.get("description", "")), ""]
    for path, node in schema_keys(schema):
        if "." not in path:
            lines += [f"## `{path}`", ""]
        lines.append(f"**`{path}`** — {_type_of(node)}")
        if path in required:
            lines[-1] += " — **required**"
        if "default" in node:
            lines[-1] += f" — default `{json.dumps(node['default'])}`"
        lines[-1] += "  "
        if node.get("description"):
            lines.append(_md_text(node["description"]))
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- metrics


def metrics_reference() -> str:
    """One section per registered metric: parameters (as ``dynsim metrics NAME``), docstring."""
    from dynsim import metrics

    lines: list[str] = []
    for name in metrics.available():
        cls = type(metrics.get(name))
        lines += [f"## `{name}`", "", f"`dynsim metrics {name}` prints this metric's page.", ""]
        lines += ["| parameter | default | accepted values |", "|---|---|---|"]
        for pname, param in cls.parameters().items():
            options = getattr(param.check, "options", None)
            accepted = ", ".join(f"`{o}`" for o in options) if options else ""
            lines.append(f"| `{pname}` | `{param.default!r}` | {accepted} |")
        lines += [
            "",
            f"::: {cls.__module__}.{cls.__qualname__}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "      members: false",
            "      show_bases: false",
            "",
        ]
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """MkDocs hook: expand the generator markers of a page."""
    if "<!-- dynsim:config-keys -->" in markdown:
        markdown = markdown.replace("<!-- dynsim:config-keys -->", config_reference())
    if "<!-- dynsim:metrics -->" in markdown:
        markdown = markdown.replace("<!-- dynsim:metrics -->", metrics_reference())
    return markdown


# ------------------------------------------------------------------------ maths and styles

# What pymdownx.arithmatex (generic mode) leaves in a page: the TeX, HTML-escaped, between
# \( \) in a span (inline) or \[ \] in a div (display).
_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])'
    r"</(?P=tag)>",
    re.S,
)
# MathML Core (what Chromium, Firefox and Safari render without a script); an unknown command
# is an error, never red text in the page.
_TEX = LatexToMathML(fancy_error=False)  # plain text: the message goes to a terminal or a log
SITE_CSS = "css/generated.css"
# Display maths is a bare <math> in a <div>: give it the vertical room of a paragraph. Large
# operators, stretchy brackets and accents need a font with an OpenType MATH table; the generic
# `math` family often maps to a plain serif on Linux, so the usual installed math fonts
# (macOS, Windows, TeX Live / Debian fonts) are named first. None is downloaded.
_MATH_CSS = """\
div.arithmatex > math[display=block] { margin: 1em 0; }
math { font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math", "TeX Gyre Termes Math",
  "DejaVu Math TeX Gyre", math; }
"""


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """One TeX formula (no delimiters) as a ``<math>`` element of MathML Core.

    Raises
    ------
    ValueError
        The formula is not TeX that ``math-core`` converts (unknown command, unbalanced
        braces); the message quotes the formula.
    """
    try:
        return _TEX.convert_with_local_state(tex.strip(), displaystyle=display)
    except LatexError as error:
        raise ValueError(f"maths not convertible to MathML: {tex.strip()}\n{error}") from None


def maths_to_mathml(content: str, where: str = "a page") -> str:
    """Replace every arithmatex span/div of a page's HTML by MathML (kept in its wrapper).

    Raises
    ------
    ValueError
        A formula of the page does not convert; the message names ``where`` (the page).
    """

    def one(match: re.Match[str]) -> str:
        display = match.group("block") is not None
        tex = html.unescape(match.group("block") if display else match.group("inline"))
        try:
            mathml = tex_to_mathml(tex, display=display)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        return f'<{match.group("tag")} class="arithmatex">{mathml}</{match.group("tag")}>'

    return _ARITHMATEX.sub(one, content)


def on_page_content(html_text: str, page: Any, **kwargs: Any) -> str:
    """MkDocs hook: the page's maths (its Markdown and the docstrings rendered in it) as MathML."""
    return maths_to_mathml(html_text, where=page.file.src_uri)


def on_config(config: Any, **kwargs: Any) -> Any:
    """MkDocs hook: every page links the stylesheet that :func:`on_post_build` writes."""
    if SITE_CSS not in config.extra_css:
        config.extra_css.append(SITE_CSS)
    return config


def on_post_build(config: Any, **kwargs: Any) -> None:
    """MkDocs hook: write :data:`SITE_CSS`: the code blocks' colours (pymdownx.highlight emits
    Pygments classes; the CSS comes from the installed Pygments) and the maths' spacing."""
    out = Path(config.site_dir) / SITE_CSS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(HtmlFormatter(style="default").get_style_defs(".highlight") + "\n" + _MATH_CSS)


# ---------------------------------------------------------------------- docstring rewriting

_MATH_BLOCK = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n((?:\1[ \t]+\S.*\n|[ \t]*\n)+)", re.M)
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc|py:\w+):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
# A doctest (">>> " lines and their output, up to a blank line); Markdown would read ">>>" as
# a thrice-nested quotation.
_DOCTEST = re.compile(r"^([ \t]*)>>> .*\n(?:\1\S.*\n)*", re.M)
# Code spans and maths, left as they are by the escaping below.
_VERBATIM = re.compile(r"(\$\$.*?\$\$|```.*?```|`+[^`]*`+|\$[^$\n]+\$)", re.S)
# Unicode maths in prose (‖X − YQ‖_F, ‖·‖_*) would open Markdown emphasis at "‖_"; RST never
# uses "_" for emphasis, so an underscore after a non-word character is always literal.
_LONE_UNDERSCORE = re.compile(r"(?<=[^\w\\])_")


def rst_to_markdown(text: str) -> str:
    """``.. math::`` blocks → ``$$ … $$`` (arithmatex); roles → code spans / inline maths."""

    def block(match: re.Match[str]) -> str:
        indent, body = match.group(1), match.group(2)
        maths = "\n".join(line.strip() for line in body.strip("\n").splitlines())
        return f"{indent}$$\n{maths}\n{indent}$$\n\n"

    text = _MATH_BLOCK.sub(block, text + "\n")
    text = _DOCTEST.sub(lambda m: f"{m.group(1)}```pycon\n{m.group(0)}{m.group(1)}```\n", text)
    text = _MATH_ROLE.sub(lambda m: f"${m.group(1)}$", text)
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    parts = _VERBATIM.split(text)  # (fenced doctests are code spans of three backticks)
    for i in range(0, len(parts), 2):  # even indices: outside code spans and maths
        parts[i] = _LONE_UNDERSCORE.sub(r"\\_", parts[i])
    return "".join(parts).rstrip("\n")


class RstMath(griffe.Extension):
    """Griffe extension: rewrite each docstring with :func:`rst_to_markdown` as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
