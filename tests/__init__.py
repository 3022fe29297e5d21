"""The tests, in folders that mirror the packages: kernels/ (the host side of kernels), runtime/
(kernel_runtime, what runs inside a kernel), web/ (playground: the page, its websocket and
vocabulary, HTTP), sharing/, scratch/, config/, bench/, and browser/ (the page in Chromium).

Fixtures every folder uses are in conftest.py here, a folder's own in its conftest.py; helpers
that tests import are in modules: support.py (the repository's ROOT, a kernel session over the
channel layer) and communicator.py (the page's websocket in this process). No test module
imports from another."""
