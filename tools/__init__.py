"""The book's tools: scripts run as `python tools/NAME.py`, importable as `tools.NAME`
(the tests import them so, and pytest loads the comparison as `-p tools.nbcompare`)."""
