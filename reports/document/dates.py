"""Where a report's date and week number are written, and how to read them.

Teams date their reports every way there is: ``2024-03-08``, ``2024/3/8``, ``2024.03.08``,
``2024年3月8日``, ``20240308``, ``03/08/2024`` (English), ``Mar 8, 2024``, a range
(``2024.03.04-2024.03.08``, ``01/27/2025 to 01/31/2025``: the report is dated on its last
day), a month and day with no year (``0817 周报``, ``3月8日``), in the title, in YAML front
matter or only in the file name. Week numbers come as ``第13周``, ``第十三周``, ``Week 12``
or ``Weekly Report 4``. Pure functions; the importer decides which source wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))

# One date, with or without its year. Named groups: y, m, d (and mon for a month name).
_FULL = [
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)",
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?",
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)",
    r"(?<!\d)(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})(?!\d)",
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})\b",
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})\.?,?\s+(?P<y>(?:19|20)\d{{2}})\b",
]
_PARTIAL = [
    r"(?<![\d.])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?",
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b",
    # Not a version ("v1.2"), a decimal or a part of a word.
    r"(?<![\w/.-])(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})(?![\w/.%-])",
    r"(?<!\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)",  # "0817 周报"
]
FULL_RES = [re.compile(p, re.IGNORECASE) for p in _FULL]
PARTIAL_RES = [re.compile(p, re.IGNORECASE) for p in _PARTIAL]

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
WEEK_RES = [
    re.compile(r"第\s*(?P<n>\d{1,4}|[零〇一二两三四五六七八九十百]{1,6})\s*周"),
    re.compile(r"\bweek\s*#?\s*(?P<n>\d{1,4})\b", re.IGNORECASE),
    re.compile(r"\bweekly\s+(?:report|update|status)\s*#?\s*(?P<n>\d{1,4})\b", re.IGNORECASE),
    re.compile(r"(?<![A-Za-z\d])W(?P<n>\d{1,2})(?![A-Za-z\d])"),
]


def chinese_number(text: str) -> int | None:
    """十三 -> 13, 二十 -> 20, 一百零五 -> 105; None for anything else."""
    if not text or any(ch not in CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + CN_DIGITS[ch] if current else CN_DIGITS[ch]
    return total + current


@dataclass(frozen=True)
class Found:
    """A date found in a text: ``year`` is None when the text gave only month and day."""

    year: int | None
    month: int
    day: int
    end: int  # where it ended in the text, to tell the last of a range
    start: int = 0

    def on(self, year: int) -> date | None:
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return None

    @property
    def date(self) -> date | None:
        return self.on(self.year) if self.year is not None else None


def _found(m: re.Match) -> Found | None:
    groups = m.groupdict()
    month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
    day = int(groups["d"])
    year = int(groups["y"]) if groups.get("y") else None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return Found(year, month, day, m.end(), m.start())


def dates_in(text: str) -> list[Found]:
    """Every date in ``text`` in order; month-days without a year only where no full date
    covers them. A range ``A - B`` gives both, B last."""
    found: list[tuple[int, Found]] = []
    taken: list[tuple[int, int]] = []
    for pattern in FULL_RES:
        for m in pattern.finditer(text):
            f = _found(m)
            if f is not None and f.date is not None:
                found.append((m.start(), f))
                taken.append((m.start(), m.end()))
    for pattern in PARTIAL_RES:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            f = _found(m)
            if f is not None:
                found.append((m.start(), f))
                taken.append((m.start(), m.end()))
    return [f for _start, f in sorted(found, key=lambda pair: pair[0])]


RANGE_RE = re.compile(r"^\s*(?:~|～|-|–|—|to|至|到)\s*$", re.IGNORECASE)


def report_date_in(text: str, *, year: int | None = None) -> date | None:
    """The date a text (a title, a file name) gives a report: the last date it names (the
    end of a range). A month-day takes the year of a full date beside it, else ``year``."""
    found = dates_in(text)
    if not found:
        return None
    full = [f for f in found if f.year is not None]
    if full:  # a month-day after a full date is a date only as the end of its range
        found = [
            f
            for f in found
            if f.year is not None
            or (f.start >= full[-1].end and RANGE_RE.match(text[full[-1].end : f.start]))
        ]
    last = found[-1]
    if last.year is not None:
        return last.date
    known = full[-1].year if full else year
    if known is None:
        return None
    candidate = last.on(known)
    if candidate is not None and full and candidate < full[-1].date:  # 12/29 - 1/2
        candidate = last.on(known + 1)
    return candidate


YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def year_in(text: str) -> int | None:
    """A year standing alone ("实习周报-2023-0817.md")."""
    m = YEAR_RE.search(text)
    return int(m.group(0)) if m else None


def has_partial_date(text: str) -> bool:
    return any(f.year is None for f in dates_in(text))


def week_in(text: str) -> int | None:
    for pattern in WEEK_RES:
        m = pattern.search(text)
        if m:
            n = m["n"]
            number = int(n) if n.isdigit() else chinese_number(n)
            if number and 1 <= number <= 9999:
                return number
    return None


FRONT_MATTER_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")


def front_matter_fields(lines: list[str]) -> dict[str, str]:
    """``key: value`` pairs of a YAML front matter block (the simple scalars; quotes off)."""
    fields: dict[str, str] = {}
    for line in lines:
        m = FRONT_MATTER_LINE.match(line)
        if m:
            value = m["value"].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            fields.setdefault(m["key"].lower(), value)
    return fields


# ---------------------------------------------------------------------------------------
# A title written again for another week
# ---------------------------------------------------------------------------------------

_MONTH_NAMES = {
    n: names
    for names, n in (
        (("Jan", "January"), 1),
        (("Feb", "February"), 2),
        (("Mar", "March"), 3),
        (("Apr", "April"), 4),
        (("May", "May"), 5),
        (("Jun", "June"), 6),
        (("Jul", "July"), 7),
        (("Aug", "August"), 8),
        (("Sep", "September"), 9),
        (("Oct", "October"), 10),
        (("Nov", "November"), 11),
        (("Dec", "December"), 12),
    )
}


def _number_like(value: int, padded: bool) -> str:
    return str(value).zfill(2) if padded else str(value)


def _month_like(old: str, month: int) -> str:
    short, full = _MONTH_NAMES[month]
    name = full if len(old.rstrip(".")) > 3 else short
    return name.upper() if old.isupper() else name.lower() if old.islower() else name


def shift_dates(text: str, days: int) -> str:
    """``text`` with every date in it moved by ``days``, each written as before
    ("周报（2024.03.04-2024.03.08）" a week on is "周报（2024.03.11-2024.03.15）")."""
    if not days:
        return text
    spans: list[tuple[int, int, str]] = []
    for pattern in FULL_RES + PARTIAL_RES:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _new in spans):
                continue
            f = _found(m)
            if f is None:
                continue
            year = f.year if f.year is not None else 2000  # a leap year, for 2/29
            start = f.on(year)
            if start is None:
                continue
            moved = date.fromordinal(start.toordinal() + days)
            pieces = []
            cursor = m.start()
            for name, value in (
                ("y", moved.year),
                ("m", moved.month),
                ("mon", moved.month),
                ("d", moved.day),
            ):
                if m.groupdict().get(name) is None:
                    continue
                pieces.append((m.start(name), m.end(name), name, value))
            # Zero-padded when the month or the day was ("03/08", "0817"), else not.
            padded = any((m.groupdict().get(k) or "").startswith("0") for k in ("m", "d"))
            out = ""
            for begin, end, name, value in sorted(pieces):
                old = m.group(name)
                out += text[cursor:begin]
                if name == "mon":
                    out += _month_like(old, value)
                elif name == "y":
                    out += str(value)
                else:
                    out += _number_like(value, padded)
                cursor = end
            out += text[cursor : m.end()]
            spans.append((m.start(), m.end(), out))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


CN_NUMERALS = "零一二三四五六七八九"


def to_chinese(number: int) -> str:
    """13 -> 十三, 20 -> 二十, 105 -> 一百零五 (to 999)."""
    if number < 10:
        return CN_NUMERALS[number]
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    out = f"{CN_NUMERALS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else CN_NUMERALS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += CN_NUMERALS[ones]
    return out


def shift_week(text: str, old: int, new: int) -> str:
    """``text`` with its week number ``old`` written as ``new``, in the same numerals."""
    for pattern in WEEK_RES:
        m = pattern.search(text)
        if not m:
            continue
        n = m["n"]
        number = int(n) if n.isdigit() else chinese_number(n)
        if number != old:
            continue
        value = str(new) if n.isdigit() else to_chinese(new)
        return text[: m.start("n")] + value + text[m.end("n") :]
    return text
