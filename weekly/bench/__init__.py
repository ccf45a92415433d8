"""What `make bench` serves and measures with: settings that add the floor view, and
the load run (gunicorn on loopback, wrk as the load generator)."""
