from checkkit import html_out, make_case, md_out, nb, table_html

from carebook.checks import CheckReport, run_checks

GOOD = [
    (
        "20_strategy.ipynb",
        nb(
            "## 2.0 Customer care strategy\n\n"
            "A customer care strategy is a long-range plan [@camp1989].",
            "### 2.1 Internal structure\n\nOne team.",
            "### 2.2 Measures and policy\n\nA charter.",
            "### 2.3 Changes from feedback\n\nComplaints change policy.",
        ),
    ),
    (
        "30_standards.ipynb",
        nb(
            "## 3.0 Standards\n\nStandards are set [@parasuraman1988].",
            ("t", [html_out(table_html("Table 3.1: Benchmark comparison"))]),
            ("t", [html_out(table_html("Table 3.2: Benefits of benchmarking"))]),
        ),
    ),
    (
        "50_review.ipynb",
        nb(
            "## 5.0 Review",
            ("t", [html_out(table_html("Table 5.1: SERVQUAL gap by dimension"))]),
            ("t", [md_out("Two priorities\\.")]),
            ("t", [html_out(table_html("Table 5.2: Improvement plan"))]),
        ),
    ),
    (
        "60_bibliography.ipynb",
        nb("## 6.0 Bibliography", ("b", [html_out('<ol class="cb-references"><li>x</li></ol>')])),
    ),
]


def test_a_complete_report_meets_every_item_and_is_ok():
    report = run_checks(make_case(word_limit=100), GOOD)
    assert isinstance(report, CheckReport) and report.executed
    assert [r.met for r in report.coverage] == [True] * 7
    assert report.ok and report.lint == ()
    # 2.0: "A customer care strategy is a long-range plan" 8 + "One team" 2 + "A charter" 2
    #      + "Complaints change policy" 3 = 15; 3.0: "Standards are set" 3; 5.0: "Two priorities" 2
    assert report.words.sections == {
        "2.0 Customer care strategy": 15,
        "3.0 Standards": 3,
        "5.0 Review": 2,
    }
    assert (report.words.total, report.words.limit) == (20, 100)
    assert (
        report.summary_line()
        == "Checks: Outcome 3 evidence 7/7 items met; 20 of 100 words; 0 errors, 0 warnings."
    )
    assert report.words.declaration() == "Word count: 20 of 100"


def test_a_lint_error_makes_the_report_not_ok_and_shows_in_the_text():
    broken = GOOD[:-1] + [
        ("60_bibliography.ipynb", nb("## 6.0 Bibliography", "TODO add references"))
    ]
    report = run_checks(make_case(), broken)
    assert not report.ok and [f.rule for f in report.errors] == ["placeholder"]
    text = report.to_text()
    assert "error: 60_bibliography.ipynb cell 1: placeholder text 'TODO'" in text
    assert text.endswith("1 error, 0 warnings.")


def test_missing_evidence_is_shown_unmet_with_the_reason():
    report = run_checks(make_case(competitor=None, benchmark=False), GOOD)
    row = next(r for r in report.coverage if r.section == "3.3")
    assert not row.met and "names no benchmark.competitor" in row.where
    assert "[ ] 3.3" in report.to_text()
    assert report.ok  # coverage gaps are reported, not lint errors


def test_over_the_word_limit_is_a_warning():
    report = run_checks(make_case(word_limit=10), GOOD)
    assert report.words.over_limit and report.ok
    assert [f.rule for f in report.warnings] == ["word-limit"]
    assert "20 of 10 words (over the limit)" in report.summary_line()


def test_frames_for_display():
    report = run_checks(make_case(word_limit=100), GOOD)
    assert report.coverage_frame()["Met"].tolist() == ["yes"] * 7
    assert report.words_frame().loc["Total", "Words"] == 20
    assert list(report.lint_frame().columns) == ["Severity", "Notebook", "Cell", "Message"]


def test_source_notebooks_of_the_repository_can_be_checked(root):
    import nbformat

    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    report = run_checks(make_case(), [(p.name, nbformat.read(p, as_version=4)) for p in paths])
    assert not report.executed and report.words.total > 0
    assert "Source notebooks checked" in report.to_text()


def test_checks_of_a_build_are_its_own_else_worked_out_from_its_executed_notebooks(
    tmp_path, monkeypatch
):
    import types

    import nbformat

    from carebook import case as cases
    from carebook.checks import checks_of_build, section_notebooks

    executed = tmp_path / "out" / "executed"
    executed.mkdir(parents=True)
    for name, notebook in GOOD:
        nbformat.write(notebook, executed / name)
    (executed / "notes.ipynb").write_text("{}", encoding="utf-8")  # not a section
    assert [name for name, _ in section_notebooks(tmp_path / "out")] == [n for n, _ in GOOD]

    own = run_checks(make_case(), GOOD)
    built = types.SimpleNamespace(checks=own, case=None, out_dir=tmp_path / "out")
    assert checks_of_build(built, "never read") is own  # the build ran them

    expected = own.to_text()
    validated = []
    monkeypatch.setattr(cases, "validate", lambda path: validated.append(path) or make_case())
    up_to_date = types.SimpleNamespace(checks=None, case=make_case(), out_dir=tmp_path / "out")
    assert checks_of_build(up_to_date, "never read").to_text() == expected
    assert validated == []  # the case the build validated
    quick = types.SimpleNamespace(checks=None, case=None, out_dir=tmp_path / "out")
    assert checks_of_build(quick, "case-folder").to_text() == expected
    assert validated == ["case-folder"]  # the quick up-to-date path validated none


def test_the_checks_leave_the_notebooks_as_they_were():
    # The build hands the checks the executed sections themselves (no copies), while the
    # same notebooks are written out and assembled in another thread.
    import copy

    before = copy.deepcopy(GOOD)
    run_checks(make_case(word_limit=100), GOOD)
    assert GOOD == before
