"""The sample case's reading list (``references.yaml``).

The entries come from carebook's domain brief (sections 7 and 8): the SERVQUAL and
benchmarking sources the report's method rests on, the statistics it computes (alpha,
kappa, NPS, CES, importance-performance analysis, VADER) and China Mobile's own
reporting. The text is written by hand so that a student can read and extend it; strings
YAML 1.1 would turn into numbers or dates (volumes, issues, pages) are quoted.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REFERENCES_YAML", "write_references"]

REFERENCES_YAML = """\
# Reading list of the China Mobile sample case, rendered in Harvard (Cite Them Right) style.
# Cite an entry in a notebook's text as [@id]. Entries nobody cites are still listed.
# Entries marked "check" in carebook's domain brief were not re-read against the original:
# verify pages before quoting them.

# --- Service quality: SERVQUAL and its critics ---------------------------------------
- id: parasuraman1985
  type: article
  authors: ["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."]
  year: 1985
  title: A conceptual model of service quality and its implications for future research
  journal: Journal of Marketing
  volume: "49"
  issue: "4"
  pages: "41-50"

- id: parasuraman1988
  type: article
  authors: ["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."]
  year: 1988
  title: "SERVQUAL: a multiple-item scale for measuring consumer perceptions of service quality"
  journal: Journal of Retailing
  volume: "64"
  issue: "1"
  pages: "12-40"

- id: parasuraman1991
  type: article
  authors: ["Parasuraman, A.", "Berry, L.L.", "Zeithaml, V.A."]
  year: 1991
  title: Refinement and reassessment of the SERVQUAL scale
  journal: Journal of Retailing
  volume: "67"
  issue: "4"
  pages: "420-450"

- id: zeithaml1990
  type: book
  authors: ["Zeithaml, V.A.", "Parasuraman, A.", "Berry, L.L."]
  year: 1990
  title: Delivering quality service
  publisher: Free Press
  place: New York

- id: cronin1992
  type: article
  authors: ["Cronin, J.J.", "Taylor, S.A."]
  year: 1992
  title: "Measuring service quality: a reexamination and extension"
  journal: Journal of Marketing
  volume: "56"
  issue: "3"
  pages: "55-68"

- id: buttle1996
  type: article
  authors: ["Buttle, F."]
  year: 1996
  title: "SERVQUAL: review, critique, research agenda"
  journal: European Journal of Marketing
  volume: "30"
  issue: "1"
  pages: "8-32"

- id: ladhari2009
  type: article
  authors: ["Ladhari, R."]
  year: 2009
  title: A review of twenty years of SERVQUAL research
  journal: International Journal of Quality and Service Sciences
  volume: "1"
  issue: "2"
  pages: "172-198"

# --- Benchmarking and importance-performance analysis --------------------------------
- id: camp1989
  type: book
  authors: ["Camp, R.C."]
  year: 1989
  title: "Benchmarking: the search for industry best practices that lead to superior performance"
  publisher: ASQC Quality Press
  place: Milwaukee, WI

- id: martilla1977
  type: article
  authors: ["Martilla, J.A.", "James, J.C."]
  year: 1977
  title: Importance-performance analysis
  journal: Journal of Marketing
  volume: "41"
  issue: "1"
  pages: "77-79"

# --- Satisfaction measures -------------------------------------------------------------
- id: reichheld2003
  type: article
  authors: ["Reichheld, F.F."]
  year: 2003
  title: The one number you need to grow
  journal: Harvard Business Review
  volume: "81"
  issue: "12"
  pages: "46-54"

- id: dixon2010
  type: article
  authors: ["Dixon, M.", "Freeman, K.", "Toman, N."]
  year: 2010
  title: Stop trying to delight your customers
  journal: Harvard Business Review
  volume: "88"
  issue: "7/8"
  pages: "116-122"

# --- Reliability, qualitative coding and agreement -------------------------------------
- id: cronbach1951
  type: article
  authors: ["Cronbach, L.J."]
  year: 1951
  title: Coefficient alpha and the internal structure of tests
  journal: Psychometrika
  volume: "16"
  issue: "3"
  pages: "297-334"

- id: nunnally1978
  type: book
  authors: ["Nunnally, J.C."]
  year: 1978
  title: Psychometric theory
  edition: "2nd"
  publisher: McGraw-Hill
  place: New York

- id: braun2006
  type: article
  authors: ["Braun, V.", "Clarke, V."]
  year: 2006
  title: Using thematic analysis in psychology
  journal: Qualitative Research in Psychology
  volume: "3"
  issue: "2"
  pages: "77-101"

- id: cohen1960
  type: article
  authors: ["Cohen, J."]
  year: 1960
  title: A coefficient of agreement for nominal scales
  journal: Educational and Psychological Measurement
  volume: "20"
  issue: "1"
  pages: "37-46"

- id: landis1977
  type: article
  authors: ["Landis, J.R.", "Koch, G.G."]
  year: 1977
  title: The measurement of observer agreement for categorical data
  journal: Biometrics
  volume: "33"
  issue: "1"
  pages: "159-174"

- id: hutto2014
  type: article
  authors: ["Hutto, C.J.", "Gilbert, E."]
  year: 2014
  title: "VADER: a parsimonious rule-based model for sentiment analysis of social media text"
  journal: Proceedings of the Eighth International AAAI Conference on Weblogs and Social Media (ICWSM-14)
  publisher: AAAI Press
  place: Palo Alto, CA
  pages: "216-225"

# --- The organisations ------------------------------------------------------------------
- id: chinamobile2014
  type: report
  authors: ["China Mobile Limited"]
  year: 2014
  title: Annual report 2013
  publisher: China Mobile Limited
  place: Hong Kong
  url: https://www.chinamobileltd.com/
  accessed: 2014-05-20

- id: chinaunicom2014
  type: report
  authors: ["China Unicom (Hong Kong) Limited"]
  year: 2014
  title: Annual report 2013
  publisher: China Unicom (Hong Kong) Limited
  place: Hong Kong
  url: https://www.chinaunicom.com.hk/
  accessed: 2014-05-20

- id: miit2013
  type: web
  authors: ["Ministry of Industry and Information Technology of the People's Republic of China"]
  year: 2013
  title: "关于电信服务质量的通告 (Notices on telecommunications service quality, quarterly)"
  url: https://www.miit.gov.cn/
  accessed: 2014-11-01
"""  # noqa: E501 - YAML text


def write_references(path: Path) -> Path:
    """Write the reading list to *path* as ``references.yaml``."""
    path.write_text(REFERENCES_YAML, encoding="utf-8", newline="\n")
    return path
