"""Report content that comes straight from ``case.yaml``: sections 1.0, 2.0 and 3.0.

Everything here turns the organisation's own statements (profile, strategies,
standards, commitments) into escaped Markdown or plain DataFrames for ``tables.show``.
Where an optional narrative key is absent, the text says so plainly instead of inventing
content.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from carebook.case.model import Case
from carebook.narrative import Text, bullets, join_words, paragraphs, say

__all__ = [
    "profile",
    "scope",
    "data_notice",
    "inputs_table",
    "strategies_table",
    "strategies_sentence",
    "development",
    "standards_lists",
    "commitments_table",
    "how_standards_were_set",
    "competitor_profile",
]

CHANNEL_NAMES = {"hotline": "telephone hotline", "online": "online", "email": "e-mail", "store": "store"}


def _date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def profile(case: Case) -> Text:
    """Introduce the organisation from ``organisation`` in case.yaml."""
    org = case.config.organisation
    parts = [say("**{name}**", name=org.name)]
    facts = []
    if org.sector:
        facts.append(say("works in {sector}", sector=org.sector.lower()).markdown)
    if org.country:
        facts.append(say("is based in {country}", country=org.country).markdown)
    if org.founded:
        facts.append(say("was founded on {date}", date=_date(org.founded)).markdown)
    if org.customers_millions is not None:
        if org.customers_millions >= 1:
            facts.append(say("serves about {n:,.1f} million customers", n=org.customers_millions).markdown)
        else:  # "0.4 million" reads oddly; round to the nearest thousand instead
            facts.append(say("serves about {n:,} customers",
                             n=int(round(org.customers_millions * 1000)) * 1000).markdown)
    if facts:
        parts.append(Text(" " + join_words(facts) + "."))
    else:
        parts.append(Text(" is the organisation this report is about."))
    text = Text("".join(p.markdown for p in parts))
    if org.profile:
        text = text + paragraphs(org.profile)
    return text


def scope(case: Case) -> Text:
    """Say what the report covers, naming the organisation and its benchmark partner."""
    partner = (
        say(", benchmarks it against {competitor}", competitor=case.competitor).markdown
        if case.competitor
        else ""
    )
    return say(
        "This report explains how {name} develops its customer care strategy, sets the "
        "standards that put it into practice" + partner.replace("{", "{{").replace("}", "}}")
        + ", monitors it with qualitative and quantitative methods, and reviews it against "
        "the five SERVQUAL dimensions to decide what to improve next.",
        name=case.organisation,
    )


def data_notice(case: Case) -> Text:
    """State where the data came from, that synthetic data is synthetic, and what is missing."""
    texts = []
    if case.config.data_collection.synthetic:
        texts.append(
            say(
                "**About the data.** The survey, contact and comment data in this case are "
                "synthetic: they were generated to resemble what {name} would collect and are "
                "not the organisation's own records. Published figures (the benchmark table) "
                "name their sources; figures marked illustrative are not official.",
                name=case.organisation,
            )
        )
    if case.not_supplied:
        texts.append(
            say("**Not supplied with this case:** {items}. The sections that would use them say so.",
                items=join_words(case.not_supplied))
        )
    out = Text("")
    for t in texts:
        out = t if not out.markdown else out + t
    return out


def inputs_table(case: Case) -> pd.DataFrame:
    """One row per data file read: what it holds and how many records."""
    described = {
        "survey.csv": "SERVQUAL and satisfaction survey (one row per respondent)",
        "contacts.csv": "Customer contacts handled (one row per contact)",
        "comments.csv": "Customer comments (one row per comment)",
        "benchmark.csv": "Benchmark figures of the organisation and its competitor",
    }
    frames = {"survey.csv": case.survey, "contacts.csv": case.contacts,
              "comments.csv": case.comments, "benchmark.csv": case.benchmark}
    rows = []
    for name, what in described.items():
        frame = frames[name]
        rows.append({"File": name, "Contents": what,
                     "Records": len(frame) if frame is not None else None,
                     "Supplied": "yes" if frame is not None else "no"})
    out = pd.DataFrame(rows).set_index("File")
    # Nullable integers: a missing file must not turn the counts into 40.00.
    out["Records"] = out["Records"].astype("Int64")
    return out


def strategies_table(case: Case) -> pd.DataFrame:
    """The strategies of case.yaml with what each involves and its benefit."""
    rows = [
        {"Strategy": s.name, "What it involves": s.description, "Benefit": s.benefit}
        for s in case.config.strategies
    ]
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="No.")
    return frame


def strategies_sentence(case: Case) -> Text:
    """Introduce the strategy table: how many strategies the organisation pursues."""
    n = len(case.config.strategies)
    if n == 1:
        return say(
            "{name} pursues one specific customer care strategy. The table below says what it "
            "involves and the benefit it is meant to bring.",
            name=case.organisation,
        )
    return say(
        "{name} pursues {n} specific customer care strategies. The table below lists each one, "
        "what it involves and the benefit it is meant to bring.",
        name=case.organisation, n=_count_word(n),
    )


def _count_word(n: int) -> str:
    # Style guides spell out small numbers in running text.
    words = ("zero one two three four five six seven eight nine ten eleven twelve").split()
    return words[n] if 0 <= n < len(words) else f"{n:,}"


_ASPECTS = ("internal_structure", "measures_and_policy", "feedback_changes")


def development(case: Case, aspect: str) -> Text:
    """One aspect of how the strategy was developed, from ``strategy_development``.

    Parameters
    ----------
    aspect : {"internal_structure", "measures_and_policy", "feedback_changes"}
    """
    if aspect not in _ASPECTS:
        raise ValueError(f"aspect must be one of {', '.join(_ASPECTS)}, not {aspect!r}")
    text = getattr(case.config.strategy_development, aspect)
    if text:
        return paragraphs(text)
    what = {
        "internal_structure": "how {name} is organised to deliver customer care",
        "measures_and_policy": "the customer care measures and policies of {name}",
        "feedback_changes": "how {name} has changed in response to customer feedback",
    }[aspect]
    # The key is one of ours, so it goes into the template as it is: a value would be
    # escaped, and a backslash inside a code span would show.
    return say(
        "The case does not describe " + what + "; add `strategy_development." + aspect
        + "` to case.yaml to complete this part.",
        name=case.organisation,
    )


def standards_lists(case: Case, level: str) -> Text:
    """The macro or micro standards of case.yaml as a list.

    Parameters
    ----------
    level : {"macro", "micro"}
    """
    items = getattr(case.config.standards, level)
    if not items:
        return say("The case lists no {level} standards.", level=level)
    return bullets(items)


def commitments_table(case: Case) -> pd.DataFrame:
    """The measurable service commitments (hard standards) of case.yaml."""
    rows = []
    for c in case.commitments:
        verb = "answered (first response)" if c.measure == "response" else "resolved"
        rows.append({
            "Commitment": c.label,
            "Channel": c.channel,
            "Standard": f"{verb} within {c.target_hours:g} hours",
            "Target share": f"{c.target_pct:g}% of contacts",
        })
    return pd.DataFrame(rows).set_index("Commitment")


def how_standards_were_set(case: Case) -> Text:
    """How the standards were set, from ``standards.how_set`` or a plain statement."""
    if case.config.standards.how_set:
        return paragraphs(case.config.standards.how_set)
    return say(
        "The case does not say how {name} set its standards; add `standards.how_set` to "
        "case.yaml to complete this part.", name=case.organisation,
    )


def competitor_profile(case: Case) -> Text:
    """The benchmark partner and why it was chosen, or a plain statement that there is none."""
    bench = case.config.benchmark
    if bench is None:
        return say("The case names no benchmark competitor, so no benchmarking partner is discussed.")
    text = say("The benchmarking partner is **{name}**.", name=bench.competitor)
    if bench.profile:
        text = text + paragraphs(bench.profile)
    if bench.selection:
        text = text + paragraphs(bench.selection)
    return text


def methods_comparison() -> pd.DataFrame:
    """Qualitative and quantitative monitoring methods compared (report section 4.1)."""
    rows = [
        ("What it asks", "How many? How often? How fast? How satisfied, on a scale?",
         "What happened, why, and how did it feel?"),
        ("Typical methods", "Surveys and questionnaires, observation and mystery shopping, "
         "contact records in the CRM system (response and resolution times)",
         "Comment cards, letters of complaint or commendation, structured conversations, "
         "telephone polling, e-mail and online feedback"),
        ("Data", "Numbers from many customers, comparable over time and against standards",
         "Customers' own words from fewer customers, rich in detail"),
        ("Analysis", "Averages, shares, gaps and significance tests",
         "Thematic coding, counts of themes, sentiment, representative quotes"),
        ("Strength", "Shows the size of a problem and whether a standard is met",
         "Explains the reasons behind the numbers and suggests what to change"),
        ("Weakness", "Says little about why; bound by the questions asked",
         "Harder to generalise; coding needs care to be consistent"),
    ]
    return pd.DataFrame(rows, columns=["Aspect", "Quantitative", "Qualitative"]).set_index("Aspect")


def collection(case: Case) -> Text:
    """How the case's survey, contact and comment data were collected (case.yaml)."""
    dc = case.config.data_collection
    lines = []
    for label, text in (("Survey", dc.survey), ("Contact records", dc.contacts), ("Comments", dc.comments)):
        if text:
            lines.append(say("**{label}.** ", label=label).markdown + paragraphs(text).markdown)
    if not lines:
        return say("The case does not describe how its data were collected; add "
                   "`data_collection` to case.yaml to complete this part.")
    return Text("\n\n".join(lines))
