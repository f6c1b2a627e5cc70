"""The report's theme is seaborn's, set without importing seaborn."""

from __future__ import annotations

import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pytest

from carebook import theme

_CODES = "bgrmyck"


@pytest.fixture
def restored_matplotlib():
    """Leave matplotlib's settings and colour codes as the test found them."""
    saved = mpl.rcParams.copy()
    codes = {c: mpl.colors.colorConverter.colors[c] for c in _CODES}
    yield
    mpl.rcParams.update(saved)
    for code, color in codes.items():
        mpl.colors.colorConverter.colors[code] = color


def _settings() -> tuple[dict, dict]:
    return dict(mpl.rcParams), {c: mpl.colors.colorConverter.colors[c] for c in _CODES}


def test_the_theme_is_what_seaborn_set_theme_sets(restored_matplotlib):
    import seaborn as sns

    mpl.rcdefaults()
    theme.apply()
    ours, our_codes = _settings()
    mpl.rcdefaults()
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.15)
    seaborns, seaborn_codes = _settings()
    assert [k for k in seaborns if ours[k] != seaborns[k]] == []
    assert our_codes == seaborn_codes


def test_setup_imports_neither_seaborn_nor_scipy():
    code = (
        "import sys, carebook\n"
        "carebook.setup()\n"
        "print(sorted(m for m in ('seaborn', 'scipy') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_default_colormap_draws_with_seaborns_colours_before_seaborn_is_imported():
    # In a new interpreter: the stand-in is registered only while seaborn is not imported.
    code = (
        "import sys, numpy as np, matplotlib as mpl\n"
        "mpl.use('Agg')\n"
        "import carebook\n"
        "carebook.setup()\n"
        "cmap = mpl.colormaps[mpl.rcParams['image.cmap']]\n"
        "stand_in = type(cmap).__name__\n"
        "values = np.linspace(0, 1, 7)\n"
        "drawn, backwards = cmap(values), cmap.reversed()(values)\n"
        "import seaborn as sns\n"
        "print(stand_in, np.array_equal(drawn, sns.cm.rocket(values)),"
        " np.array_equal(backwards, sns.cm.rocket_r(values)), cmap.monochrome)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["_SeabornColormap", "True", "True", "False"]


def test_a_chart_drawn_before_and_after_importing_seaborn_is_the_same(restored_matplotlib):
    import matplotlib.pyplot as plt

    def drawn() -> np.ndarray:
        mpl.rcdefaults()
        theme.apply()
        fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
        ax.imshow(np.arange(12).reshape(3, 4))
        ax.plot([0, 1, 2], [1, 0, 1], "r")
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba()).copy()
        plt.close(fig)
        return pixels

    before = drawn()
    import seaborn  # noqa: F401 - registers its colormaps (not over an existing one)

    assert np.array_equal(before, drawn())
