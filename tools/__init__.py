"""Development tools; never imported by the site."""
