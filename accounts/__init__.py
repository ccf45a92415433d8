"""Who the reader is: sign-in (Django's), sign-in limits and
lockout, the security log of sign-ins and refusals, and API tokens. Knows nothing of the
reports: the reports app raises ``audit.NotYours`` for another team's page."""
