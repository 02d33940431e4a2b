"""The wiring's event sources name real functions, tables and filters Lambda accepts."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from devserver.events.filters import validate
from devserver.lambda_runtime.loader import split_import_path
from resolvers.images.models import UPLOADS_PREFIX
from resolvers.store.tables import ALL_TABLES
from wiring import WiringError, load_wiring

ROOT = Path(__file__).parents[2]


def test_every_event_source_reads_a_real_table_with_a_valid_filter_and_handler() -> None:
    # GIVEN the wiring's event sources
    wiring = load_wiring(ROOT / "resolvers" / "wiring.toml")
    tables = {table.logical_name for table in ALL_TABLES}
    assert {source.function for source in wiring.event_sources} == {
        "search_indexer",
        "welcome_email",
        "thumbnails",
    }
    for source in (s for s in wiring.event_sources if s.kind == "dynamodb_stream"):
        # WHEN each is checked THEN its table exists, its filters are valid Lambda patterns,
        assert source.resource in tables
        for pattern in source.filters:
            validate(pattern)
        # AND its handler imports, and failures have somewhere to go after bounded retries
        module, attribute = split_import_path(wiring.functions[source.function].handler)
        assert callable(getattr(importlib.import_module(module), attribute))
        assert source.on_failure == "sqs"
        assert 0 <= source.maximum_retry_attempts <= 10
        assert source.bisect_batch_on_error


def test_uploads_reach_the_thumbnail_function_as_s3_sends_them() -> None:
    # GIVEN the wiring's S3 event source
    wiring = load_wiring(ROOT / "resolvers" / "wiring.toml")
    (source,) = [s for s in wiring.event_sources if s.kind == "s3"]
    # THEN new objects under the uploads prefix invoke the thumbnail function, one at a time,
    assert (source.resource, source.prefix, source.events) == (
        "photos",
        UPLOADS_PREFIX,
        ("s3:ObjectCreated:*",),
    )
    assert source.function == "thumbnails"
    assert source.batch_size == 1
    # AND Lambda's asynchronous retries end at the failure destination
    assert source.maximum_retry_attempts == 2
    assert source.on_failure == "sqs"
    module, attribute = split_import_path(wiring.functions[source.function].handler)
    assert callable(getattr(importlib.import_module(module), attribute))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('kind = "sqs"\ntable = "t"\nfunction = "f"', "kind must be one of"),
        ('kind = "s3"\nfunction = "f"', "missing or empty 'bucket'"),
        ('kind = "s3"\nbucket = "b"\nfunction = "f"\nbatch_size = 10', "S3 notifications have no"),
        ('kind = "s3"\nbucket = "b"\nfunction = "f"\nevents = ["PutObject"]', "S3 event types"),
        (
            'kind = "s3"\nbucket = "b"\nfunction = "f"\nmaximum_retry_attempts = 3',
            "maximum_retry_attempts must be 0..2",
        ),
        ('kind = "dynamodb_stream"\nfunction = "f"', "missing or empty 'table'"),
        ('kind = "dynamodb_stream"\ntable = "t"\nfunction = "nope"', "unknown function"),
        ('kind = "dynamodb_stream"\ntable = "t"\nfunction = "f"\nbatch_size = 0', "batch_size"),
        (
            'kind = "dynamodb_stream"\ntable = "t"\nfunction = "f"\nfilters = ["{oops"]',
            "not valid JSON",
        ),
        (
            'kind = "dynamodb_stream"\ntable = "t"\nfunction = "f"\non_failure = "sns"',
            "on_failure",
        ),
    ],
)
def test_a_malformed_event_source_is_refused_with_a_reason(
    tmp_path: Path, entry: str, message: str
) -> None:
    # GIVEN a wiring file with one bad event source
    path = tmp_path / "wiring.toml"
    path.write_text(f'[functions.f]\nhandler = "m.h"\n\n[[event_sources]]\n{entry}\n')
    # WHEN it is loaded THEN it is refused, naming the problem
    with pytest.raises(WiringError, match=message):
        load_wiring(path)
