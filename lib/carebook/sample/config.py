"""The sample case's ``case.yaml``: cover, organisation, strategy and standards.

The facts come from the student report the sample is built from (an HND DJ4234
Outcome 3 report on China Mobile, 2014) and from carebook's domain brief; the wording is
carebook's own. The file is hand-formatted YAML with comments because students open it,
read it and replace its content with their own organisation's.

The first line is a marker: :func:`carebook.sample.write_sample` only writes into a
non-empty folder without ``overwrite=True`` when that folder holds a previous sample,
recognised by this line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["MARKER", "case_yaml", "write_case_yaml"]

#: First line of every generated case.yaml (how a previous sample folder is recognised).
MARKER = "# carebook sample case: China Mobile, benchmarked against China Unicom."

_BODY = """\
#
# The blocks below describe China Mobile from published facts and from the 2014 student
# report this case is based on, in carebook's own words. The survey, contact and comment
# files next to this one are SYNTHETIC: they were generated to look like China Mobile's
# data (see data_collection at the end), and the report says so.

report:
  title: Customer Care Strategy of China Mobile
  course: Creating a Culture of Customer Care
  unit_code: DJ4234
  outcome: 3
  # Fill in your own details for the cover page.
  candidate_name: ""
  grade_and_class: ""
  student_id: ""
  submission_date: 2014-11-21
  word_limit: 3000

organisation:
  name: China Mobile
  sector: Mobile telecommunications
  country: China
  founded: 2000-04-20
  timezone: Asia/Shanghai          # naive times in contacts.csv are China Standard Time
  customers_millions: 767.21       # mobile customers, December 2013 (Reuters, 20 Jan 2014)
  profile: >-
    China Mobile Communications Corporation was founded on 20 April 2000 and is a
    state-owned operator that concentrates on mobile services alone. With 767 million
    customers at the end of 2013 it was the largest mobile operator in China and in the
    world. It had appeared on the Fortune Global 500 for nine years in a row (99th in the
    latest list the report cites) and was a partner of the Beijing 2008 Olympic Games,
    Expo 2010 in Shanghai and the 2010 Asian Games in Guangzhou. Its customers reach it
    through the 10086 hotline, its service halls, its website and its online service hall.

benchmark:
  competitor: China Unicom
  profile: >-
    China United Network Communications Group (China Unicom) took its present form in
    January 2009, when the former China Unicom and China Netcom were merged with State
    Council approval into one large state-owned telecom group. It was expanding its mobile
    network and fixed broadband at the same time, with mobile broadband at the centre of
    its plans, and described itself as market-led and customer-centred. Its customer
    hotline is 10010; it had 281 million mobile customers at the end of 2013.
  selection: >-
    Two large operators compete for China's mobile customers, and China Unicom is China
    Mobile's most direct rival. China Mobile chose it as its benchmark through its own
    customer surveys: a competitive benchmark, comparing like-for-like services that
    customers can switch between.

# Section 2: the customer care strategies and what each brings.
strategies:
  - name: Value-chain partnerships
    description: >-
      Build stable, long-term cooperation with suppliers and partners up and down the
      value chain, using the group's scale, because competition between firms is
      increasingly competition between value chains.
    benefit: Lower costs, which can be passed on to customers as better value.
  - name: Total customer satisfaction (TCS) plan
    description: >-
      Carry service through every stage of the customer's purchase: before the sale,
      during it and after it, so that every employee acts on the whole product the
      customer receives, not only the part they sell.
    benefit: A consistent experience that raises satisfaction and loyalty.
  - name: Satisfied, empowered staff
    description: >-
      Strengthen internal management so that staff find satisfaction in their work and
      act on their own initiative in the customer's interest.
    benefit: >-
      Customer needs are noticed earlier and met faster, and the company responds more
      quickly to the market and to new services.
  - name: Market segmentation
    description: >-
      As competition takes market share away, segment the market and decide which
      customers to win and keep and which to let go, then focus service on the target
      groups.
    benefit: Better service and higher satisfaction for the customers who matter most.
  - name: Customer retention ("stay on the network") plan
    description: >-
      Treat existing customers as the company's greatest asset and encourage them to use
      more of China Mobile's services.
    benefit: Higher revenue and minutes of use per customer (ARPU and MOU).
  - name: Value-added service plan
    description: >-
      Offer personalised extras such as birthday greetings and customer clubs.
    benefit: More perceived value for customers and additional profit for the company.
  - name: Customer points plan
    description: >-
      Reward continued use with loyalty points that customers lose if they leave.
    benefit: >-
      Higher switching costs protect the customer base and market share against
      competitors' offers.
  - name: Timely pricing
    description: >-
      Adjust tariffs in good time to the market's split between high-end and low-end
      customers.
    benefit: More value for money for customers while keeping the business profitable.

# Section 2.2: how the strategy was developed.
strategy_development:
  internal_structure: >-
    When operators run similar networks and sell similar products, they compete mainly
    on service. A mobile customer's relationship lasts for years and covers far more than
    using the phone: promotion, signing up, changing a package and leaving all shape the
    experience. China Mobile therefore organises service around the customer's whole
    life cycle, linking the product life cycle with the customer-experience life cycle,
    and judges its service level from the customer's point of view across that cycle.
  measures_and_policy: >-
    Its service principle is to put the customer at the centre and to keep offering
    better, more considerate and more convenient services. Its service tenet combines
    honesty, professional service, careful management and stable operation, and staff
    are trained to renew their service thinking so that service quality keeps rising.
  feedback_changes: >-
    Customers give feedback mainly by telephone (the 10086 hotline, where suggestions and
    problems are registered) and over the internet (the online service hall, the online
    FAQ and e-mail). Each channel carries a reply commitment, and what customers report
    is used to change services and policies; a 50,000-respondent customer survey checks
    the results.

# Section 3: standards.
standards:
  # Macro standards: the laws and regulations China Mobile's service must comply with.
  macro:
    - Telecommunications Regulations of the People's Republic of China
    - Measures for the security protection and administration of international networking of computer information networks
    - Measures for the administration of Internet information services
    - Measures for the administration of the connection of telecommunications equipment to the network
    - Postal Law of the People's Republic of China
    - Law of the People's Republic of China on the Protection of Consumer Rights and Interests
    - Contract Law of the People's Republic of China
  # Micro standards: total quality management (TQM) principles applied team by team.
  micro:
    - Staff development and training that support a commitment to quality
    - A clear picture of current levels of quality
    - Shared ownership of problems
    - Shared commitment
    - Shared responsibility
    - Performance management and rewards
  how_set: >-
    The group sets its customer service standards from the Telecommunications Regulations,
    consumer protection, contract and civil law, and the telecom service specifications of
    the Ministry of Industry and Information Technology. The group standard is the minimum
    for every provincial company: a province may set higher standards to suit its
    customers, never lower ones. Headquarters supervises how the standards are applied
    across the network, and the standard replaced the earlier brand customer service
    standards (version 1.0, 2004). Benchmarking against China Unicom shows where the
    standards need to be raised.
  # The measurable service commitments, checked against contacts.csv.
  # The 24 h / 24 h / 48 h times are those the 2014 report gives; they fit China Mobile's
  # published 48-hour complaint reply, but they are not confirmed official standards,
  # and the target_pct shares are ILLUSTRATIVE values chosen for this sample.
  commitments:
    - channel: hotline
      label: 10086 hotline
      measure: resolution
      target_hours: 24
      target_pct: 95
    - channel: online
      label: Online FAQ
      measure: response
      target_hours: 24
      target_pct: 90
    - channel: email
      label: E-mail feedback
      measure: response
      target_hours: 48
      target_pct: 90

# Section 4: how the data were collected. synthetic: true makes the report say plainly
# that the survey, contact and comment data are generated, not China Mobile's own.
data_collection:
  synthetic: true
  survey: >-
    China Mobile surveyed about 50,000 customers; the survey here has the same size and
    asks the 22 SERVQUAL statements as expectation and perception (1-7), 100 importance
    points over the five dimensions, overall satisfaction (CSAT, 1-5), likelihood to
    recommend (NPS, 0-10) and customer effort (CES, 1-7 agreement that China Mobile made
    it easy to handle the issue, so higher is better).
  contacts: >-
    Every hotline call, online FAQ question and e-mail would be logged in the CRM system
    with the times it was received, first answered and resolved, and whether it was
    resolved at the first contact.
  comments: >-
    Comments come from comment cards in the service halls, letters of complaint or
    commendation, structured conversations with customers, telephone polling, e-mails and
    online forms, and are kept in the CRM system for coding by theme.
"""  # noqa: E501 - YAML text: regulation names stay on one line


def case_yaml(seed: int, sizes: Mapping[str, int]) -> str:
    """Return the text of the sample's ``case.yaml``.

    Parameters
    ----------
    seed : int
        The generator's seed, recorded in a comment.
    sizes : mapping of str to int
        ``respondents``, ``contacts`` and ``comments``, recorded in a comment.
    """
    how = (f"# Written by `carebook sample` (seed {seed}; {sizes['respondents']} respondents, "
           f"{sizes['contacts']} contacts, {sizes['comments']} comments).\n")
    return MARKER + "\n" + how + _BODY


def write_case_yaml(path: Path, seed: int, sizes: Mapping[str, int]) -> Path:
    """Write the sample's ``case.yaml`` to *path*."""
    path.write_text(case_yaml(seed, sizes), encoding="utf-8", newline="\n")
    return path
