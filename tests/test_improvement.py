import pandas as pd
import pytest

from carebook.improvement import ACTIONS, COLUMNS, improvement_plan, plan_summary, show


@pytest.fixture
def ipa():
    return pd.DataFrame(
        {
            "importance": [0.11, 0.32, 0.22, 0.19, 0.16],
            "performance": [5.8, 5.1, 5.2, 5.6, 5.5],
            "gap": [-0.30, -1.05, -0.95, -0.55, -0.75],
            "quadrant": [
                "Possible overkill",
                "Concentrate here",
                "Concentrate here",
                "Keep up the good work",
                "Low priority",
            ],
        },
        index=["tangibles", "reliability", "responsiveness", "assurance", "empathy"],
    )


@pytest.fixture
def commitments():
    return pd.DataFrame(
        {
            "channel": ["hotline", "email", "online"],
            "label": ["10086 hotline", "E-mail", "Online FAQ"],
            "measure": ["resolution", "response", "response"],
            "target_hours": [24.0, 48.0, 24.0],
            "target_pct": [95.0, 95.0, 90.0],
            "within_target_pct": [88.0, 96.0, 70.5],
            "median_hours": [6.2, 10.0, 12.0],
            "p90_hours": [30.1, 40.0, 50.0],
            "open": [12, 0, 3],
            "meets_standard": [False, True, False],
        }
    )


@pytest.fixture
def themes():
    return pd.DataFrame(
        {
            "label": ["Billing and charges", "Network", "Waiting", "Commendation", "Store"],
            "dimension": ["reliability", "reliability", "responsiveness", None, "tangibles"],
            "comments": [40, 50, 30, 20, 10],
            "mean_compound": [-0.30, -0.04, -0.45, 0.60, -0.30],
            "negative_pct": [60.0, 45.0, 70.0, 5.0, 40.0],
        },
        index=["billing", "network", "waiting", "commendation", "store_app"],
    )


def test_only_qualifying_evidence_enters_the_plan(ipa, commitments, themes):
    plan = improvement_plan(ipa, commitments, themes, max_priorities=20)
    assert list(plan.columns) == COLUMNS
    # 2 dimensions in "Concentrate here", 2 missed commitments (e-mail met its standard),
    # 3 themes at or below -0.05 (network at -0.04 and commendation do not qualify).
    assert plan["Area"].tolist() == [
        "Reliability",
        "Online FAQ: response within 24 h",
        "Waiting",
        "Responsiveness",
        "10086 hotline: resolution within 24 h",
        "Billing and charges",
        "Store",
    ]
    assert plan.index.tolist() == list(range(1, 8)) and plan.index.name == "Priority"


def test_round_robin_order_and_the_cap(ipa, commitments, themes):
    plan = improvement_plan(ipa, commitments, themes)  # default max 6
    assert len(plan) == 6
    assert (
        plan["Source"].tolist()
        == [
            "Importance-performance analysis (survey)",
            "Service commitments (contacts)",
            "Comment themes (comments)",
        ]
        * 2
    )


def test_theme_ties_break_on_negative_share_then_name(themes):
    # billing and store_app both at -0.30: billing has more negative comments (60% > 40%).
    plan = improvement_plan(None, None, themes, max_priorities=5)
    assert plan["Area"].tolist() == ["Waiting", "Billing and charges", "Store"]


def test_evidence_carries_the_figures(ipa, commitments, themes):
    plan = improvement_plan(ipa, commitments, themes)
    evidence = dict(zip(plan["Area"], plan["Evidence"], strict=True))
    # mean importance (0.11+0.32+0.22+0.19+0.16)/5 = 0.20; mean performance 27.2/5 = 5.44
    assert evidence["Reliability"] == (
        "Importance 0.32 (mean 0.20) with performance 5.10 (mean 5.44) puts it in "
        "'Concentrate here'; its gap is \u22121.05."
    )
    assert evidence["10086 hotline: resolution within 24 h"] == (
        "88.0% of its contacts were resolved within 24 hours against a target of 95% "
        "(median 6.2 h, 90th percentile 30.1 h, 12 still open)."
    )
    assert evidence["Waiting"] == (
        "30 comments with a mean sentiment (VADER compound) of \u22120.45, 70% of them negative "
        "(SERVQUAL dimension: responsiveness)."
    )


def test_actions_come_from_the_editable_table(ipa, commitments, themes):
    plan = improvement_plan(ipa, commitments, themes, max_priorities=20).set_index("Area")
    assert plan.loc["Reliability", "Suggested action"] == ACTIONS["dimension"]["reliability"]
    assert plan.loc["Waiting", "Suggested action"] == ACTIONS["theme"]["waiting"]
    # store_app has no theme action: it borrows its dimension's (tangibles).
    assert plan.loc["Store", "Suggested action"] == ACTIONS["dimension"]["tangibles"]


def test_custom_actions_replace_the_defaults(ipa):
    plan = improvement_plan(ipa, None, None, actions={"dimension": {"default": "Do X."}})
    assert set(plan["Suggested action"]) == {"Do X."}


def test_unknown_channel_gets_the_channel_default(commitments):
    wechat = commitments.assign(channel=["wechat", "email", "online"])
    plan = improvement_plan(None, wechat, None).set_index("Area")
    assert (
        plan.loc["10086 hotline: resolution within 24 h", "Suggested action"]
        == ACTIONS["channel"]["default"]
    )


def test_nothing_qualifies_gives_an_empty_plan_and_a_sentence(ipa, commitments):
    good_ipa = ipa.assign(quadrant="Keep up the good work")
    all_met = commitments.assign(meets_standard=True)
    plan = improvement_plan(good_ipa, all_met, None)
    assert plan.empty and list(plan.columns) == COLUMNS
    assert "no specific improvement priority" in plan_summary(plan).markdown
    assert show(plan) == plan_summary(plan)


def test_summary_counts_priorities_by_source(ipa, commitments, themes):
    text = plan_summary(improvement_plan(ipa, commitments, themes)).markdown.replace("\\", "")
    assert text.startswith(
        "The evidence gives 6 priorities: 2 from the importance-performance analysis, "
        "2 from missed service commitments and 2 from negative comment themes."
    )


def test_dimension_column_instead_of_index_and_inputs_untouched(ipa, commitments, themes):
    with_column = ipa.rename_axis("dimension").reset_index()
    before = [with_column.copy(), commitments.copy(), themes.copy()]
    plan = improvement_plan(with_column, commitments, themes)
    assert plan.loc[1, "Area"] == "Reliability"
    for after, original in zip([with_column, commitments, themes], before, strict=True):
        pd.testing.assert_frame_equal(after, original)
