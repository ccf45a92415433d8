"""Reading a number from Prometheus' HTTP API: one instant query at one moment.

The query must give a single value (a scalar, or a vector of one sample); anything else,
an error from Prometheus or no answer raises ``PrometheusError`` with what went wrong.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from decimal import Decimal, InvalidOperation

TIMEOUT_SECONDS = 20


class PrometheusError(Exception):
    pass


def instant_value(base_url: str, query: str, at: datetime) -> Decimal | None:
    """The query's value at ``at``; None when it has no data then (an empty vector)."""
    params = urllib.parse.urlencode({"query": query, "time": f"{at.timestamp():.3f}"})
    url = f"{base_url.rstrip('/')}/api/v1/query?{params}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise PrometheusError(f"HTTP {exc.code}: {_error_text(exc)}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise PrometheusError(f"Prometheus not reachable: {exc}") from exc
    if body.get("status") != "success":
        raise PrometheusError(body.get("error") or "the query failed")
    data = body["data"]
    if data["resultType"] == "scalar":
        return _decimal(data["result"][1])
    if data["resultType"] != "vector":
        raise PrometheusError(f"the query gives a {data['resultType']}, not one number")
    if not data["result"]:
        return None
    if len(data["result"]) > 1:
        raise PrometheusError(
            f"the query gives {len(data['result'])} series; aggregate it to one (e.g. sum or avg)"
        )
    return _decimal(data["result"][0]["value"][1])


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        return json.loads(exc.read()).get("error", "")
    except ValueError:
        return ""


# The values a KPI column holds: ten digits before the point, four after.
LIMIT = Decimal("1e10")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise PrometheusError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        return None  # NaN or Inf: no usable value this week
    if abs(value) >= LIMIT:
        raise PrometheusError(f"{text} is too large for a KPI value")
    # At most four decimals, as stored, without trailing zeros: 99.9500 is 99.95.
    value = value.quantize(Decimal("0.0001")).normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value
