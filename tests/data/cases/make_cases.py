"""Write the synthetic test cases ``other_org/`` and ``required_only/`` next to this file.

``other_org`` is a complete case of a fictional Scottish bus operator (Clyde Valley Buses,
benchmarked against the equally fictional Forth and Tay Coaches): a different sector,
country, time zone, codebook, channel set and gap pattern from the China Mobile sample, so
that a report built from it shows which prose really comes from the data. It started as
``carebook new other_org`` and was then filled in by this script.

``required_only`` holds only the required files with only the required columns, so every
"not supplied" path of the report runs.

Run ``python tests/data/cases/make_cases.py`` to rewrite both (deterministic: seed 42).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DIMENSIONS = {
    "tangibles": range(1, 5),
    "reliability": range(5, 10),
    "responsiveness": range(10, 14),
    "assurance": range(14, 18),
    "empathy": range(18, 23),
}


def _items(rng, n, mean, sd, loading=0.78):
    # One latent factor per dimension, so Cronbach's alpha lands near 0.8 (domain.md 3.2).
    cols = {}
    for dim, items in DIMENSIONS.items():
        f = rng.standard_normal((n, 1))
        z = loading * f + np.sqrt(1 - loading**2) * rng.standard_normal((n, len(items)))
        values = np.clip(np.rint(mean[dim] + sd * z), 1, 7).astype(int)
        for j, i in enumerate(items):
            cols[i] = values[:, j]
    return cols


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _survey(rng, n, *, full: bool) -> tuple[list[str], list[list[object]]]:
    # Buses: responsiveness (help when a bus is cancelled) has the widest gap, then
    # reliability; tangibles (new fleet) slightly positive, unlike the telecom sample.
    e_mean = {"tangibles": 5.6, "reliability": 6.4, "responsiveness": 6.3, "assurance": 5.9, "empathy": 5.8}
    p_mean = {"tangibles": 5.8, "reliability": 5.3, "responsiveness": 4.9, "assurance": 5.5, "empathy": 5.1}
    e = _items(rng, n, e_mean, 0.8)
    p = _items(rng, n, p_mean, 1.2)
    header = ["respondent_id"]
    if full:
        header += ["date", "segment"]
    header += [f"E{i}" for i in range(1, 23)] + [f"P{i}" for i in range(1, 23)]
    if full:
        header += ["W_tangibles", "W_reliability", "W_responsiveness", "W_assurance", "W_empathy", "csat", "nps", "ces"]
    segments = ["concession pass", "season ticket", "single or day fare"]
    start = dt.date(2024, 1, 8)
    rows = []
    for r in range(n):
        row: list[object] = [f"CVB-S{r + 1:04d}"]
        if full:
            row += [(start + dt.timedelta(days=int(rng.integers(0, 180)))).isoformat(),
                    segments[int(rng.choice(3, p=[0.35, 0.25, 0.40]))]]
        row += [e[i][r] for i in range(1, 23)]
        # About 2% of perception answers are left blank, as on paper questionnaires.
        row += ["" if rng.random() < 0.02 else p[i][r] for i in range(1, 23)]
        if full:
            if rng.random() < 0.9:
                w = rng.dirichlet([12, 30, 26, 14, 18]) * 100
                w = np.round(w, 1)
                w[1] += round(100 - w.sum(), 1)
                row += [f"{x:.1f}" for x in w]
            else:
                row += [""] * 5
            quality = float(np.mean([p[i][r] for i in range(5, 14)]))
            csat = int(np.clip(np.rint(quality * 0.75 + rng.normal(0, 0.7)), 1, 5))
            nps = int(np.clip(np.rint(quality * 1.45 + rng.normal(0, 1.6)), 0, 10))
            ces = int(np.clip(np.rint(quality * 0.9 + rng.normal(0, 1.0)), 1, 7))
            row += [csat, nps if rng.random() > 0.03 else "", ces]
        rows.append(row)
    return header, rows


def _contacts(rng, n, *, full: bool) -> tuple[list[str], list[list[object]]]:
    # channel: (share, median hours to first response, to resolution)
    channels = {"phone": (0.5, 0.05, 30.0), "email": (0.3, 14.0, 60.0), "webform": (0.2, 20.0, 70.0)}
    categories = ["punctuality", "driver conduct", "fares and tickets", "lost property", "accessibility", "vehicle condition"]
    start = dt.datetime(2024, 1, 8, 7, 0)
    header = ["contact_id", "channel"] + (["category"] if full else []) + ["received_at", "first_response_at", "resolved_at"]
    if full:
        header.append("first_contact_resolution")
    names = list(channels)
    shares = [channels[c][0] for c in names]
    rows = []
    for k in range(n):
        ch = names[int(rng.choice(len(names), p=shares))]
        _, med_resp, med_res = channels[ch]
        received = start + dt.timedelta(minutes=int(rng.integers(0, 180 * 24 * 60)))
        first = received + dt.timedelta(hours=float(rng.lognormal(np.log(med_resp), 0.8)))
        resolved = first + dt.timedelta(hours=float(rng.lognormal(np.log(med_res), 0.9)))
        still_open = rng.random() < 0.03
        row: list[object] = [f"CVB-C{k + 1:04d}", ch]
        if full:
            row.append(categories[int(rng.integers(0, len(categories)))])
        row += [received.strftime("%Y-%m-%d %H:%M"), first.strftime("%Y-%m-%d %H:%M"),
                "" if still_open else resolved.strftime("%Y-%m-%d %H:%M")]
        if full:
            fcr = "" if rng.random() < 0.05 else ("yes" if rng.random() < (0.72 if ch == "phone" else 0.48) else "no")
            row.append(fcr)
        rows.append(row)
    return header, rows


COMMENTS = [
    ("complaint", "The 6.40 from Hamilton did not turn up again and the app still showed it as due."),
    ("complaint", "Third late bus this week. I was late for my shift at the hospital."),
    ("complaint", "Bus was cancelled with no notice and nobody at the depot answered the phone."),
    ("complaint", "The driver drove off while I was still walking to the stop, very rude."),
    ("complaint", "Driver was rude when I asked about a ticket for my son."),
    ("complaint", "Waited 55 minutes for a service that is meant to run every 15."),
    ("complaint", "I emailed about a refund three weeks ago and got no reply."),
    ("complaint", "The real-time screens at Buchanan Street are wrong half the time."),
    ("complaint", "Seats were filthy and the floor was sticky on the X4."),
    ("complaint", "The ramp was broken so my wheelchair could not get on, and the next bus was full."),
    ("complaint", "App crashed when I tried to buy a day ticket and I was charged twice."),
    ("complaint", "Fares went up again but the service is worse than last year."),
    ("complaint", "No one told us the route was diverted, we stood at a closed stop for ages."),
    ("complaint", "The contact centre kept me on hold for 40 minutes."),
    ("complaint", "The driver refused my concession pass even though it was valid."),
    ("complaint", "Buses bunch together then nothing comes for half an hour. Timetable means nothing."),
    ("complaint", "Heating not working on a freezing morning, the bus was dirty too."),
    ("complaint", "Asked for help finding lost property and was passed between three people."),
    ("complaint", "The web form said I would hear back in 2 days. It has been 9."),
    ("complaint", "Late every single evening on the 240, and the last bus simply does not come."),
    ("complaint", "Driver was on his phone while driving, I did not feel safe."),
    ("complaint", "The timetable leaflet is out of date and the website contradicts it."),
    ("complaint", "I was overcharged for a single fare and the driver could not explain why."),
    ("complaint", "Staff at the travel centre did not know about the new weekly ticket."),
    ("complaint", "Cancelled again. Nobody called me back about my complaint."),
    ("complaint", "Wheelchair space was full of buggies and the driver did nothing."),
    ("complaint", "The bus was late and the driver was rude when I asked why."),
    ("complaint", "The contactless reader did not work and I was told to get off."),
    ("suggestion", "Please put real-time information at the stops in the villages, not just the towns."),
    ("suggestion", "An earlier first bus on Sundays would help shift workers."),
    ("suggestion", "Let us buy weekly tickets in the app rather than only from the driver."),
    ("suggestion", "Tell passengers by text when a bus is cancelled, the app notifications are too late."),
    ("suggestion", "More space for wheelchairs and buggies on the busy routes please."),
    ("suggestion", "Clean the buses between the morning and evening peaks."),
    ("suggestion", "Train drivers to wait a few seconds for older passengers to sit down."),
    ("suggestion", "Publish punctuality figures for each route on the website."),
    ("suggestion", "A cheaper fare for part-time workers who travel three days a week."),
    ("suggestion", "Answer emails within a day, even just to say the complaint has been logged."),
    ("commendation", "The driver on the 201 waited for me when he saw me running. Thank you."),
    ("commendation", "Lovely driver this morning, helped an elderly lady with her shopping."),
    ("commendation", "The new electric buses are clean, quiet and comfortable. Excellent."),
    ("commendation", "Lost my purse and the lost property team found it the same day, thanks."),
    ("commendation", "Always on time on the 9 in the mornings, great service."),
    ("commendation", "The driver explained the new ticket zones clearly and patiently."),
    ("commendation", "Quick helpful reply to my email about the diversion."),
    ("commendation", "Thank you to the staff who helped my son when he felt unwell on the bus."),
    ("commendation", "Really friendly and polite staff at the travel centre."),
    ("commendation", "The app's live map is brilliant and accurate on my route."),
    ("other", "Do you still run the summer service to the coast?"),
    ("other", "Is the 4 route changing in August?"),
    ("complaint", "Bus too late for me to get my connection at the station, happens every week."),
    ("complaint", "Nobody answered the phone at the contact centre after 5pm."),
    ("complaint", "The bus was so dirty I had to stand."),
    ("complaint", "Driver shouted at a child for not having the right change."),
    ("complaint", "Ramp not deployed at my stop, I use a wheelchair and had to wait for the next one."),
    ("suggestion", "Put the price of each ticket clearly on the website."),
    ("commendation", "Service has been reliable since the new timetable, well done."),
    ("complaint", "Charged the full fare although I showed my pass."),
    ("complaint", "Waited ages in the queue on the phone and then got cut off."),
    ("commendation", "Polite driver, clean bus, on time. That is all I ask. Thanks."),
]

CODEBOOK = """\
# Themes for coding Clyde Valley Buses' comments (synthetic test case).
themes:
  punctuality:
    label: Punctuality and cancellations
    dimension: reliability
    keywords: [late, did not turn up, cancelled, cancellation, on time, timetable, bunch, does not come, punctual, reliable]
  waiting_contact:
    label: Waiting for replies and help
    dimension: responsiveness
    keywords: [no reply, on hold, called back, call me back, answered the phone, hear back, waited, queue, reply, passed between]
  driver_conduct:
    label: Driver and staff conduct
    dimension: empathy
    keywords: [rude, shouted, polite, friendly, helped, waited for me, patiently, refused, lovely]
  staff_knowledge:
    label: Staff knowledge and information
    dimension: assurance
    keywords: [did not know, could not explain, explained, information, leaflet, out of date, contradicts, told]
  fares_tickets:
    label: Fares and tickets
    dimension: reliability
    keywords: [fare, ticket, charged, overcharged, refund, concession, pass, contactless, price]
  vehicles:
    label: Vehicles and cleanliness
    dimension: tangibles
    keywords: [dirty, filthy, clean, seats, heating, sticky, electric buses, comfortable]
  accessibility:
    label: Accessibility
    dimension: empathy
    keywords: [wheelchair, ramp, buggies, older passengers, elderly]
  digital:
    label: App and real-time information
    dimension: tangibles
    keywords: [app, real-time, screens, website, live map, text when]
  praise:
    label: Praise and thanks
    keywords: [thank, excellent, brilliant, great service, well done]
"""

REFERENCES = """\
# Sources for the Clyde Valley Buses case (all organisations here are fictional).
- id: zeithaml1990
  type: book
  authors: ["Zeithaml, V.A.", "Parasuraman, A.", "Berry, L.L."]
  year: 1990
  title: "Delivering quality service: balancing customer perceptions and expectations"
  publisher: Free Press
  place: New York

- id: clydevalley2024
  type: report
  authors: ["Clyde Valley Buses"]
  year: 2024
  title: Passenger charter 2024 (fictional, for carebook tests)
  publisher: Clyde Valley Buses
  place: Hamilton

- id: transportfocus2023
  type: web
  authors: ["Transport Focus"]
  year: 2023
  title: Your bus journey survey
  url: https://www.transportfocus.org.uk/
  accessed: 2024-07-01
"""

CASE_YAML = """\
# Clyde Valley Buses: a FICTIONAL Scottish bus operator, benchmarked against the equally
# fictional Forth and Tay Coaches. Made with `carebook new` and filled in by
# tests/data/cases/make_cases.py for carebook's tests; every figure is synthetic.
report:
  title: Customer Care Strategy of Clyde Valley Buses
  course: Creating a Culture of Customer Care
  unit_code: DJ4234
  outcome: 3
  candidate_name: ""
  grade_and_class: ""
  student_id: ""
  submission_date: 2024-11-29
  word_limit: 2500

organisation:
  name: Clyde Valley Buses
  sector: Local bus services
  country: Scotland
  founded: 1998-05-04
  timezone: Europe/London
  customers_millions: 0.41
  profile: >-
    Clyde Valley Buses is a fictional operator invented for this test case. It runs 38
    routes across South Lanarkshire and into Glasgow with a fleet of 260 buses, a third
    of them battery-electric since 2023, and carries about 410,000 different passengers
    a year. Passengers reach it through its contact centre, by e-mail, through a web form
    and at two travel centres.

benchmark:
  competitor: Forth and Tay Coaches
  profile: >-
    Forth and Tay Coaches, also fictional, runs town and interurban services in Fife and
    Tayside with a fleet of similar size.
  selection: >-
    It was chosen because both operators report the same punctuality and satisfaction
    measures to the regional transport partnership, so their figures can be compared
    like for like.

strategies:
  - name: Turn-up-and-go frequencies
    description: Run the busiest corridors every ten minutes or better, all day.
    benefit: Passengers need no timetable, and a missed bus costs them little time.
  - name: One contact, one owner
    description: Every complaint is owned by one adviser from first contact to resolution.
    benefit: Passengers repeat their story once, and fewer complaints are passed around.
  - name: Accessible journeys
    description: Audit ramps daily and train every driver in disability awareness.
    benefit: Disabled and older passengers can rely on travelling independently.
  - name: Live information everywhere
    description: Real-time bus positions in the app, at stops and by text when a bus is cancelled.
    benefit: Less uncertainty at the stop, and fewer calls to the contact centre.

strategy_development:
  internal_structure: >-
    A customer experience director reports to the managing director; each depot has a
    customer champion among its drivers, and the contact centre sits beside the control
    room so that advisers can see disruption as it happens.
  measures_and_policy: >-
    The passenger charter sets out what passengers can expect and how to claim a refund
    when a journey fails; complaint handling follows a written policy with a named owner
    for each case.
  feedback_changes: >-
    The monthly passenger panel and complaint themes are reviewed by the board. The 2024
    timetable change on the 240 route and the new text alerts both came from complaints.

standards:
  macro:
    - Transport Act 1985 (registration of local bus services)
    - Public Service Vehicles Accessibility Regulations 2000
    - Equality Act 2010
    - Consumer Rights Act 2015
    - Bus Services Improvement Partnership punctuality standard for the region
  micro:
    - Drivers wait at a stop until seated passengers who need it are seated
    - Phone calls to the contact centre answered within 60 seconds
    - Every bus cleaned inside before its first journey of the day
    - Ramps checked at the start of every shift
  how_set: >-
    The macro standards come from the law and from the regional partnership agreement.
    The micro standards were drafted by the depot customer champions from complaint
    themes and agreed with the drivers' union; the contact times were set after
    comparing the benchmarking partner's published charter.
  commitments:
    - channel: phone
      label: Contact centre complaints
      measure: resolution
      target_hours: 72
      target_pct: 90
    - channel: email
      label: E-mail enquiries
      measure: response
      target_hours: 24
      target_pct: 90
    - channel: webform
      label: Web form feedback
      measure: response
      target_hours: 48
      target_pct: 85

data_collection:
  synthetic: true
  survey: >-
    A short on-board and online questionnaire in the first half of 2024 with the 22
    SERVQUAL statements, importance points, satisfaction, likelihood to recommend and
    effort.
  contacts: >-
    The contact centre's case system logs every call, e-mail and web form with its
    received, first-response and resolution times.
  comments: >-
    Comments came from comment cards on the buses, letters, e-mails and the web form.
"""

BENCHMARK = [
    ("punctuality_pct", "Buses departing on time", 84.2, 88.9, "%", "true", "2023/24", "Regional transport partnership (synthetic)"),
    ("overall_satisfaction_pct", "Passengers satisfied with the journey", 81.0, 86.0, "%", "true", "2023", "Passenger survey (synthetic)"),
    ("complaints_per_100k", "Complaints per 100,000 journeys", 9.4, 7.1, "per 100k journeys", "false", "2023/24", "Operators' annual reports (synthetic)"),
    ("electric_fleet_pct", "Battery-electric share of fleet", 34.0, 0.0, "%", "true", "2024", "Operators' fleet lists (synthetic)"),
    ("day_ticket_gbp", "Adult day ticket", 5.20, 5.80, "GBP", "false", "2024", "Operators' fare tables (synthetic)"),
]


def _human_code(text: str, k: int) -> str:
    import yaml

    themes = yaml.safe_load(CODEBOOK)["themes"]
    found = [key for key, t in themes.items() if any(w.lower() in text.lower() for w in t["keywords"])]
    if k % 7 == 3 and found:  # the coder missed one theme
        found = found[1:]
    if k % 11 == 5:  # ... or saw one the keywords do not catch
        found.append("punctuality" if "punctuality" not in found else "vehicles")
    return ";".join(found) if found else "none"


def other_org(folder: Path, seed: int = 42) -> None:
    """Write the Clyde Valley Buses case into *folder* (files overwritten)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(CASE_YAML, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "references.yaml").write_text(REFERENCES, encoding="utf-8")
    _write_csv(folder / "survey.csv", *_survey(rng, 300, full=True))
    _write_csv(folder / "contacts.csv", *_contacts(rng, 300, full=True))
    sources = ["comment_card", "letter", "email", "online"]
    rows = []
    start = dt.date(2024, 1, 10)
    for k, (kind, text) in enumerate(COMMENTS):
        # The first 30 comments were also coded by hand, for Cohen's kappa: the "human"
        # here is the keyword rule with a few deliberate disagreements.
        code = _human_code(text, k) if k < 30 else ""
        rows.append([f"CVB-K{k + 1:03d}", (start + dt.timedelta(days=3 * k)).isoformat(),
                     sources[k % len(sources)], kind, text, code])
    _write_csv(folder / "comments.csv", ["comment_id", "date", "source", "kind", "text", "code"], rows)
    bench = []
    for metric, label, ours, theirs, unit, hib, period, source in BENCHMARK:
        bench.append([metric, label, "Clyde Valley Buses", ours, unit, hib, period, source])
        bench.append([metric, label, "Forth and Tay Coaches", theirs, unit, hib, period, source])
    _write_csv(folder / "benchmark.csv",
               ["metric", "label", "organisation", "value", "unit", "higher_is_better", "period", "source"], bench)


REQUIRED_CASE_YAML = """\
# Only the required files and keys: every optional part of the report says it is missing.
report:
  title: Customer Care Strategy of Harbour Water
  course: Creating a Culture of Customer Care
  unit_code: DJ4234
  outcome: 3
organisation:
  name: Harbour Water
strategies:
  - name: Priority services register
    description: Extra help for customers who depend on a water supply for health reasons.
    benefit: Vulnerable customers are contacted first when supply is interrupted.
standards:
  macro: [Water Industry Act 1991]
  micro: [Call back within one working day]
  commitments:
    - channel: phone
      label: Telephone enquiries
      measure: response
      target_hours: 8
"""


def required_only(folder: Path, seed: int = 7) -> None:
    """Write the Harbour Water case: required files and columns only."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(REQUIRED_CASE_YAML, encoding="utf-8")
    _write_csv(folder / "survey.csv", *_survey(rng, 40, full=False))
    header, rows = _contacts(rng, 40, full=False)
    rows = [[r[0], "phone", *r[2:]] for r in rows]
    _write_csv(folder / "contacts.csv", header, rows)


if __name__ == "__main__":
    other_org(HERE / "other_org")
    required_only(HERE / "required_only")
