"""Telling people: reminders before the due time, the summary of a published week on the
team's channels (e-mail, WeCom, DingTalk, Feishu, Slack), the week committed into a git
wiki; each delivery once, with retries, errors and a resend in the admin.

The reports app does not know this app: a publication is announced with the
``reports.signals.report_published`` signal once committed, and heard here."""
