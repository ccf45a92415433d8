"""User text made inert before it leaves the site: no mention, link or image forms from it.

A team name, a KPI name, unit or note, an incident note are the authors' words; the chat
tools, mail readers and the wiki would turn some of them into markup: Slack's
``<!channel>`` or ``<https://evil.example|点此>``, WeCom's ``<@userid>``, Feishu's
``<at user_id="all">``, Markdown's ``[x](http://…)`` and ``![](http://…)``, and the links
every client makes of a bare address. Two steps, kept apart:

- ``plain``, for every channel: one line (a line break typed into a one-line field must
  not start a heading or a list of its own), without control, bidirectional or zero-width
  characters (they hide text or reorder it on screen), and with what clients link
  defused: ``https://`` loses its ASCII colon, a dot between the labels of an address
  becomes a one-dot leader and ``@name`` a full-width at sign. It reads the same; no
  client links or notifies on it.
- then the channel's own escaping, of the characters that open its markup: Slack's
  ``&``, ``<``, ``>`` as HTML entities; for the Markdown of WeCom and DingTalk and the text
  of Feishu, which document no escape, the full-width forms of the brackets; for the
  wiki's CommonMark, a backslash before ASCII punctuation.

The links the product builds itself (to the report's page) are added by the callers,
after this, and stay links.
"""

from __future__ import annotations

import re

# C0 and C1 controls (line breaks and tabs included), the Unicode line and paragraph
# separators, bidirectional marks, embeddings, overrides and isolates (the "Trojan
# source" characters), and zero-width characters that could split a word the defusing
# below looks for.
_UNSEEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u200b-\u200d\u2060\ufeff]+"
)
_SPACES = re.compile(r"\s{2,}")
# "https://", "ftp://", "javascript://": a scheme before "//".
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
# The dot between two labels of an address ("evil.example", "www.x"): a letter or digit
# before it and a letter after (so "99.9" stays as it is).
_LABEL_DOT = re.compile(r"(?<=[^\W_])\.(?=[^\W\d_])")
# "@all", "@所有人", "@channel", "a@b.example": the at sign before a word.
_AT = re.compile(r"@(?=\w)")

FULLWIDTH_COLON = "\uff1a"
ONE_DOT_LEADER = "\u2024"
FULLWIDTH_AT = "\uff20"


def plain(text: str) -> str:
    """One line of the author's text that no client turns into a link or a mention."""
    text = _UNSEEN.sub(" ", str(text))
    text = _SPACES.sub(" ", text).strip()
    text = _SCHEME.sub(lambda m: m.group(1) + FULLWIDTH_COLON, text)
    text = _LABEL_DOT.sub(ONE_DOT_LEADER, text)
    return _AT.sub(FULLWIDTH_AT, text)


def slack(text: str) -> str:
    """For Slack's mrkdwn: "&", "<" and ">" are its control characters and are sent as
    HTML entities, as Slack's formatting reference asks ("Escaping text",
    api.slack.com/reference/surfaces/formatting#escaping); with them go ``<!channel>``,
    ``<!here>``, ``<@U123>`` and ``<url|text>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CHAT_MARKUP = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞"})


def chat_markdown(text: str) -> str:
    """For the Markdown of WeCom and DingTalk robots and the text of Feishu's.

    WeCom's markdown takes links ``[x](url)``, ``<font>`` and the mention ``<@userid>``;
    DingTalk's takes links and images ``![](url)``; Feishu's text message takes
    ``<at user_id="all">`` and ``[x](url)`` (each tool's robot message reference). None
    documents an escape, so the brackets that open these become their full-width forms,
    which every client shows as text.
    """
    return text.translate(_CHAT_MARKUP)


_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def wiki_markdown(text: str) -> str:
    """For a wiki page (GitLab and GitHub wikis render CommonMark): a backslash before
    every ASCII punctuation character, which CommonMark shows as the character itself
    (spec, "Backslash escapes"), so no link, image, HTML or emphasis starts in it."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)
