"""The benchmark's reading of wrk (bench/load.py): what counts as an error."""

from bench.load import _wrk_figures, count_errors

LINE = (
    "Running 10s test @ http://127.0.0.1:1/\n"
    "WRK-RESULT requests=5000 duration_us=10000000 bytes={bytes} connect=0 read=0 write=0 "
    "status={status} timeout=0 p50_us=50000 p95_us=80000 p99_us=95000 max_us=120000\n"
)


def figures(*, bytes_each=9600, status=0, requests=5000):
    text = LINE.format(bytes=bytes_each * requests, status=status).replace(
        "requests=5000", f"requests={requests}"
    )
    return _wrk_figures(text)


def test_the_line_wrk_prints_is_read():
    read = figures()

    assert read["requests"] == 5000
    assert read["p95_us"] == 80000
    assert read["bytes"] == 9600 * 5000


def test_answers_of_the_checked_page_are_no_errors():
    assert count_errors(figures(), checked_bytes=9400, still_ok=True) == 0


def test_a_page_turned_into_a_redirect_makes_every_request_an_error():
    redirects = figures(bytes_each=350)

    assert count_errors(redirects, checked_bytes=9400, still_ok=True) == 5000


def test_non_2xx_answers_and_a_failed_check_afterwards_count():
    assert count_errors(figures(status=7), checked_bytes=9400, still_ok=True) == 7
    assert count_errors(figures(), checked_bytes=9400, still_ok=False) == 1


def test_nothing_answered_is_an_error():
    assert count_errors(figures(requests=0), checked_bytes=9400, still_ok=True) == 1
