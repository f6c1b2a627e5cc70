"""Progress: the events a build reports, and a display that is quiet off a terminal."""

from __future__ import annotations

import io
import logging

import pytest
from buildhelpers import notebooks_from

import carebook.checks
from carebook.build import build, progress
from carebook.build.progress import Event


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_display_when_stderr_is_not_a_terminal():
    assert progress.terminal_display(stream=io.StringIO()) is progress.quiet


def test_no_display_under_quiet_even_on_a_terminal():
    assert progress.terminal_display(quiet_mode=True, stream=FakeTerminal()) is progress.quiet


def test_a_closed_stream_counts_as_no_terminal():
    stream = io.StringIO()
    stream.close()
    assert progress.terminal_display(stream=stream) is progress.quiet


def test_the_display_shows_sections_done_running_and_steps():
    screen = FakeTerminal()
    display = progress.terminal_display(stream=screen)
    assert isinstance(display, progress.RichDisplay)
    display(Event(progress.BUILD_STARTED, total=2))
    display(Event(progress.SECTION_STARTED, "10_intro.ipynb", total=2))
    shown_running = "running 10_intro.ipynb" in display._describe()
    display(Event(progress.SECTION_FINISHED, "10_intro.ipynb", "executed", 1, 2))
    display(Event(progress.SECTION_FINISHED, "20_findings.ipynb", "cached", 2, 2))
    display(Event(progress.STEP_STARTED, "print pdf"))
    display(Event(progress.BUILD_FINISHED, status="built", done=2, total=2))
    text = screen.getvalue()
    assert shown_running
    assert "Sections" in text and "2/2" in text and "Report" in text


def test_log_lines_go_above_the_display_and_come_back_after(monkeypatch):
    screen = FakeTerminal()
    handler = logging.StreamHandler(screen)
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    display = progress.RichDisplay(screen)
    display(Event(progress.BUILD_STARTED, total=1))
    assert handler.stream is not screen  # routed through rich while the bar is live
    display(Event(progress.BUILD_FINISHED, status="built", done=1, total=1))
    assert handler.stream is screen


@pytest.mark.slow
def test_a_build_reports_its_steps_in_order_and_a_rebuild_reports_up_to_date(
    tmp_path, case_factory
):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    seen: list[Event] = []
    build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"], observer=seen.append)
    kinds = [e.kind for e in seen]
    assert kinds[0] == progress.BUILD_STARTED and seen[0].total == 2
    assert seen[-1] == Event(progress.BUILD_FINISHED, "", "built", 2, 2)
    started = {e.name for e in seen if e.kind == progress.SECTION_STARTED}
    finished = [e for e in seen if e.kind == progress.SECTION_FINISHED]
    assert started == {"10_intro.ipynb", "20_findings.ipynb"}
    assert sorted(e.done for e in finished) == [1, 2]
    steps = [e.name for e in seen if e.kind == progress.STEP_STARTED]
    assert steps == ["assemble", "export html", "publish"]  # no PDF asked for
    # Every section finishes before assembly starts.
    assert kinds.index(progress.STEP_STARTED) > max(
        i for i, k in enumerate(kinds) if k == progress.SECTION_FINISHED
    )

    seen.clear()
    build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"], observer=seen.append)
    assert not [e for e in seen if e.kind in (progress.SECTION_STARTED, progress.STEP_STARTED)]
    assert seen[-1].status == "up to date"


@pytest.mark.slow
def test_the_command_line_draws_nothing_when_piped(tmp_path, case_factory, monkeypatch, capsys):
    from carebook import cli

    class NoChecks:
        def summary_line(self) -> str:
            return "checks skipped"

    monkeypatch.setattr(carebook.checks, "run_checks", lambda *a, **k: NoChecks())
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    argv = ["build", str(case_factory()), "--out", str(tmp_path / "out")]
    assert cli.main([*argv, "--notebooks", str(nbs), "--format", "html"]) == 0
    err = capsys.readouterr().err
    assert "Report written to" in err
    assert "\x1b[" not in err and "Sections" not in err
