"""Many weeks as one zip: a team's history downloaded at once, and bulk exports built by
a worker with their progress on a page. Reads the reports through ``reports.files``; the
reports app knows nothing of it."""
