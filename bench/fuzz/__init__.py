"""Fuzzing the inbound parsers and the partner file worker (docs/fuzz.md).

``mutations`` turns valid sample documents into broken ones (byte flips, deleted and
duplicated segments and elements, separators and line breaks inside values, very long
values, unicode, empty input); ``targets`` names every inbound parser with its seeds and the
one error it may raise; ``worker`` drops files into real partner inboxes on SQLite. The
hypothesis tests (``tests/integration/test_parser_fuzz.py``, ``test_worker_fuzz.py``) run a
few hundred cases of each; ``python -m bench.fuzz`` (``make fuzz``) runs 100,000 and more
and writes the report.
"""
