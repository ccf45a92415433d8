"""A team's layout: its sections in order, and how a heading is recognised.

A layout section has a ``key`` (stable within the team: weeks refer to it), a kind
(``vocabulary.SectionKind``), the heading the team writes, its level and the other
spellings it accepts on import. The sample's layout is the built-in default
(``default_layout``). A heading of an imported file is matched against the team's layout
first, then against a vocabulary of common Chinese and English headings (``guess_kind``),
ignoring numbering (``I.``, ``1.``, ``一、``, ``A.``), brackets and trailing colons.
``learn_layout`` turns the headings that recur in a team's past reports into a layout.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from reports.document import wording as w
from reports.document.report import ReportDocument, Section
from reports.document.vocabulary import Language, SectionKind


@dataclass(frozen=True)
class LayoutSection:
    key: str
    kind: str
    heading: str
    level: int = 2
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.heading, *self.aliases)


@dataclass(frozen=True)
class Layout:
    sections: tuple[LayoutSection, ...] = ()
    # The sample's layout: the renderer writes its title, KPI groups and objectives.
    default: bool = False
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        index = {}
        for section in self.sections:
            for spelling in section.spellings():
                if normalize(spelling):
                    index.setdefault(normalize(spelling), section)
        object.__setattr__(self, "_index", index)

    def match(self, heading: str) -> LayoutSection | None:
        return self._index.get(normalize(heading)) if heading else None

    def by_key(self, key: str) -> LayoutSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def outline(self) -> list[Section]:
        """A week written in this layout from scratch: its sections, empty."""
        return [Section(s.kind, s.heading, s.level, s.key) for s in self.sections]


# The sample's sections (keys are fixed: the report's typed fields are named after them).
DEFAULT_KEYS = ("last_week", "operations", "objectives", "other", "reflections", "next_week")
DEFAULT_KEYS += ("daily",)
FREE_KEYS = ("other", "reflections", "next_week", "daily")  # ReportDocument's text fields
# Sections whose content is the document's own fields (KPIs, objectives, the free texts);
# every other section holds its Markdown in ``Section.text``.
TYPED_KEYS = ("operations", "objectives", *FREE_KEYS)


@functools.cache
def default_layout(language: str = Language.ZH) -> Layout:
    words = w.wording(language)
    others = [w.wording(lang) for lang in Language.values() if lang != language]

    def aliases(name: str, *extra: str) -> tuple[str, ...]:
        return tuple(getattr(o, name) for o in others) + extra

    return Layout(
        (
            LayoutSection("last_week", SectionKind.GROUP, words.last_week, 1, aliases("last_week")),
            LayoutSection(
                "operations",
                SectionKind.KPIS,
                words.operations,
                2,
                aliases("operations", "系统运行数据"),
            ),
            LayoutSection("objectives", SectionKind.OBJECTIVES, "", 2),
            LayoutSection("other", SectionKind.TEXT, words.other, 2, aliases("other", "其他")),
            LayoutSection(
                "reflections", SectionKind.TEXT, words.reflections, 1, aliases("reflections")
            ),
            LayoutSection("next_week", SectionKind.PLAN, words.next_week, 1, aliases("next_week")),
            LayoutSection("daily", SectionKind.DAILY, words.daily, 1, aliases("daily")),
        ),
        default=True,
    )


def default_outline(language: str = Language.ZH) -> list[Section]:
    """The sections of a report written in the sample's layout."""
    return default_layout(language).outline()


def section_body(doc: ReportDocument, section: Section) -> str:
    """The Markdown a section holds of its own: the sample's free texts and the notes of
    its operations data are the document's fields, any other section's is its text."""
    if section.key in FREE_KEYS:
        return getattr(doc, section.key)
    if section.key == "operations":
        return doc.kpi_notes
    return section.text


def seen_headings(doc: ReportDocument) -> list[SeenHeading]:
    """The headings of a past report, as ``learn_layout`` counts them."""
    return [SeenHeading(s.heading, s.level, s.kind) for s in outline(doc) if s.level]


def outline(doc: ReportDocument) -> list[Section]:
    """The report's sections in order: as imported or stored, else the sample's. What
    the report states outside any section's text (KPIs, objectives, the free texts and
    daily notes of the sample's layout) always has its section: one the outline lacks is
    added where the sample has it, so nothing stated is left unwritten."""
    if not doc.sections:
        return default_outline(doc.language)
    sections = list(doc.sections)
    keys = {s.key for s in sections}
    kinds = {s.kind for s in sections}
    for section in default_outline(doc.language):
        if section.key in keys:
            continue
        if section.key == "operations":
            wanted = SectionKind.KPIS not in kinds and bool(
                doc.kpis or doc.incidents.counts or doc.incidents.note or doc.kpi_notes
            )
        elif section.key == "objectives":
            wanted = bool(doc.objectives)
        elif section.key == "daily":
            wanted = bool(doc.daily or doc.daily_notes)
        elif section.key in FREE_KEYS:
            wanted = bool(getattr(doc, section.key))
        else:
            wanted = False
        if wanted:
            sections.append(section)
    return sections


def arrange(sections: list[Section], layout: Layout) -> list[Section]:
    """A new week's sections in the team's layout: its sections in the layout's order and
    words (those last week had, with what was carried into them; the others empty), then
    last week's sections the layout does not name, in their order."""
    keyed = {s.key: s for s in sections if s.key}
    arranged = []
    for wanted in layout.sections:
        carried = keyed.pop(wanted.key, None)
        if carried is not None:
            arranged.append(
                Section(
                    wanted.kind,
                    wanted.heading or carried.heading,
                    wanted.level,
                    wanted.key,
                    carried.text,
                )
            )
        else:
            arranged.append(Section(wanted.kind, wanted.heading, wanted.level, wanted.key))
    # A section the layout no longer has goes, unless it carries text (nothing is lost).
    arranged += [s for s in sections if not s.key or (s.key in keyed and s.text)]
    return arranged


# ---------------------------------------------------------------------------------------
# Headings
# ---------------------------------------------------------------------------------------

_NUMBERING = re.compile(
    r"^(?:"
    r"(?:[IVXLC]{1,6}|[ivxlc]{1,6})[.、)）]"  # I. II、 iv)
    r"|\d{1,3}(?:\.\d{1,3})*[.、)）]?(?=\s)"  # 1. 2) 1.2 (followed by a space)
    r"|\d{1,3}[.、)）]"  # 1.本周工作 1、本周工作
    r"|[一二三四五六七八九十]{1,3}[、.．)）]"  # 一、 十二.
    r"|[（(][一二三四五六七八九十\d]{1,3}[)）]"  # （一） (2)
    r"|[A-Za-z][.、)）](?=\s|[^\x00-\x7f])"  # A. B、
    r"|第[一二三四五六七八九十\d]{1,3}[部章节]分?[、.:：\s]?"  # 第一部分
    r")\s*"
)
_WRAPPERS = re.compile(r"^[【\[（(「《<]\s*(.*?)\s*[】\]）)」》>]$")
_TRAILING = re.compile(r"[\s:：;；,，。.、-]+$")
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(.+)\1$")


def normalize(heading: str) -> str:
    """A heading as the matcher compares it: no numbering, brackets, emphasis, trailing
    colons or case, white space folded ("## 一、【本周工作】：" -> "本周工作")."""
    text = re.sub(r"\s+", " ", heading).strip()
    text = re.sub(r"<[^>]{1,40}>", "", text).strip()  # <font color=red>…</font>
    for _round in range(3):
        before = text
        m = _EMPHASIS.match(text)
        if m:
            text = m[2].strip()
        text = _NUMBERING.sub("", text, count=1).strip()
        text = _TRAILING.sub("", text)
        m = _WRAPPERS.match(text)
        if m:
            text = m[1]
        if text == before:
            break
    return text.casefold()


# Common headings, by kind. A heading is recognised when, normalised, it is one of the
# phrases, or holds one of the keywords and is short enough to be a section's name. Kinds
# are tried in this order: "下周工作" is a plan before it is work, "线上问题" an incident
# before it is a problem.
PHRASES: dict[str, tuple[str, ...]] = {
    SectionKind.PLAN: (
        "下周计划",
        "下周工作",
        "下周工作计划",
        "下周重点",
        "下周重点计划",
        "下周安排",
        "下周目标",
        "后续计划",
        "后续工作",
        "计划",
        "工作计划",
        "下阶段计划",
        "next week",
        "next week's plan",
        "next weeks plan",
        "plan",
        "plans",
        "plan for next week",
        "next steps",
        "upcoming",
        "coming up",
        "todo next week",
    ),
    SectionKind.EVENTS: (
        "事故",
        "故障",
        "线上问题",
        "线上故障",
        "线上事故",
        "生产事件",
        "稳定性",
        "稳定性事件",
        "生产稳定性",
        "值班",
        "incidents",
        "incident",
        "outages",
        "on-call",
        "oncall",
        "on call",
        "production incidents",
        "incident review",
    ),
    SectionKind.RISKS: (
        "风险",
        "风险与问题",
        "问题与风险",
        "风险与依赖",
        "遗留问题",
        "遗留问题与风险",
        "问题",
        "阻塞",
        "阻塞问题",
        "困难与问题",
        "需要协调",
        "需协调事项",
        "risks",
        "risk",
        "blockers",
        "risks and blockers",
        "risks & blockers",
        "issues",
        "issues and risks",
        "problems",
        "concerns",
        "challenges",
        "遇到的问题",
        "困难",
        "挑战",
    ),
    SectionKind.ACTIONS: (
        "待办",
        "待办事项",
        "待办与负责人",
        "行动项",
        "跟进事项",
        "action items",
        "actions",
        "action item",
        "todo",
        "todos",
        "to do",
        "follow-ups",
        "follow ups",
        "followups",
    ),
    SectionKind.KPIS: (
        "指标",
        "核心指标",
        "关键指标",
        "数据",
        "核心数据",
        "关键数据",
        "数据指标",
        "运行数据",
        "系统运行数据",
        "metrics",
        "slo",
        "slos",
        "sla",
        "slas",
        "slos and slas",
        "kpis",
        "kpi",
        "key metrics",
        "numbers",
        "by the numbers",
    ),
    SectionKind.PEOPLE: (
        "成员进展",
        "个人进展",
        "成员周报",
        "团队成员",
        "成员工作",
        "个人工作",
        "individual updates",
        "team updates",
        "per-person updates",
        "per person",
        "updates by person",
        "people",
    ),
    SectionKind.TABLE: ("缺陷统计", "bug统计", "缺陷", "bug stats", "bugs", "defects"),
    SectionKind.ITEMS: (
        "本周工作",
        "本周进展",
        "本周完成",
        "本周工作内容",
        "本周完成工作",
        "本周主要工作",
        "工作内容",
        "工作进展",
        "进展",
        "完成情况",
        "this week",
        "done",
        "completed",
        "accomplishments",
        "progress",
        "highlights",
        "done this week",
        "what we did",
        "work done",
    ),
}
KEYWORDS: dict[str, tuple[str, ...]] = {
    SectionKind.PLAN: ("下周", "后续计划", "next week", "next step", "计划"),
    SectionKind.EVENTS: ("事故", "故障", "线上问题", "稳定性", "incident", "outage", "on-call"),
    SectionKind.RISKS: ("风险", "阻塞", "问题", "困难", "risk", "blocker", "issue", "challenge"),
    SectionKind.ACTIONS: ("待办", "行动项", "action item", "todo", "follow-up", "follow up"),
    SectionKind.KPIS: ("指标", "metric", "kpi", "slo"),
    SectionKind.PEOPLE: ("成员", "组员", "分工", "个人", "individual"),
    SectionKind.TABLE: ("缺陷", "bug stat", "defect"),
    SectionKind.ITEMS: ("本周", "this week", "accomplishment"),
}
KEYWORD_LENGTH = 24  # longer headings are a topic, not a section's name
_PHRASE_KIND = {p: kind for kind, phrases in PHRASES.items() for p in phrases}


def guess_kind(heading: str) -> str | None:
    """The kind a common heading names, or None."""
    text = normalize(heading)
    if not text:
        return None
    if text in _PHRASE_KIND:
        return _PHRASE_KIND[text]
    if len(text) > KEYWORD_LENGTH:
        return None
    for kind, words in KEYWORDS.items():
        if any(word in text for word in words):
            return kind
    return None


# ---------------------------------------------------------------------------------------
# Learning a layout from past reports
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeenHeading:
    heading: str
    level: int
    kind: str


def learn_layout(
    reports: list[list[SeenHeading]], *, at_least: int = 2, known: Layout | None = None
) -> Layout:
    """The headings that recur in ``reports`` (each the headings of one past report, in
    order), as a layout: a heading seen in ``at_least`` reports (all of them when fewer)
    becomes a section, at its usual place, with its most common spelling and kind. A
    heading the ``known`` layout (or the sample's) has keeps its key and kind there."""
    needed = min(at_least, len(reports)) or 1
    seen: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    levels: dict[str, Counter[int]] = {}
    places: dict[str, list[float]] = {}
    for headings in reports:
        counted: set[str] = set()
        for place, h in enumerate(headings):
            name = normalize(h.heading)
            if not name:
                continue
            spellings.setdefault(name, Counter())[h.heading] += 1
            kinds.setdefault(name, Counter())[h.kind] += 1
            levels.setdefault(name, Counter())[h.level] += 1
            places.setdefault(name, []).append(place / max(1, len(headings)))
            if name not in counted:
                seen[name] += 1
                counted.add(name)
    recurring = [name for name, count in seen.items() if count >= needed]
    recurring.sort(key=lambda name: sum(places[name]) / len(places[name]))
    sections = []
    keys: set[str] = set()
    layouts = [known] if known is not None else []
    layouts += [default_layout(language) for language in Language.values()]
    for name in recurring:
        heading, _n = spellings[name].most_common(1)[0]
        kind = _kind_of(kinds[name])
        others = tuple(s for s in spellings[name] if s != heading)
        same = next((found for lay in layouts if (found := lay.match(heading))), None)
        if same is not None and same.key not in keys:
            key, kind = same.key, same.kind
        else:
            key = unique_key(kind, keys | set(DEFAULT_KEYS))
        keys.add(key)
        sections.append(
            LayoutSection(key, kind, heading, levels[name].most_common(1)[0][0], others)
        )
    return Layout(tuple(sections))


def _kind_of(kinds: Counter[str]) -> str:
    """The kind a heading was read as most often; a recognised kind over free text."""
    ranked = kinds.most_common()
    for kind, _count in ranked:
        if kind != SectionKind.TEXT:
            return kind
    return ranked[0][0]


def unique_key(kind: str, taken: set[str]) -> str:
    if kind not in taken:
        return kind
    n = 2
    while f"{kind}-{n}" in taken:
        n += 1
    return f"{kind}-{n}"
