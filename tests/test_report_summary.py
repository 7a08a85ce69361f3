"""The experiment summary in the Snakemake report: real tables, not Markdown source.

The summary rule writes ``summary.md`` and, from the same text, ``summary.html``
(:func:`dynsim.analysis.summary_html`), the report's Summary item. Snakemake's HTML report
embeds each result as a base64 data URI in a JSON object (``<script id="results">``) and shows
an HTML result in a frame; the test reads it back from there and parses it.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import snakemake

from dynsim.analysis import summary_html
from dynsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / ".test" / "config.yaml"

NETWORKS_HEADER = [
    "network",
    "status",
    "steps",
    "target",
    "evaluation accuracy",
    "test accuracy",
    "by checkpoint (no choice)",
    "note",
]
DISTANCES_HEADER = [
    "metric",
    "factor",
    "same",
    "different",
    "different − same",
    "p",
    "p (BH)",
    "pairs without value",
]


class Tables(HTMLParser):
    """Every ``<table>`` of a page as {"header": [th texts], "rows": [[td texts], ...]}, and
    the text of every ``<script>`` by its id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, list]] = []
        self.scripts: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"header": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "script":
            self._script = dict(attrs).get("id") or ""
            self.scripts.setdefault(self._script, "")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(("th" if tag == "th" else "td", " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if all(kind == "th" for kind, _ in self._row):
                table["header"] = [text for _, text in self._row]
            else:
                table["rows"].append([text for _, text in self._row])
            self._row = None
        elif tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._script is not None:
            self.scripts[self._script] += data


def parse(page: str) -> Tables:
    parser = Tables()
    parser.feed(page)
    parser.close()
    return parser


def markdown_tables(text: str) -> list[dict[str, list]]:
    """The pipe tables of a Markdown text, read directly from its lines (header above a
    ``|---|`` line, body rows until the first line that is not a row)."""
    lines = text.splitlines()
    tables = []
    for k, line in enumerate(lines[1:], start=1):
        if re.fullmatch(r"\|(-+\|)+", line):

            def cells(row: str) -> list[str]:
                return [" ".join(c.split()) for c in row.strip().strip("|").split("|")]

            body = []
            for row in lines[k + 1 :]:
                if not row.startswith("|"):
                    break
                body.append(cells(row))
            tables.append({"header": cells(lines[k - 1]), "rows": body})
    return tables


SMALL = """# Title

Some *emphasis*.

| network | status | note |
|---|---|---|
| pdm / gru / master / seed 0 | converged | |
| anti_pdm / gru / master / seed 0 | budget_exhausted | below target 0.9 |
"""


def test_summary_html_has_the_tables_as_tables():
    page = summary_html(SMALL)
    parsed = parse(page)
    assert parsed.tables == markdown_tables(SMALL)
    assert parsed.tables[0]["header"] == ["network", "status", "note"]
    assert parsed.tables[0]["rows"][1] == [
        "anti_pdm / gru / master / seed 0",
        "budget_exhausted",
        "below target 0.9",
    ]
    assert "|---|" not in page and "<em>emphasis</em>" in page
    assert page.startswith("<!DOCTYPE html>")


def test_cli_writes_both_from_the_same_text(tmp_path):
    """`dynsim summary --html` on two real (tiny) networks and their matrix."""
    from dynsim.store import atomic_write_zarr, network_dataset
    from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train

    stores = []
    for seed in (0, 1):
        spec = NetworkSpec(
            task="pdm",
            arch="gru",
            seed=seed,
            hidden_size=4,
            training=TrainingConfig(max_steps=2, checkpoints=(0.0, 1.0)),
        )
        recording = record_activity(train(spec), n_repeats=1)
        info = {"task": "pdm", "arch": "gru", "regime": "master", "seed": seed, "status": "ok"}
        stores.append(
            str(atomic_write_zarr(network_dataset(recording, info), tmp_path / f"s{seed}.zarr"))
        )
    matrix = tmp_path / "cka.zarr"
    argv = ["compare", *stores, "--metric", "cka", "--no-progress", "-o", str(matrix)]
    assert main(argv) == 0
    md, page = tmp_path / "summary.md", tmp_path / "summary.html"
    argv = ["summary", "--networks", *stores, "--matrices", str(matrix), "-o", str(md)]
    assert main([*argv, "--html", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == summary_html(md.read_text())
    parsed = parse(page.read_text(encoding="utf-8"))
    assert [t["header"] for t in parsed.tables][:2] == [NETWORKS_HEADER, DISTANCES_HEADER]
    assert parsed.tables == markdown_tables(md.read_text())
    assert [row[0] for row in parsed.tables[0]["rows"]] == [
        "pdm / gru / master / seed 0",
        "pdm / gru / master / seed 1",
    ]


def check_report_shows_the_summary_as_tables(tmp_path: Path) -> None:
    """After the tiny CI config has run in ``tmp_path`` (tests/test_workflow.py's end-to-end
    test calls this, so the workflow runs once for both): `snakemake --report report.html`;
    the report's Summary item is the HTML page, and its tables are the summary's, header
    cells and rows."""
    report = tmp_path / "report.html"
    out = snakemake(
        "--configfile", str(TEST_CONFIG), "--report", str(report), cwd=tmp_path, timeout=600
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]

    scripts = parse(report.read_text(encoding="utf-8")).scripts
    declaration = scripts["results"].strip()
    assert declaration.startswith("var results = ")
    results = json.loads(declaration.removeprefix("var results = ").rstrip(";"))
    (key,) = [k for k in results if k.endswith("summary.html")]
    entry = results[key]
    assert entry["mime_type"] == "text/html"  # shown in a frame, not offered as a download
    assert not any(k.endswith("summary.md") for k in results)
    assert "eye button" in entry["caption"]  # the caption (summary.rst) is rendered
    data_uri = entry["data_uri"]
    assert data_uri.startswith("data:text/html;")
    page = base64.b64decode(data_uri.split("base64,", 1)[1]).decode("utf-8")

    summary_md = (tmp_path / "results" / "ci" / "summary.md").read_text()
    tables = parse(page).tables
    assert tables == markdown_tables(summary_md)
    assert tables[0]["header"] == NETWORKS_HEADER and tables[1]["header"] == DISTANCES_HEADER
    # The CI config's 4 networks, one row each, and a row per metric in the distances.
    assert len(tables[0]["rows"]) == 4
    networks = {row[0] for row in tables[0]["rows"]}
    assert "pdm / leaky_rnn / master / seed 0" in networks
    assert {"procrustes", "cka"} <= {row[0] for row in tables[1]["rows"]}
