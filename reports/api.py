"""The REST API at /api/v1/: the same data and the same permissions as the pages.

Reports travel in the JSON layout of the export (docs/format.md): read it, send it back
to create or update a draft. A monitoring job posts a week's KPI values. A write to a
report that exists carries the version it was read at (If-Match; 428 without, 412 when
stale), so nothing is overwritten unseen. Authentication
is a per-user token (made on the "API token" page) or the browser's session; every object
goes through the permission helpers, so another team's URL is a 404 here too.
"""

from __future__ import annotations

from datetime import date

from django.core.validators import slug_re
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts import audit
from core import page_cache
from reports import rows, selectors, services
from reports.document import jsonformat, limits, rules
from reports.document.importer import ReportFormatError
from reports.document.jsonformat import JsonFormatError, document_from_json, render_json
from reports.document.sections import reconcile
from reports.document.summary import summarize
from reports.imports import read_markdown
from reports.models import RevisionAction
from reports.parsers import MarkdownParser, PlainTextParser, outline_rows, read_upload
from reports.permissions import (
    get_report_for_lead,
    get_report_for_user,
    get_team_for_lead,
    get_team_for_user,
    teams_for_user,
)


def _day(text: str) -> date:
    """The date of a report URL; a date no report can have (2023-02-30, 0001-01-01) is
    no report; so is one written otherwise than YYYY-MM-DD (one report, one address)."""
    day = rules.address_day(text)
    if day is None:
        raise NotFound("No such report")
    return day


def _slug(text: str) -> None:
    """A slug no team can have (``pay%00ments``) is no team, before any lookup by it."""
    if not slug_re.match(text):
        raise NotFound("No such team")


def _team(request, slug: str, **kwargs):
    return get_team_for_user(request.user, slug)


def _report(request, slug: str, report_date: str, **kwargs):
    return get_report_for_user(request.user, slug, _day(report_date))


def looked_up_first(find):
    """Another team's URL is a 404 whatever the method, as on the pages: a method the
    view does not take is refused (405), and OPTIONS describes the URL (DRF's metadata,
    which every view answers), only after the object was found."""

    def decorate(view):
        def http_method_not_allowed(self, request, *args, **kwargs):
            find(request, **kwargs)
            return APIView.http_method_not_allowed(self, request, *args, **kwargs)

        def options(self, request, *args, **kwargs):
            find(request, **kwargs)
            return APIView.options(self, request, *args, **kwargs)

        view.cls.http_method_not_allowed = http_method_not_allowed
        view.cls.options = options
        return view

    return decorate


def _abs(request, path: str) -> str:
    return request.build_absolute_uri(path)


class TeamSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    heading_language = serializers.CharField()
    url = serializers.URLField()
    reports = serializers.URLField()


class ReportSummarySerializer(serializers.Serializer):
    report_date = serializers.DateField()
    week_number = serializers.IntegerField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    url = serializers.URLField()


class ReportPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="All the team's reports")
    next = serializers.URLField(allow_null=True, help_text="The next (older) page")
    previous = serializers.URLField(allow_null=True, help_text="The previous (newer) page")
    results = ReportSummarySerializer(many=True)


class ReportPagination(PageNumberPagination):
    """A year of weeks per page (``?page=2`` for the year before); ``?page_size=`` up to
    ten years."""

    page_size = 52
    page_size_query_param = "page_size"
    max_page_size = 520


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False)


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string", "example": "99.90"}], "nullable": True}
)
class StatedDecimalField(serializers.Field):
    """A number as the sender wrote it: "99.90" keeps its two decimals."""

    default_error_messages = {"invalid": "must be a number, e.g. 99.90"}

    def to_internal_value(self, data):
        if data is None or data == "":
            return None
        try:
            value = jsonformat.parse_decimal(data)
        except ValueError:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return None if value is None else str(value)


class KpiValueSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    value = StatedDecimalField(allow_null=True)


class KpiValuesSerializer(serializers.Serializer):
    values = KpiValueSerializer(many=True, allow_empty=False)

    def validate_values(self, values):
        """A KPI once: two values of one KPI is a mistake, not "the last wins"."""
        seen = set()
        for value in values:
            if value["name"] in seen:
                raise serializers.ValidationError(
                    _("“%(name)s” is given twice.") % {"name": value["name"]}
                )
            seen.add(value["name"])
        return values


def exception_handler(exc, context):
    """DRF's handler, with every 400 in one shape (the first problem, and where it is),
    refusals in the security log as on the pages, and input nested too deep for the JSON
    parser a 400 rather than a server error."""
    request = context.get("request")
    if isinstance(exc, RecursionError):
        exc = ParseError("The JSON is nested too deeply.")
    if isinstance(exc, rules.Invalid):  # a door that did not check: still nothing saved
        exc = ParseError({"detail": exc.problem.message, "field": exc.problem.path})
    if isinstance(exc, services.NotesLocked):  # a note for a published week: nothing saved
        exc = ParseError({"detail": str(exc), "field": f"daily_notes[{exc.index}].day"})
    if request is not None:
        audit.refused(request, exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        path, message = _first_error(exc.detail)
        response.data = {"detail": message, "field": path} if path else {"detail": message}
    return response


def _first_error(detail, path: str = "") -> tuple[str, str]:
    if isinstance(detail, dict):
        if not detail:
            return path, "invalid"
        key, value = next(iter(detail.items()))
        if key in ("non_field_errors", "detail"):
            return _first_error(value, path)
        if isinstance(key, int) or str(key).isdigit():  # a row of a list
            return _first_error(value, f"{path}[{key}]")
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list):
        for n, value in enumerate(detail):
            if value:  # nested serializers list an empty dict for the rows that are fine
                inner = path if isinstance(value, str) else f"{path}[{n}]"
                return _first_error(value, inner)
        return path, "invalid"
    return path, str(detail)


def _team_data(request, team) -> dict:
    return {
        "slug": team.slug,
        "name": team.name,
        "heading_language": team.heading_language,
        "url": _abs(request, reverse("api:team_detail", args=[team.slug])),
        "reports": _abs(request, reverse("api:report_list", args=[team.slug])),
    }


def _report_url(request, report) -> str:
    return _abs(request, reverse("api:report_detail", args=[report.team.slug, report.report_date]))


def _document_response(request, report, code=status.HTTP_200_OK) -> Response:
    data = dict(
        page_cache.cached(
            "api-report",
            report.team_id,
            (report.pk, report.version),
            lambda: render_json(selectors.report_document(report)),
        )
    )
    data["version"] = report.version
    response = Response(data, status=code)
    response["ETag"] = f'"{report.version}"'
    response["Location"] = _report_url(request, report)
    return response


# A week in the JSON layout is tens of kilobytes; three times the sample is about 150 KB.
MAX_BODY_BYTES = 2_000_000


def _read_document(request, team, before=None):
    """The document sent; a metrics or incidents section in the team's words sent with new
    text states the week's KPIs and events (``sections.reconcile``)."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        raise _TooLarge
    tz = timezone.get_default_timezone()
    try:
        doc = document_from_json(request.data, team=team.slug, tz=tz)
    except JsonFormatError as exc:
        raise _Invalid(exc) from exc
    reconcile(doc, before, tz=tz)
    return doc


class _TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The document is larger than {MAX_BODY_BYTES} bytes."


def _expected_version(request) -> int | None:
    """The version an If-Match names; None without one. Any other If-Match (a weak or
    wildcard tag, a stale version) can only fail, as HTTP says, so it is -1."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tag = header.strip()
    if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    return -1


class _PreconditionRequired(exceptions.APIException):
    """A write to a report that exists, sent without the version it was read at: it
    could overwrite a save the sender never saw, so it is refused (RFC 6585)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        'This report exists: send the version you read in an If-Match header, e.g. If-Match: "3" '
        "(the ETag of its GET), so that a newer save is not overwritten."
    )
    default_code = "precondition_required"


def _required_version(request) -> int:
    """The If-Match of a write to an existing report; 428 without one."""
    expected = _expected_version(request)
    if expected is None:
        raise _PreconditionRequired
    return expected


_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The version the report was read at (its ETag), e.g. "3". Required to change '
    "a report that exists (428 without it); a newer save is then a 412 instead of being "
    "overwritten.",
)


class _Invalid(ParseError):
    def __init__(self, exc: JsonFormatError):
        super().__init__({"detail": exc.message, "field": exc.path})


@extend_schema(responses=TeamSerializer(many=True), summary="Teams the caller can read")
@api_view(["GET"])
def team_list(request):
    teams = teams_for_user(request.user).order_by("name")
    return Response([_team_data(request, t) for t in teams])


@extend_schema(responses={200: TeamSerializer, 404: ErrorSerializer})
@looked_up_first(_team)
@api_view(["GET"])
def team_detail(request, slug: str):
    return Response(_team_data(request, get_team_for_user(request.user, slug)))


@extend_schema(
    methods=["GET"],
    responses={200: ReportPageSerializer, 404: ErrorSerializer},
    parameters=[
        OpenApiParameter("page", int, description="Page number, from 1 (newest)"),
        OpenApiParameter("page_size", int, description="Reports per page (52; at most 520)"),
    ],
    summary="The team's reports, newest first, a page at a time",
    operation_id="teams_reports_list",
)
@extend_schema(
    methods=["POST"],
    request=OpenApiTypes.OBJECT,
    responses={
        201: OpenApiTypes.OBJECT,
        400: ErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
        409: ErrorSerializer,
        413: ErrorSerializer,
        415: ErrorSerializer,
    },
    summary="Start a draft from a document in the JSON export's layout (leads)",
)
@looked_up_first(_team)
@api_view(["GET", "POST"])
def report_list(request, slug: str):
    _slug(slug)
    if request.method == "POST":
        team = get_team_for_lead(request.user, slug)
        doc = _read_document(request, team)
        try:
            report = services.report_create(team=team, document=doc, author=request.user)
        except services.WeekTaken:
            return Response(
                {"detail": "This week already has a report; update it with PUT."},
                status=status.HTTP_409_CONFLICT,
            )
        return _document_response(request, report, status.HTTP_201_CREATED)
    return page_cache.kept_api_response(
        request, slug, lambda: _report_page(request, slug), query=("page", "page_size")
    )


def _report_page(request, slug: str) -> Response:
    team = get_team_for_user(request.user, slug)
    paginator = ReportPagination()
    page = paginator.paginate_queryset(selectors.team_reports(team), request)
    return paginator.get_paginated_response(
        [
            {
                "report_date": r.report_date,
                "week_number": r.week_number,
                "status": r.status,
                "version": r.version,
                "url": _report_url(request, r),
            }
            for r in page
        ]
    )


@extend_schema(
    methods=["GET"],
    responses={200: OpenApiTypes.OBJECT, 404: ErrorSerializer},
    summary="One week's report in the JSON export's layout, with its version",
)
@extend_schema(
    methods=["PUT"],
    request=OpenApiTypes.OBJECT,
    parameters=[_IF_MATCH],
    responses={
        200: OpenApiTypes.OBJECT,
        400: ErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
        409: ErrorSerializer,
        412: ErrorSerializer,
        413: ErrorSerializer,
        415: ErrorSerializer,
        428: ErrorSerializer,
    },
    summary="Replace a draft with a document in the JSON export's layout (leads)",
)
@looked_up_first(_report)
@api_view(["GET", "PUT"])
def report_detail(request, slug: str, report_date: str):
    _slug(slug)
    day = _day(report_date)
    if request.method == "PUT":
        report = get_report_for_lead(request.user, slug, day)
        expected = _required_version(request)
        doc = _read_document(request, report.team, before=selectors.report_document(report))
        if doc.report_date != report.report_date:
            raise _Invalid(JsonFormatError("report_date", "must be the date in the URL"))
        try:
            report = services.report_update(
                report=report,
                document=doc,
                author=request.user,
                expected_version=expected,
            )
        except services.ReportLocked:
            return Response(
                {"detail": "The report is published; reopen it to change it."},
                status=status.HTTP_409_CONFLICT,
            )
        except services.StaleReport:
            return Response(
                {"detail": "The report was saved since that version; read it again."},
                status=status.HTTP_412_PRECONDITION_FAILED,
            )
        return _document_response(request, report)
    return page_cache.kept_api_response(
        request,
        slug,
        lambda: _document_response(request, get_report_for_user(request.user, slug, day)),
    )


@extend_schema(
    request=KpiValuesSerializer,
    responses={
        200: OpenApiTypes.OBJECT,
        201: OpenApiTypes.OBJECT,
        400: ErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
        409: ErrorSerializer,
        412: ErrorSerializer,
        413: ErrorSerializer,
        415: ErrorSerializer,
        428: ErrorSerializer,
    },
    parameters=[_IF_MATCH],
    summary="Set a week's KPI values, e.g. from a monitoring job (leads); idempotent",
    description="A week with no report yet is started, with no If-Match (201); a week that "
    "has one needs the If-Match of its GET (428 without it, 412 if it was saved since).",
)
@looked_up_first(_team)
@api_view(["POST"])
def kpi_values(request, slug: str, report_date: str):
    day = _day(report_date)
    team = get_team_for_lead(request.user, slug)
    body = KpiValuesSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    values = {v["name"]: v["value"] for v in body.validated_data["values"]}
    existed = selectors.report_for_team(team, day) is not None
    expected = _required_version(request) if existed else _expected_version(request)
    try:
        report, changed = services.kpi_values_ingest(
            team=team,
            report_date=day,
            values=values,
            author=request.user,
            expected_version=services.NO_REPORT if expected is None else expected,
        )
    except services.UnknownKpi as exc:
        return Response(
            {"detail": f"Not a KPI of this team: {exc}", "field": "values"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    except services.ReportLocked:
        return Response(
            {"detail": "The week is published; reopen it to change it."},
            status=status.HTTP_409_CONFLICT,
        )
    except services.StaleReport:
        return Response(
            {"detail": _("The week was saved or started since you read it; read it again.")},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
    response = _document_response(request, report, code)
    response.data["changed"] = changed
    return response


@extend_schema(
    responses={
        200: inline_serializer(
            "Event",
            {
                "date": serializers.DateField(),
                "summary": serializers.CharField(),
                "detected_at": serializers.DateTimeField(allow_null=True),
                "recovered_at": serializers.DateTimeField(allow_null=True),
                "duration_minutes": serializers.IntegerField(allow_null=True),
                "kind": serializers.CharField(),
                "grade": serializers.CharField(),
            },
            many=True,
        ),
        404: ErrorSerializer,
    },
    summary="The week's production stability events",
)
@looked_up_first(_report)
@api_view(["GET"])
def report_events(request, slug: str, report_date: str):
    report = get_report_for_user(request.user, slug, _day(report_date))
    return Response(render_json(selectors.report_document(report))["events"])


# ---------------------------------------------------------------------------------------
# A week written in Markdown, in any layout: the import of the team page, by API
# ---------------------------------------------------------------------------------------

# A multipart body is its file and a few lines around it; a larger one is refused before
# it is parsed (a body of Markdown itself, past the file limit).
MULTIPART_SLACK = 64_000


def _allowed_year(day: date) -> None:
    problem = rules.year_problem(day)
    if problem:
        raise serializers.ValidationError(problem)


class ImportOptionsSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, validators=[_allowed_year])
    week = serializers.IntegerField(required=False, min_value=1, max_value=rules.MAX_WEEK_NUMBER)
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportedSectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    heading = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField(help_text="0: text before any heading")


class ImportedWeekSerializer(serializers.Serializer):
    report_date = serializers.DateField()
    week_number = serializers.IntegerField()
    url = serializers.URLField(help_text="The week's report (where a dry run would save it)")
    summary = serializers.CharField(help_text="What the import recognised, in one sentence")
    sections = ImportedSectionSerializer(many=True)


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    line = serializers.IntegerField(required=False, help_text="The file's line at fault")
    field = serializers.CharField(required=False)


class _FileTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _markdown_sent(request) -> tuple[bytes, str]:
    """The file a request sends, and its name ("" for a body): over the limit a 413,
    told before the body is parsed when its length says so; another type a 415."""
    length = _content_length(request)
    if length > limits.FILE_LIMIT + MULTIPART_SLACK:
        raise _FileTooLarge(limits.file_too_large(length))
    if isinstance(request.data, bytes):  # text/markdown or text/plain
        if len(request.data) > limits.FILE_LIMIT:
            raise _FileTooLarge(limits.file_too_large(max(length, len(request.data))))
        return request.data, ""
    upload = request.FILES.get("file")
    if upload is None:
        raise ParseError(
            {
                "detail": _(
                    "Send the Markdown as the body (Content-Type: text/markdown) or as the "
                    "“file” field of a multipart form."
                ),
                "field": "file",
            }
        )
    try:
        return read_upload(upload), upload.name
    except ReportFormatError as exc:  # the file is over the limit
        raise _FileTooLarge(exc.message) from exc


def _imported(request, team, doc) -> dict:
    return {
        "report_date": doc.report_date,
        "week_number": doc.week_number,
        "url": _abs(request, reverse("api:report_detail", args=[team.slug, doc.report_date])),
        "summary": summarize(doc).sentence(),
        "sections": outline_rows(doc),
    }


@extend_schema(
    request={
        "text/markdown": OpenApiTypes.BINARY,
        "text/plain": OpenApiTypes.BINARY,
        "multipart/form-data": inline_serializer("MarkdownFile", {"file": serializers.FileField()}),
    },
    parameters=[
        OpenApiParameter(
            "date",
            OpenApiTypes.DATE,
            description="The report date, for a file that names none or a wrong one",
        ),
        OpenApiParameter("week", int, description="The week number, for a file that names none"),
        OpenApiParameter("dry_run", bool, description="Read the file and save nothing (200)"),
    ],
    responses={
        200: ImportedWeekSerializer,
        201: ImportedWeekSerializer,
        400: ImportErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
        409: ErrorSerializer,
        413: ErrorSerializer,
        415: ErrorSerializer,
    },
    summary="Import a week written in Markdown, in any layout, as a draft (leads)",
    description="The file is read in the team's layout (then common headings), as on the "
    "team page and by import_report. A draft of the same week is replaced; a published week "
    "is a 409. A file the importer refuses is a 400 naming its line; nothing of it is saved.",
)
@looked_up_first(_team)
@api_view(["POST"])
@parser_classes([MarkdownParser, PlainTextParser, MultiPartParser])
def report_import(request, slug: str):
    _slug(slug)
    team = get_team_for_lead(request.user, slug)
    options = ImportOptionsSerializer(data=request.query_params)
    options.is_valid(raise_exception=True)
    given = options.validated_data
    data, file_name = _markdown_sent(request)
    try:
        doc = read_markdown(
            team, data, file_name=file_name, report_date=given.get("date"), week=given.get("week")
        )
    except ReportFormatError as exc:
        return Response(
            {"detail": exc.message, "line": exc.line}, status=status.HTTP_400_BAD_REQUEST
        )
    if given["dry_run"]:
        return Response(_imported(request, team, doc))
    rows.prerender(doc)  # before the save takes the week's row lock
    try:
        services.report_save_document(
            team=team, document=doc, author=request.user, action=RevisionAction.IMPORTED
        )
    except services.ReportLocked:
        return Response(
            {"detail": _("The week is published; reopen it to replace it.")},
            status=status.HTTP_409_CONFLICT,
        )
    response = Response(_imported(request, team, doc), status=status.HTTP_201_CREATED)
    response["Location"] = response.data["url"]
    return response
