"""The catalogue of broken cases: each breaks tests/data/cases/minimal in one way.

Each entry is (id, setup, expected): *setup* edits a copy of the minimal case and
*expected* lists the exact ``FILE:ROW:COLUMN: message`` lines ``carebook validate``
prints (in order), which tests/case/test_broken.py asserts together with exit code 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from casekit import edit, survey_csv

Setup = Callable[[Path], None]


def write(name: str, content: str | bytes) -> Setup:
    def setup(case: Path) -> None:
        path = case / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return setup


def replace(name: str, old: str, new: str) -> Setup:
    return lambda case: edit(case, name, old, new)


def delete(name: str) -> Setup:
    return lambda case: (case / name).unlink()


def both(*steps: Setup) -> Setup:
    def setup(case: Path) -> None:
        for step in steps:
            step(case)
    return setup


def rename(old: str, new: str) -> Setup:
    return lambda case: (case / old).rename(case / new)


def capped(case: Path) -> None:
    os.environ["CAREBOOK_MAX_FILE_BYTES"] = "100"


def link_outside(case: Path) -> None:
    outside = case.parent / "outside.csv"
    outside.write_text((case / "survey.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (case / "survey.csv").unlink()
    (case / "survey.csv").symlink_to(outside)


CONTACT_HEAD = "contact_id,channel,category,received_at,first_response_at,resolved_at,first_contact_resolution\n"
COMMENT_HEAD = "comment_id,date,source,kind,text,code\n"
BENCH_HEAD = "metric,label,organisation,value,unit,higher_is_better,period,source\n"
BERLIN = replace("case.yaml", "timezone: Asia/Shanghai", "timezone: Europe/Berlin")

CATALOGUE: list[tuple[str, Setup, list[str]]] = [
    # --- files -----------------------------------------------------------------------
    ("case_yaml_missing", delete("case.yaml"), [
        "case.yaml::: required file is missing from the case folder",
    ]),
    ("survey_wrong_case_name", rename("survey.csv", "Survey.csv"), [
        "survey.csv::: required file is missing from the case folder; found `Survey.csv`: rename it to "
        "`survey.csv`",
    ]),
    ("survey_zipped", rename("survey.csv", "survey.csv.zip"), [
        "survey.csv::: required file is missing from the case folder; found `survey.csv.zip`: rename it to "
        "`survey.csv`",
    ]),
    ("file_over_byte_cap", capped, [
        "case.yaml::: is 843 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to raise it)",
        "survey.csv::: is 756 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to raise it)",
        "contacts.csv::: is 372 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to raise "
        "it)",
        "comments.csv::: is 253 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to raise "
        "it)",
        "benchmark.csv::: is 390 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to raise "
        "it)",
        "references.yaml::: is 474 bytes, which exceeds the limit of 100 bytes (set CAREBOOK_MAX_FILE_BYTES to "
        "raise it)",
    ]),
    ("symlink_outside_case", link_outside, [
        "survey.csv::: is a link to a file outside the case folder; copy the file in instead",
    ]),
    # --- encodings -------------------------------------------------------------------
    ("latin1_survey", write("survey.csv", survey_csv({"segment": "café"}).encode("latin-1")), [
        "survey.csv::: is not valid UTF-8 or GB18030 text (byte 186 is 0xe9); it may have been saved as "
        "Windows-1252 or latin-1, which carebook does not guess; open it in your spreadsheet program and save it "
        'as "CSV UTF-8"',
    ]),
    ("utf32_garbage", write("survey.csv", b"\xff\xfe\x00\x00garbage"), [
        "survey.csv::: starts with a UTF-32 mark and is not valid UTF-8 or GB18030 text; open it in your "
        'spreadsheet program and save it as "CSV UTF-8"',
    ]),
    ("utf16_without_bom", write("survey.csv", survey_csv({}).encode("utf-16-le")), [
        "survey.csv::: looks like UTF-16 text without a byte-order mark, which is not supported; open it in your "
        'spreadsheet program and save it as "CSV UTF-8"',
    ]),
    # --- CSV structure ---------------------------------------------------------------
    ("empty_file", write("survey.csv", b""), [
        "survey.csv::: the file is empty; it needs a header row and at least one data row",
    ]),
    ("header_only", write("survey.csv", survey_csv()), [
        "survey.csv::: has a header row but no data rows; add the data, or delete the file if it is optional",
    ]),
    ("semicolon_separated", write("contacts.csv", CONTACT_HEAD.replace(",", ";") + "c1;hotline;;2014-03-01;;;\n"), [
        "contacts.csv:1:: expected columns ['contact_id', 'channel', 'received_at'], got ['contact_id;channel;"
        "category;received_at;first_response_at;resolved_at;first_contact_resolution']: the file is separated by "
        'semicolons, not commas; save it as "CSV UTF-8 (comma delimited)"',
    ]),
    ("duplicate_column", write("survey.csv", survey_csv({"csat": "4"}, columns=[
        "respondent_id", "csat", *[f"{s}{i}" for s in "EP" for i in range(1, 23)], "csat"])), [
        "survey.csv:1:csat: column `csat` appears twice (columns 2 and 47); keep one",
    ]),
    ("ragged_rows", write("contacts.csv", CONTACT_HEAD + "c1,hotline,,2014-03-01 09:00,,,\n"
                          "c2,hotline,,2014-03-01 09:00,,,,EXTRA\n\"c3\nstill c3\",email,,2014-03-01,,\n"), [
        "contacts.csv:3:: row has 8 field(s) but the header has 7; check for a stray comma or an unquoted comma "
        "inside a value",
        "contacts.csv:4:: row has 6 field(s) but the header has 7; check for a stray comma or an unquoted comma "
        "inside a value",
    ]),
    ("unnamed_column", write("contacts.csv", CONTACT_HEAD.strip() + ",\nc1,hotline,,2014-03-01,,,,x\n"), [
        "contacts.csv:1:: column 8 has no name in the header row; name it or delete the column",
    ]),
    ("missing_column_with_hint", write("survey.csv", survey_csv({"p7": "4"}, columns=[
        "respondent_id", *[c for c in [f"{s}{i}" for s in "EP" for i in range(1, 23)] if c != "P7"], "p7"])), [
        "survey.csv:1:P7: required column is missing; did you mean `p7`? (rename that column)",
    ]),
    ("response_column_needed", write("contacts.csv", "contact_id,channel,received_at,resolved_at\n"
                                     "c1,hotline,2014-03-01 09:00,\n"), [
        "contacts.csv:1:first_response_at: required column is missing (a commitment in case.yaml measures "
        "response)",
    ]),
    # --- survey values ---------------------------------------------------------------
    ("p0_4_ids_and_likert", write("survey.csv", survey_csv(
        {"respondent_id": "007", "segment": "NA", "P1": "5"},
        {"respondent_id": "12345678901234567", "segment": "None", "P1": "8"},
        {"respondent_id": "12345678901234568", "segment": "null", "P1": "Strongly agree"})), [
        "survey.csv:3:P1: 8 is out of range; answers run from 1 to 7",
        "survey.csv:4:P1: 'Strongly agree' is not a number; enter a whole number from 1 to 7 or leave the cell "
        "empty",
    ]),
    ("likert_not_whole", write("survey.csv", survey_csv({"E3": "4.5"}, {"E3": "0"})), [
        "survey.csv:2:E3: '4.5' is not a whole number; answers run from 1 to 7",
        "survey.csv:3:E3: 0 is out of range; answers run from 1 to 7",
    ]),
    ("headline_scales", write("survey.csv", survey_csv({"csat": "6", "nps": "11", "ces": "2"},
                                                       {"csat": "5", "nps": "-1", "ces": "8"})), [
        "survey.csv:2:csat: 6 is out of range; answers run from 1 to 5",
        "survey.csv:2:nps: 11 is out of range; answers run from 0 to 10",
        "survey.csv:3:nps: -1 is out of range; answers run from 0 to 10",
        "survey.csv:3:ces: 8 is out of range; answers run from 1 to 7",
    ]),
    ("duplicate_respondent", write("survey.csv", survey_csv({"respondent_id": "a"}, {"respondent_id": "b"},
                                                            {"respondent_id": "a"})), [
        "survey.csv:4:respondent_id: duplicate respondent_id 'a': first used on row 2; ids must be unique",
    ]),
    ("empty_and_blank_ids", write("survey.csv", survey_csv({"respondent_id": ""}, {"respondent_id": "  "})), [
        "survey.csv:2:respondent_id: is empty; every row needs a respondent_id",
        "survey.csv:3:respondent_id: respondent_id holds only spaces; every row needs a respondent_id",
    ]),
    ("weights_not_100", write("survey.csv", survey_csv(
        {"W_tangibles": "10", "W_reliability": "20", "W_responsiveness": "20", "W_assurance": "20",
         "W_empathy": "20"},
        {"W_tangibles": "10", "W_reliability": "", "W_responsiveness": "", "W_assurance": "", "W_empathy": ""},
        {"W_tangibles": "-10", "W_reliability": "50", "W_responsiveness": "20", "W_assurance": "20",
         "W_empathy": "20"})), [
        "survey.csv:2:W_*: weights sum to 90, not 100 (±0.5); share 100 points across the five dimensions",
        "survey.csv:3:W_*: weights are given for 1 of the 5 dimensions; fill all five or none",
        "survey.csv:4:W_tangibles: -10 is out of range; values run from 0 to 100",
    ]),
    ("weights_column_missing", write("survey.csv", survey_csv(
        {"W_tangibles": "25", "W_reliability": "25", "W_responsiveness": "25", "W_assurance": "25"})), [
        "survey.csv:1:W_*: weights need all five columns or none; missing W_empathy",
    ]),
    ("survey_date_not_iso", write("survey.csv", survey_csv({"date": "01/03/2014"}, {"date": "2014-02-30"})), [
        "survey.csv:2:date: '01/03/2014' is not an ISO date; write dates as YYYY-MM-DD (e.g. 2014-03-01)",
        "survey.csv:3:date: '2014-02-30' is not a real date",
    ]),
    # --- contacts values -------------------------------------------------------------
    ("unknown_channels", write("contacts.csv", CONTACT_HEAD + "c1,hotline,,2014-03-01 09:00,,,\n"
                               "c2,Hotline,,2014-03-01 09:00,,,\nc3,sms,,2014-03-01 09:00,,,\n"), [
        "contacts.csv:3:channel: 'Hotline' is not one of: hotline, email (the channels of the commitments in "
        "case.yaml); did you mean `hotline`?",
        "contacts.csv:4:channel: 'sms' is not one of: hotline, email (the channels of the commitments in case.yaml)",
    ]),
    ("resolved_before_received", write("contacts.csv", CONTACT_HEAD +
                                       "c1,hotline,,2014-03-01 09:00,2014-03-01 08:30,2014-03-01T00:00:00Z,\n"), [
        "contacts.csv:2:first_response_at: is 30 minute(s) before received_at; a contact cannot be answered before "
        "it is received (check the date, time and time zone)",
        "contacts.csv:2:resolved_at: is 60 minute(s) before received_at; a contact cannot be resolved before it is "
        "received (check the date, time and time zone)",
    ]),
    ("p1_7_dst_and_formats", both(BERLIN, write("contacts.csv", CONTACT_HEAD +
                                                "c1,hotline,,2024-03-31T01:30:00+01:00,,,\n"
                                                "c2,hotline,,2024-03-31T03:30:00+02:00,,,\n"
                                                "c3,hotline,,2024-03-31 02:30:00,,,\n"
                                                "c4,hotline,,01/02/2024 09:30,,,\n"
                                                "c5,email,,2024-10-27 02:30,,,\n"
                                                "c6,email,,2024-02-30 10:00,,,\n")), [
        "contacts.csv:4:received_at: '2024-03-31 02:30:00' does not exist in Europe/Berlin: the clocks skip that "
        "hour; check the time, or add the UTC offset it was recorded in (+01:00 or +02:00)",
        "contacts.csv:5:received_at: '01/02/2024 09:30' is not an ISO 8601 timestamp; write YYYY-MM-DD HH:MM, "
        "optionally with seconds and a UTC offset (e.g. 2014-03-01 09:30 or 2014-03-01T09:30:00+08:00)",
        "contacts.csv:6:received_at: '2024-10-27 02:30' happens twice in Europe/Berlin: the clocks go back over "
        "that hour; add the UTC offset to say which (+02:00 or +01:00)",
        "contacts.csv:7:received_at: '2024-02-30 10:00' is not a real date and time",
    ]),
    ("received_at_empty", write("contacts.csv", CONTACT_HEAD + "c1,hotline,,,,,\n"), [
        "contacts.csv:2:received_at: is empty; every row needs a value in received_at",
    ]),
    ("boolean_spelling", write("contacts.csv", CONTACT_HEAD + "c1,hotline,,2014-03-01,,,maybe\n"
                               "c2,hotline,,2014-03-01,,,Y\n"), [
        "contacts.csv:2:first_contact_resolution: 'maybe' is not a yes/no value; use true/false, yes/no, 1/0 or "
        "y/n",
    ]),
    ("duplicate_contact_id", write("contacts.csv", CONTACT_HEAD + "007,hotline,,2014-03-01,,,\n"
                                   "7,hotline,,2014-03-01,,,\n007,email,,2014-03-01,,,\n"), [
        "contacts.csv:4:contact_id: duplicate contact_id '007': first used on row 2; ids must be unique",
    ]),
    # --- comments values -------------------------------------------------------------
    ("comment_source_and_kind", write("comments.csv", COMMENT_HEAD + "m1,,facebook,complaint,Slow.,\n"
                                      "m2,,email,complain,Slow.,\n"), [
        "comments.csv:2:source: 'facebook' is not one of: comment_card, letter, conversation, telephone_poll, "
        "email, online, other",
        "comments.csv:3:kind: 'complain' is not one of: complaint, commendation, suggestion, other; did you mean "
        "`complaint`?",
    ]),
    ("comment_text_empty_or_long", write("comments.csv", COMMENT_HEAD + "m1,,email,,,\n"
                                         f"m2,,email,,{'x' * 10_001},\n"), [
        "comments.csv:2:text: is empty; every row needs a value in text",
        "comments.csv:3:text: is 10,001 characters long; the limit is 10,000 (split it into several comments)",
    ]),
    ("comment_codes", write("comments.csv", COMMENT_HEAD + "m1,,email,,Slow.,netwrk\nm2,,email,,Slow.,none;billing\n"
                            "m3,,email,,Slow.,billing;;network\nm4,,email,,Slow.,billing; network\n"), [
        "comments.csv:2:code: unknown theme 'netwrk' in 'netwrk'; did you mean `network`?; use codebook theme keys "
        "separated by `;`, or `none` for a comment coded with no theme",
        "comments.csv:3:code: 'none;billing' mixes `none` with themes; write `none` alone, or only theme keys",
        "comments.csv:4:code: 'billing;;network' has an empty theme between `;`; separate theme keys with one `;`",
    ]),
    # --- benchmark values ------------------------------------------------------------
    ("benchmark_without_competitor", write("benchmark.csv", BENCH_HEAD + "share,,Example Mobile,62.2,,true,,\n"
                                           "share,,Other Telcom,22.8,,true,,\nnps,,Example Mobile,10,,true,,\n"), [
        "benchmark.csv:2:organisation: metric 'share' has no row for the competitor 'Other Telecom'; `Other Telcom` "
        "is close: write it exactly as in case.yaml",
        "benchmark.csv:4:organisation: metric 'nps' has no row for the competitor 'Other Telecom'",
    ]),
    ("benchmark_values", write("benchmark.csv", BENCH_HEAD + "share,,Example Mobile,62%,,true,,\n"
                               "share,,Other Telecom,22.8,,,,\nshare,,Other Telecom,22.8,,true,,\n"), [
        "benchmark.csv:2:value: '62%' is not a number; write digits with a decimal point, no thousands separators "
        "or units",
        "benchmark.csv:3:higher_is_better: is empty; every row needs a value in higher_is_better",
        "benchmark.csv:4:organisation: a second row for metric 'share' and 'Other Telecom'; keep one",
    ]),
    ("benchmark_without_competitor_in_yaml", replace("case.yaml", "benchmark:\n  competitor: Other Telecom\n", ""), [
        "case.yaml::benchmark.competitor: is required when benchmark.csv is present: name the competitor exactly "
        "as in benchmark.csv's organisation column",
    ]),
    # --- case.yaml -------------------------------------------------------------------
    ("yaml_syntax_error", replace("case.yaml", "  course: Creating", "  course: Creating: a"), [
        "case.yaml:4:: YAML syntax error: mapping values are not allowed here (line 4, column 19); a value "
        'containing ": " or starting with a special character must be in quotes',
    ]),
    ("yaml_python_tag", replace("case.yaml", "  unit_code: DJ4234", "  unit_code: !!python/object/apply:os.system "
                                "['touch pwned']"), [
        "case.yaml:5:: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; case files hold "
        "plain values only (remove the `!!...` part)",
    ]),
    ("yaml_1_1_no_and_octal", both(replace("case.yaml", 'country: "NO"', "country: NO"),
                                   replace("case.yaml", 'student_id: "0123"', "student_id: 0123")), [
        'case.yaml::report.student_id: must be text, but YAML reads `0123` as the number 83; put it in quotes: '
        '"0123"',
        'case.yaml::organisation.country: must be text, but YAML reads `NO` as the boolean false; put it in '
        'quotes: "NO"',
    ]),
    ("yaml_sexagesimal_hours", replace("case.yaml", "target_hours: 24", "target_hours: 1:30"), [
        "case.yaml::standards.commitments[0].target_hours: YAML reads `1:30` as the base-60 number 90; write hours "
        'as a decimal (1:30 is 1.5), or put it in quotes ("1:30") if it is text',
    ]),
    ("yaml_octal_hours", replace("case.yaml", "target_hours: 48", "target_hours: 012"), [
        "case.yaml::standards.commitments[1].target_hours: `012` has a leading zero, so YAML reads it as the octal "
        'number 10; write it without the zero, or in quotes ("012") if it is a code',
    ]),
    ("commitment_numbers", both(replace("case.yaml", "target_hours: 24", "target_hours: 0"),
                                replace("case.yaml", "target_pct: 95", "target_pct: 120")), [
        "case.yaml::standards.commitments[0].target_hours: must be > 0, not 0",
        "case.yaml::standards.commitments[0].target_pct: must be <= 100, not 120",
    ]),
    ("unknown_timezone", replace("case.yaml", "Asia/Shanghai", "Asia/Shangai"), [
        "case.yaml::organisation.timezone: unknown time zone 'Asia/Shangai': use an IANA name such as Asia/Shanghai "
        "or Europe/London; did you mean `Asia/Shanghai`?",
    ]),
    ("measure_misspelt", replace("case.yaml", "measure: resolution", "measure: resolve"), [
        "case.yaml::standards.commitments[0].measure: must be one of 'response' or 'resolution', not 'resolve'; "
        "did you mean `resolution`?",
    ]),
    ("required_keys", both(replace("case.yaml", "  title: Customer Care Strategy of Example Mobile\n", ""),
                           replace("case.yaml", "  name: Example Mobile", '  name: ""')), [
        "case.yaml::report.title: is required but missing",
        "case.yaml::organisation.name: must not be empty",
    ]),
    ("strategies_empty", replace("case.yaml", "strategies:\n  - name: Total satisfaction plan\n"
                                 "    description: Service before, during and after the sale.\n"
                                 "    benefit: More loyal customers.\n", "strategies: []\n"), [
        "case.yaml::strategies: needs at least 1 item(s)",
    ]),
    ("duplicate_yaml_key", replace("case.yaml", "  outcome: 3\n", "  outcome: 3\n  outcome: 4\n"), [
        "case.yaml:7:report.outcome: key appears twice (lines 6 and 7); keep one",
    ]),
    ("case_yaml_not_mapping", write("case.yaml", "- just\n- a list\n"), [
        "case.yaml::: must be a mapping with the keys report, organisation, strategies and standards (see "
        "data-contract.md, or start from `carebook new`)",
    ]),
    ("duplicate_commitment", replace("case.yaml", "      target_hours: 48\n",
                                     "      target_hours: 48\n    - channel: email\n      label: Mail\n"
                                     "      measure: response\n      target_hours: 24\n"), [
        "case.yaml::standards.commitments[2]: repeats the response commitment of channel 'email' "
        "(standards.commitments[1]); keep one",
    ]),
    # --- codebook.yaml and references.yaml -------------------------------------------
    ("codebook_dimension_and_keywords", write("codebook.yaml", "themes:\n  network:\n    label: Network\n"
                                              "    dimension: reliabilty\n    keywords: signal\n"
                                              "  waiting:\n    label: Waiting\n    keywords: [wait, 2014]\n"), [
        "codebook.yaml::themes.network.keywords: must be a list (one `- ` item per line), not a str",
        "codebook.yaml::themes.network.dimension: must be one of tangibles, reliability, responsiveness, "
        "assurance, empathy, not 'reliabilty'; did you mean `reliability`?",
        "codebook.yaml::themes.waiting.keywords[1]: must be text, but YAML reads `2014` as the number 2014; put it "
        'in quotes: "2014"',
    ]),
    ("references_problems", write("references.yaml", "- id: a\n  type: journal\n  authors: [X]\n  year: 1990\n"
                                  "  title: T\n- id: a\n  type: article\n  authors: [Y]\n  year: 1991\n"
                                  "  title: U\n  volume: 64\n"), [
        "references.yaml::[0].type: must be one of 'book', 'article', 'web' or 'report', not 'journal'",
        'references.yaml::[1].volume: must be text, but YAML reads `64` as the number 64; put it in quotes: "64"',
        "references.yaml::[1].id: duplicate id 'a' (also [0]); every entry needs its own id",
    ]),
]
