"""Our exposition-format reader agrees with prometheus_client's parser (the reference) and names bad lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from api.exposition import ExpositionError, parse_exposition

TRICKY = """# HELP http_requests_total The total.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
rpc_duration_seconds{quantile="0.5",} 4773
rpc_duration_seconds_count 2693
"""


def reference(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, dict(s.labels), float(s.value)) for f in text_string_to_metric_families(text) for s in f.samples]


def ours(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for s in parse_exposition(text)]


def test_the_format_documentation_example_reads_as_the_reference_reads_it() -> None:
    assert ours(TRICKY) == reference(TRICKY)
    timestamps = [s.timestamp_ms for s in parse_exposition(TRICKY)]
    assert timestamps[:2] == [1395066363000, 1395066363000] and timestamps[4] == -3982045


label_values = st.text(st.characters(codec="utf-8"), max_size=20)
# Names beginning with "__" are reserved by Prometheus: the reference parser refuses some of them.
label_names = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(lambda name: not name.startswith("__"))


@given(
    st.dictionaries(label_names, label_values, max_size=4),
    st.floats(allow_nan=False),
)
def test_any_labels_and_value_round_trip_like_the_reference(labels: dict[str, str], value: float) -> None:
    escaped = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + "n").replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels.items()
    )
    text = f"m{{{escaped}}} {value!r}\n" if labels else f"m {value!r}\n"
    assert ours(text) == reference(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ok 1\nbad line here\n", "line 2: not a sample line"),
        ('m{a="1" b="2"} 3\n', "line 1: cannot read the labels"),
        ("m twelve\n", "line 1: 'twelve' is not a number"),
        ('m{a="1",a="2"} 3\n', "appears twice"),
        ('m{a="unterminated} 3\n', "line 1"),
    ],
)
def test_bad_lines_are_named(text: str, words: str) -> None:
    with pytest.raises(ExpositionError, match=words):
        parse_exposition(text)
