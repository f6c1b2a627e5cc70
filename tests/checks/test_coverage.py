import pytest
from checkkit import html_out, make_case, nb, table_html

from carebook.checks.coverage import RULES, evaluate, load_checklist
from carebook.checks.document import read
from carebook.errors import InputError


def check(rule, case=None, notebooks=(), **options):
    doc = read(list(notebooks))
    result = RULES[rule](
        case or make_case(), doc, {r.id for r in (case or make_case()).references}, **options
    )
    return result.ok, result.note


@pytest.mark.parametrize(
    ("what", "kwargs", "expected"),
    [
        ("strategies_with_benefit", {"strategies": 2}, 2),
        ("strategies_with_benefit", {"strategies": 0}, 0),  # one strategy with an empty benefit
        ("macro_standards", {"macro": 0}, 0),
        ("micro_standards", {"micro": 3}, 3),
        ("commitments", {}, 1),
        ("benchmark_metrics", {}, 1),
        ("benchmark_metrics", {"benchmark": False}, 0),
        # SERVQUAL survey + CSAT + contact timings
        ("quantitative_methods", {}, 3),
        ("quantitative_methods", {"survey_extra": ()}, 2),
        # comment sources: letter, comment card
        ("qualitative_methods", {}, 2),
        ("qualitative_methods", {"comments": False}, 0),
        ("servqual_dimensions", {}, 5),
        ("references", {"references": ()}, 0),
    ],
)
def test_count_rule(what, kwargs, expected):
    ok, note = check("count", make_case(**kwargs), of=what, min=1)
    assert ok is (expected >= 1)
    assert f": {expected} (needs 1)" in note


def test_count_rule_unknown_name_is_an_input_error():
    with pytest.raises(InputError, match="unknown count 'nonsense'"):
        check("count", of="nonsense")


def test_competitor_rule():
    assert check("competitor")[0] is True
    assert check("competitor", make_case(competitor=None, benchmark=False)) == (
        False,
        "case.yaml names no benchmark.competitor",
    )


def test_field_rule():
    assert check("field", path="organisation.name")[0] is True
    assert check("field", path="strategy_development.internal_structure")[0] is False


NOTEBOOK = (
    "30_standards.ipynb",
    nb(
        "## 3.0 Standards\n\nA customer care strategy is a plan. "
        "We cite [@camp1989] and [@nobody2020].",
        (
            "tables.show(benchmark.comparison_table(...), 'Benchmark comparison')",
            [html_out(table_html("Table 3.1: Benchmark comparison with China Unicom"))],
        ),
    ),
)
SOURCE = (
    "50_review.ipynb",
    nb(
        "## 5.0 Review",
        ("figures.show(plots.servqual.gap_bars(gaps), 'SERVQUAL gap by dimension')", None),
    ),
)


def test_heading_rule_reports_where():
    assert check("heading", notebooks=[NOTEBOOK], pattern="standards") == (
        True,
        "heading '3.0 Standards' (30_standards.ipynb cell 0)",
    )
    assert check("heading", notebooks=[NOTEBOOK], pattern="feedback")[0] is False


def test_text_rule_limited_to_a_section():
    assert check("text", notebooks=[NOTEBOOK], pattern="strategy is", section="3")[0] is True
    assert check("text", notebooks=[NOTEBOOK], pattern="strategy is", section="2")[0] is False


def test_caption_rule_on_executed_output():
    ok, note = check(
        "caption", notebooks=[NOTEBOOK], pattern="benchmark", kind="table", section="3"
    )
    assert ok and "Table 3.1: Benchmark comparison" in note
    assert check("caption", notebooks=[NOTEBOOK], pattern="benchmark", kind="figure")[0] is False
    assert (
        check("caption", notebooks=[NOTEBOOK], pattern="benchmark", kind="table", section="5")[0]
        is False
    )


def test_caption_rule_on_a_source_notebook_reads_the_call():
    assert (
        check("caption", notebooks=[SOURCE], pattern="gap", kind="figure", section="5")[0] is True
    )
    assert (
        check("caption", notebooks=[SOURCE], pattern="gap", kind="table", section="5")[0] is False
    )


def test_citation_rules():
    assert check("citations", notebooks=[NOTEBOOK], min=2) == (True, "2 citations (needs 2)")
    assert check("citations", notebooks=[NOTEBOOK], min=3)[0] is False
    ok, note = check("citations_resolve", notebooks=[NOTEBOOK])
    assert not ok and note == "'@nobody2020' has no reference (30_standards.ipynb cell 0)"


def test_default_checklist_covers_the_seven_outcome_3_items():
    items = load_checklist()
    assert [i["section"] for i in items] == ["2.1", "2.2", "3.1-3.2", "3.3", "4", "5", "6"]
    assert all(i["rules"] for i in items)


def test_item_is_met_only_when_all_rules_hold(case):
    items = [
        {
            "title": "Benchmarking",
            "section": "3.3",
            "rules": [{"rule": "competitor"}, {"rule": "heading", "pattern": "benchmarking"}],
        }
    ]
    row = evaluate(case, read([NOTEBOOK]), items)[0]
    assert (row.item, row.met) == ("Benchmarking", False)
    assert row.where == "no heading matches 'benchmarking'"
    items[0]["rules"][1]["pattern"] = "standards"
    row = evaluate(case, read([NOTEBOOK]), items)[0]
    assert row.met and row.where.startswith("case.yaml benchmark.competitor: China Unicom; heading")


def test_bad_checklist_names_every_problem(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text(
        "items:\n  - title: A\n    rules:\n      - {rule: nope}\n"
        "  - title: ''\n  - title: B\n    rules:\n"
        "      - {rule: caption, kind: chart, pattern: x}\n"
    )
    with pytest.raises(InputError) as info:
        load_checklist(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("list.yaml::items[1].rules[1]: unknown rule 'nope'")


def test_bad_rule_option_is_an_input_error(case):
    with pytest.raises(InputError, match="bad options"):
        evaluate(case, read([]), [{"title": "X", "rules": [{"rule": "competitor", "min": 2}]}])
