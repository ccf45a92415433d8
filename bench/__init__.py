"""The benchmark (`make bench`, docs/performance.md): a big history built in the database
(``build``), server times of the big pages, a load run of gunicorn on loopback driven by
wrk (``load``), and the import and export commands timed. An app only under its own
settings (``bench.settings``); nothing else imports it (an import-linter contract)."""
