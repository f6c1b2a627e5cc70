"""The build server: ``carebook build`` run again without paying for a new process.

A build in a new process spends most of a rebuild starting things: a kernel and its
imports (pandas, matplotlib), Chromium, nbconvert's template, the validation of a case
that did not change. ``carebook watch`` keeps them in a
:class:`carebook.build.warm.WarmSession`; the build server keeps one for the builds a
student starts by hand, the way Gradle's daemon or Nx's daemon do:

- the first ``carebook build`` starts a server in the background and runs its build
  there; later builds with the same interpreter, carebook source, installed packages
  and environment send their command line to it and print what it sends back, exit
  code included (:mod:`carebook.server.client`);
- the server (:mod:`carebook.server.daemon`) runs one build at a time with the
  ordinary command line (:func:`carebook.cli.main`) and its warm session; a second
  build started meanwhile runs in its own process instead of waiting;
- it stops by itself after 15 minutes without a build, when carebook's source or the
  installed packages change, after a build that left it holding more than 1 GiB, and
  after a build that was interrupted (Ctrl+C in the terminal that started it);
- ``carebook server status`` lists the running servers, ``carebook server stop`` ends
  them;
- it is off when ``CAREBOOK_SERVER=0`` or ``--no-server`` is given, and by default on
  CI machines (``CI`` set), where every build is a first build.

Where the servers listen and whether one may be used: :mod:`carebook.server.address`.
The messages between a client and a server: :mod:`carebook.server.protocol`.
"""

from __future__ import annotations

__all__: list[str] = []
