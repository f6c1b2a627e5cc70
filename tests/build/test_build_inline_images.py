"""Inline images set aside while the page is finished and checked, and put back."""

from __future__ import annotations

import base64
import re

import nbformat
import pytest
from buildhelpers import FIXTURES, make_case
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from carebook.build import export, inline_images, sanitize
from carebook.build.assemble import assemble, insert_contents
from carebook.build.sanitize import BODY_END, BODY_START

PNG = "data:image/png;base64," + base64.b64encode(bytes(range(256)) * 2).decode()
SVG_TEXT = '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">' + "<g/>" * 200
SVG = "data:image/svg+xml;base64," + base64.b64encode(SVG_TEXT.encode() + b"</svg>").decode()
SHORT = "data:image/png;base64,QUJD"


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{BODY_START}{body}{BODY_END}</body></html>"


def test_long_payloads_in_the_body_are_set_aside_and_put_back():
    head = f'<style>.x {{ background: url("{PNG}") }}</style>'  # the template's: untouched
    body = f'<img src="{PNG}"><p>{SHORT}</p><img src="{SVG}" alt="chart"><img src="{PNG}">'
    page = _page(body, head)
    short, taken = inline_images.set_aside(page)
    assert len(taken.payloads) == 3
    assert short.count(PNG) == 1 and SVG not in short  # the head's only
    assert SHORT in short and 'src="data:image/svg+xml;base64,carebook' in short
    assert inline_images.put_back(short, taken) == page


def test_a_page_without_the_body_markers_is_left_alone():
    page = f'<img src="{PNG}">'
    assert inline_images.set_aside(page)[0] == page


def test_text_that_looks_like_a_stand_in_is_not_replaced():
    page = _page(f'<img src="{PNG}">')
    short, taken = inline_images.set_aside(page)
    forged = "data:image/png;base64,carebook0123456789abcdefimage0x"
    other_mark = short.replace(f"carebook{taken.mark}image0x", "carebookffffimage0x")
    assert inline_images.put_back(short + forged, taken) == page + forged
    assert inline_images.put_back(other_mark, taken) == other_mark
    out_of_range = short.replace(f"{taken.mark}image0x", f"{taken.mark}image7x")
    assert inline_images.put_back(out_of_range, taken) == out_of_range


@pytest.mark.parametrize(
    "element",
    [
        '<img src="{url}" onerror="alert(1)">',
        '<img src="{url}"onerror=alert(1)>',
        "<img src={url} onerror=alert(1)>",
        '<a href="{url}" onclick="x()"><img src="{url}"></a>',
    ],
)
def test_the_check_finds_what_follows_a_payload_set_aside(element):
    page = _page(element.format(url=PNG))
    short, _ = inline_images.set_aside(page)
    assert sanitize.scan(short)[0] == sanitize.scan(page)[0] != []


def test_a_long_payload_of_an_active_type_is_never_set_aside():
    html = "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>" * 20).decode()
    page = _page(f'<a href="{html}">x</a>')
    short, taken = inline_images.set_aside(page)
    assert short == page and taken.payloads == []


def test_the_exported_page_is_the_same_as_without_setting_aside(tmp_path):
    hostile = nbformat.read(FIXTURES / "xss_outputs.ipynb", as_version=4)
    figures = new_notebook(
        cells=[
            new_markdown_cell("## 4.0 Analysis\n\nText with a figure."),
            new_code_cell(
                "",
                outputs=[
                    new_output("display_data", data={"image/svg+xml": SVG_TEXT + "</svg>"}),
                    new_output("display_data", data={"image/png": PNG.split(",", 1)[1]}),
                ],
            ),
        ]
    )
    report = assemble(
        make_case(tmp_path / "case"),
        [("40_analysis.ipynb", figures), ("50_hostile.ipynb", hostile)],
        parameters={},
        version="1",
    )
    prepared = export.prepare()
    page = export.export_html(
        nbformat.from_dict(report), transform=insert_contents, prepared=prepared
    )
    whole = export.render_html(
        nbformat.from_dict(report), title="Report", exporter=prepared.exporter
    )
    whole = sanitize.clean_body(insert_contents(whole))
    sanitize.check(whole, prepared.baseline)
    assert page == whole
    assert SVG.split(",", 1)[1] in page and PNG in page
    assert re.search(r"carebook[0-9a-f]{16}image[0-9]+x", page) is None
