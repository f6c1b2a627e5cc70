"""Benchmark figures of the sample case (``benchmark.csv``): China Mobile against China Unicom.

The figures are the published 2013 operator figures collected in carebook's domain brief
(section 6), each with its source; China Telecom is included where the sources give it,
as a third reference point. Figures marked *derived* were computed from the cited
numbers, *approx.* ones were reconciled from quarterly reports. Rows whose ``label`` says
*illustrative* are not published figures: they show what a student would add from their
own research and are labelled so in the report.

Values are kept as the exact text of the source (``"767.21"``), never re-formatted from a
float, so the file is byte-identical on every run.
"""

from __future__ import annotations

# ruff: noqa: E501 - one source row per line keeps the figures checkable
from pathlib import Path

from carebook.sample._csv import write_quoted

__all__ = ["HEADER", "ROWS", "write_benchmark"]

HEADER = ("metric", "label", "organisation", "value", "unit", "higher_is_better", "period", "source")

_CM, _CU, _CT = "China Mobile", "China Unicom", "China Telecom"
_REUTERS_SUBS = "Reuters, 20 Jan 2014"
_DERIVED_SUBS = "Derived from Reuters, 20 Jan 2014 (three operators, 1,233.77 m in total)"
_ARPU = ("approx.: reconciled from quarterly figures reported by China Internet Watch, "
         "China Tech News and TelecomLead; check the operator's annual report 2013")
_MIIT_Q1_2012 = "MIIT notice on telecommunications service quality, Q1 2012"
_ILLUSTRATIVE_APPEALS = "illustrative, based on MIIT 2011-2012 levels (not a published figure)"


def _rows(metric: str, label: str, unit: str, higher: bool, period: str,
          values: list[tuple[str, str, str]]) -> list[tuple[str, ...]]:
    return [(metric, label, org, value, unit, "true" if higher else "false", period, source)
            for org, value, source in values]


ROWS: tuple[tuple[str, ...], ...] = tuple(
    _rows("mobile_subscribers_m", "Mobile subscribers", "million", True, "Dec 2013", [
        (_CM, "767.21", _REUTERS_SUBS), (_CU, "280.98", _REUTERS_SUBS), (_CT, "185.58", _REUTERS_SUBS)])
    + _rows("subscribers_3g_m", "3G subscribers", "million", True, "Dec 2013", [
        (_CM, "191.62", _REUTERS_SUBS), (_CU, "122.60", _REUTERS_SUBS), (_CT, "103.11", _REUTERS_SUBS)])
    + _rows("share_3g_pct", "3G share of own subscribers (derived)", "%", True, "Dec 2013", [
        (_CM, "25.0", "Derived from Reuters, 20 Jan 2014"),
        (_CU, "43.6", "Derived from Reuters, 20 Jan 2014"),
        (_CT, "55.6", "Derived from Reuters, 20 Jan 2014")])
    + _rows("market_share_pct", "Share of mobile subscribers (derived)", "%", True, "Dec 2013", [
        (_CM, "62.2", _DERIVED_SUBS), (_CU, "22.8", _DERIVED_SUBS), (_CT, "15.0", _DERIVED_SUBS)])
    + _rows("revenue_rmb_bn", "Operating revenue", "RMB bn", True, "2013", [
        (_CM, "630.2", "Reuters, 20 Mar 2014"), (_CU, "295.04", "TeleGeography CommsUpdate, 2014")])
    + _rows("revenue_growth_pct", "Revenue growth on 2012", "%", True, "2013", [
        (_CM, "8.3", "Reuters, 20 Mar 2014"), (_CU, "18.5", "TeleGeography CommsUpdate, 2014")])
    + _rows("net_profit_rmb_bn", "Net profit", "RMB bn", True, "2013", [
        (_CM, "121.7", "Die Zeit (zeit.de), 2014"), (_CU, "10.41", "TeleGeography CommsUpdate, 2014")])
    + _rows("arpu_rmb_month", "Average revenue per user per month (approx.)", "RMB", True, "2013", [
        (_CM, "67", _ARPU), (_CU, "48", _ARPU)])
    + _rows("miit_appeals_per_million", "Appeals to MIIT per million users in the quarter", "per million users",
            False, "Q1 2012", [(_CM, "8.6", _MIIT_Q1_2012), (_CU, "20.2", _MIIT_Q1_2012),
                               (_CT, "13.6", _MIIT_Q1_2012)])
    + _rows("miit_appeals_per_million_2014", "Appeals to MIIT per million users in the quarter (illustrative)",
            "per million users", False, "Q2 2014 (illustrative)", [
                (_CM, "7.9", _ILLUSTRATIVE_APPEALS), (_CU, "18.6", _ILLUSTRATIVE_APPEALS)])
    + _rows("hotline_15s_pct", "Hotline calls answered by an agent within 15 seconds (illustrative)", "%",
            True, "2014 (illustrative)", [
                (_CM, "85", "illustrative value for the exercise (not a published figure)"),
                (_CU, "84", "illustrative; China Unicom later reported 87% for 10010 (2017, chinaunicom.com.hk)")])
)


def write_benchmark(path: Path) -> Path:
    """Write the benchmark figures to *path* as ``benchmark.csv``."""
    write_quoted(path, HEADER, ROWS)
    return path
