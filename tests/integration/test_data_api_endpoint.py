"""The local Data API endpoint, driven by the unchanged boto3 `rds-data` client."""

# ruff: noqa: S608 - table names are generated per test, never user input

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from devserver.backends.data_api import DataApiConfig, LocalDataApi
from devserver.backends.data_api.placeholders import rewrite
from devserver.backends.stack import CLUSTER_ARN, DB_NAME, SECRET_ARN


@pytest.fixture
def db(data_api_client):
    """Call ExecuteStatement with the stack's cluster, secret and database filled in."""

    def execute(sql: str, params: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        parameters = [_param(name, value) for name, value in (params or {}).items()]
        return data_api_client.execute_statement(
            resourceArn=CLUSTER_ARN,
            secretArn=SECRET_ARN,
            database=DB_NAME,
            sql=sql,
            parameters=parameters,
            **kwargs,
        )

    return execute


@pytest.fixture
def table(db):
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    db(f"DROP TABLE IF EXISTS {name}")


def _param(name: str, value: Any) -> dict[str, Any]:
    """Build a SqlParameter; a (value, hint) tuple adds a typeHint."""
    hint = None
    if isinstance(value, tuple):
        value, hint = value
    if value is None:
        field: dict[str, Any] = {"isNull": True}
    elif isinstance(value, bool):
        field = {"booleanValue": value}
    elif isinstance(value, int):
        field = {"longValue": value}
    elif isinstance(value, float):
        field = {"doubleValue": value}
    elif isinstance(value, bytes):
        field = {"blobValue": value}
    elif isinstance(value, dict):
        field = value
    else:
        field = {"stringValue": value}
    return {"name": name, "value": field, **({"typeHint": hint} if hint else {})}


def _tx_args(transaction_id: str) -> dict[str, str]:
    return {"resourceArn": CLUSTER_ARN, "secretArn": SECRET_ARN, "transactionId": transaction_id}


def _begin(client) -> str:
    return client.begin_transaction(
        resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, database=DB_NAME
    )["transactionId"]


# -- parameter kinds and values ------------------------------------------------------------------


def test_every_field_kind_round_trips(db, table):
    # GIVEN a table with one column per Field kind
    db(f"CREATE TABLE {table} (s text, l int8, d float8, b bool, bin bytea, n text)")

    # WHEN a row is written with every parameter kind and read back
    params = {"s": "héllo 🍲 'quoted'", "l": 2**62 + 1, "d": -1.25e-7, "b": True}
    db(
        f"INSERT INTO {table} VALUES (:s, :l, :d, :b, :bin, :n)",
        {**params, "bin": b"\x00\xffpot", "n": None},
    )
    records = db(f"SELECT * FROM {table}")["records"]

    # THEN each value comes back in the Field member the real service uses
    assert records == [
        [
            {"stringValue": "héllo 🍲 'quoted'"},
            {"longValue": 2**62 + 1},
            {"doubleValue": -1.25e-7},
            {"booleanValue": True},
            {"blobValue": b"\x00\xffpot"},
            {"isNull": True},
        ]
    ]


def test_type_hints_bind_typed_values(db, table):
    # GIVEN columns whose types need a typeHint to accept a string parameter
    db(
        f"CREATE TABLE {table} (id uuid, price numeric(30,9), at timestamp, "
        "at_tz timestamptz, day date, clock time, doc jsonb)"
    )
    row_id = str(uuid.uuid4())

    # WHEN strings are sent with the matching hints
    db(
        f"INSERT INTO {table} VALUES (:id, :price, :at, :at_tz, :day, :clock, :doc)",
        {
            "id": (row_id, "UUID"),
            "price": ("123456789012345678901.123456789", "DECIMAL"),
            "at": ("2024-02-29 23:59:59.123456", "TIMESTAMP"),
            "at_tz": ("2024-02-29 23:59:59.5", "TIMESTAMP"),
            "day": ("2024-02-29", "DATE"),
            "clock": ("07:08:09.25", "TIME"),
            "doc": ('{"tags": ["vegan"], "serves": 4}', "JSON"),
        },
    )
    records = db(f"SELECT * FROM {table} WHERE id = :id", {"id": (row_id, "UUID")})["records"]

    # THEN they are stored with full precision and come back as the service prints them
    assert records == [
        [
            {"stringValue": row_id},
            {"stringValue": "123456789012345678901.123456789"},
            {"stringValue": "2024-02-29 23:59:59.123456"},
            {"stringValue": "2024-02-29 23:59:59.5"},
            {"stringValue": "2024-02-29"},
            {"stringValue": "07:08:09.25"},
            {"stringValue": '{"tags": ["vegan"], "serves": 4}'},
        ]
    ]


def test_string_without_hint_is_varchar_like_on_aws(db, table, data_api_client):
    # GIVEN a uuid column
    db(f"CREATE TABLE {table} (id uuid)")

    # WHEN a uuid string is sent without typeHint
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException) as error:
        db(f"INSERT INTO {table} VALUES (:id)", {"id": str(uuid.uuid4())})

    # THEN PostgreSQL rejects varchar for uuid, as it does behind the real service
    assert "is of type uuid but expression is of type character varying" in str(error.value)
    assert "SQLState: 42804" in str(error.value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("2024-01-01T10:00:00Z", "TIMESTAMP"),
        ("2024-01-01", "TIMESTAMP"),
        ("01/02/2024", "DATE"),
        ("7:08", "TIME"),
    ],
)
def test_type_hint_formats_are_checked(db, data_api_client, value, hint):
    # GIVEN a date/time string that is not in the hint's documented format
    # WHEN it is sent
    with pytest.raises(data_api_client.exceptions.BadRequestException):
        db("SELECT :v AS v", {"v": (value, hint)})
    # THEN the call fails before reaching the database (asserted by the exception type)


def test_time_zone_values_are_returned_in_utc(db):
    # GIVEN values with a non-UTC offset
    # WHEN they are selected
    records = db(
        "SELECT '2024-06-01 12:00:00.25+02'::timestamptz, '15:30:00-08'::timetz, "
        "'2024-06-01 12:00:00'::timestamptz"
    )["records"]

    # THEN they are shifted to UTC and printed without an offset
    assert records == [
        [
            {"stringValue": "2024-06-01 10:00:00.25"},
            {"stringValue": "23:30:00"},
            {"stringValue": "2024-06-01 12:00:00"},
        ]
    ]


def test_arrays_in_results(db):
    # GIVEN one-dimensional arrays of each element family, with nulls
    # WHEN they are selected
    records = db(
        "SELECT ARRAY[1, NULL, 9007199254740993]::int8[], ARRAY[1.5, NULL]::float8[], "
        "ARRAY[true, false], ARRAY['a', NULL, 'b,\"c\"'], ARRAY[1.10]::numeric[], '{}'::int[]"
    )["records"]

    # THEN they come back as arrayValue with the matching member
    assert records == [
        [
            {"arrayValue": {"longValues": [1, None, 9007199254740993]}},
            {"arrayValue": {"doubleValues": [1.5, None]}},
            {"arrayValue": {"booleanValues": [True, False]}},
            {"arrayValue": {"stringValues": ["a", None, 'b,"c"']}},
            {"arrayValue": {"stringValues": ["1.10"]}},
            {"arrayValue": {"longValues": []}},
        ]
    ]


def test_multidimensional_arrays_are_unsupported(db, data_api_client):
    # GIVEN a two-dimensional array
    # WHEN it is selected
    with pytest.raises(data_api_client.exceptions.UnsupportedResultException):
        db("SELECT ARRAY[[1, 2], [3, 4]]")
    # THEN the service's UnsupportedResultException is raised


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_advisory_xact_lock(1)",  # void
        "SELECT 'int4'::regtype",
        "SELECT relkind FROM pg_class LIMIT 1",  # the internal "char"
        "SELECT ARRAY['int4'::regtype]",
        "SELECT ROW(1, 'a')",  # record
    ],
)
def test_result_types_the_service_refuses_are_refused(db, data_api_client, sql):
    # GIVEN a statement whose result column has a type the real Data API cannot return
    # WHEN it runs
    with pytest.raises(data_api_client.exceptions.UnsupportedResultException) as error:
        db(sql)
    # THEN the service's error names the type, as AWS's does
    assert "The result contains the unsupported data type" in str(error.value)


def test_a_void_call_can_hide_behind_a_plain_value(db):
    # GIVEN the advisory lock, which returns void, called from FROM
    # WHEN a plain value is selected instead
    records = db("SELECT 1 AS locked FROM pg_advisory_xact_lock(:key)", {"key": 7})["records"]
    # THEN the statement is accepted (and the lock was taken)
    assert records == [[{"longValue": 1}]]


def test_array_parameters_are_rejected(db, data_api_client):
    # GIVEN an arrayValue parameter, which the service documents as unsupported
    # WHEN it is sent
    with pytest.raises(data_api_client.exceptions.BadRequestException) as error:
        db("SELECT :ids", {"ids": {"arrayValue": {"longValues": [1, 2]}}})
    # THEN the call is rejected
    assert "Array parameters are not supported" in str(error.value)


# -- result shapes -------------------------------------------------------------------------------


def test_column_metadata_describes_columns_like_jdbc(db, table):
    # GIVEN a table with typical column types
    db(
        f"CREATE TABLE {table} (id serial PRIMARY KEY, title varchar(80) NOT NULL, "
        "price numeric(8,2), created timestamptz, tags text[], doc jsonb)"
    )

    # WHEN a query asks for metadata
    response = db(
        f"SELECT id, title, price, created, tags, doc, 1 + 1 AS two FROM {table}",
        includeResultMetadata=True,
    )

    # THEN each column carries name, label, JDBC type code, type name and nullability
    meta = {m["name"]: m for m in response["columnMetadata"]}
    assert [m["label"] for m in response["columnMetadata"]] == [
        "id",
        "title",
        "price",
        "created",
        "tags",
        "doc",
        "two",
    ]
    assert {k: (m["type"], m["typeName"]) for k, m in meta.items()} == {
        "id": (4, "serial"),
        "title": (12, "varchar"),
        "price": (2, "numeric"),
        "created": (93, "timestamptz"),
        "tags": (2003, "_text"),
        "doc": (1111, "jsonb"),
        "two": (4, "int4"),
    }
    assert meta["id"]["isAutoIncrement"] is True
    assert (meta["id"]["nullable"], meta["title"]["nullable"], meta["price"]["nullable"]) == (
        0,
        0,
        1,
    )
    assert (meta["title"]["precision"], meta["price"]["precision"], meta["price"]["scale"]) == (
        80,
        8,
        2,
    )
    assert meta["tags"]["arrayBaseColumnType"] == 12
    assert meta["id"]["tableName"] == table
    assert meta["two"]["tableName"] == ""


def test_format_records_as_json(db, table):
    # GIVEN a table with mixed types
    db(
        f"CREATE TABLE {table} (id int, price numeric(6,2), ok bool, note text, raw bytea, tags int[])"
    )
    db(f"INSERT INTO {table} VALUES (1, 9.50, true, NULL, '\\x0102', '{{3,4}}')")

    # WHEN the records are requested as JSON
    response = db(f"SELECT *, '{{\"a\": 1}}'::jsonb AS doc FROM {table}", formatRecordsAs="JSON")

    # THEN formattedRecords holds a JSON list of objects and records/metadata are absent
    assert "records" not in response
    assert "columnMetadata" not in response
    assert json.loads(response["formattedRecords"]) == [
        {
            "id": 1,
            "price": "9.50",
            "ok": True,
            "note": None,
            "raw": base64.b64encode(b"\x01\x02").decode(),
            "tags": [3, 4],
            "doc": '{"a": 1}',
        }
    ]


def test_result_set_options(db):
    # GIVEN a decimal and a long
    sql = "SELECT 12.5::numeric AS d, 7::numeric AS whole, 9007199254740993::int8 AS l"

    # WHEN decimals are asked as numbers and longs as strings
    response = db(
        sql,
        resultSetOptions={"decimalReturnType": "DOUBLE_OR_LONG", "longReturnType": "STRING"},
    )

    # THEN the representation follows the options
    assert response["records"] == [
        [{"doubleValue": 12.5}, {"longValue": 7}, {"stringValue": "9007199254740993"}]
    ]


def test_number_of_records_updated(db, table):
    # GIVEN an empty table
    db(f"CREATE TABLE {table} (n int)")

    # WHEN rows are inserted, updated, selected and deleted
    inserted = db(f"INSERT INTO {table} SELECT generate_series(1, 3)")
    updated = db(f"UPDATE {table} SET n = n + 1 WHERE n > :min", {"min": 1})
    selected = db(f"SELECT * FROM {table}")
    deleted = db(f"DELETE FROM {table}")

    # THEN numberOfRecordsUpdated counts changed rows only
    assert [r["numberOfRecordsUpdated"] for r in (inserted, updated, selected, deleted)] == [
        3,
        2,
        0,
        3,
    ]
    assert inserted["generatedFields"] == []


def test_returning_gives_records_and_count(db, table):
    # GIVEN a table with a generated id
    db(f"CREATE TABLE {table} (id serial, name text)")

    # WHEN a row is inserted with RETURNING
    response = db(f"INSERT INTO {table} (name) VALUES (:name) RETURNING id", {"name": "soup"})

    # THEN the generated id comes back as a record
    assert response["records"] == [[{"longValue": 1}]]
    assert response["numberOfRecordsUpdated"] == 1


def test_response_size_limit(db, data_api_client):
    # GIVEN a query that returns more than 1 MiB
    # WHEN it runs
    with pytest.raises(data_api_client.exceptions.BadRequestException) as error:
        db("SELECT repeat('x', 600000) FROM generate_series(1, 2)")

    # THEN the service's size-limit error is returned, while a smaller result still works
    assert "Database returned more than the allowed response size limit" in str(error.value)
    assert len(db("SELECT repeat('x', 600000)")["records"][0][0]["stringValue"]) == 600000


def test_session_settings_do_not_leak_between_calls(db):
    # GIVEN a call that changes a session setting on its pooled connection
    db("SET application_name = 'leaky'")

    # WHEN later calls read it
    names = {db("SHOW application_name")["records"][0][0]["stringValue"] for _ in range(5)}

    # THEN none of them sees the change
    assert "leaky" not in names


def test_request_size_limit(data_api_client, table, db):
    # GIVEN a batch whose request body is larger than the service's 4 MiB limit
    db(f"CREATE TABLE {table} (v text)")
    big = [[_param("v", "x" * 1024 * 1024)] for _ in range(5)]

    # WHEN it is sent
    with pytest.raises(data_api_client.exceptions.BadRequestException, match="Request size"):
        data_api_client.batch_execute_statement(
            resourceArn=CLUSTER_ARN,
            secretArn=SECRET_ARN,
            database=DB_NAME,
            sql=f"INSERT INTO {table} VALUES (:v)",
            parameterSets=big,
        )

    # THEN nothing ran
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]


def test_multiple_statements_run_only_without_parameters(db, data_api_client):
    # GIVEN two statements in one call
    # WHEN they run without parameters
    response = db("SELECT 1 AS a; SELECT 2 AS b")

    # THEN they run and the first result set is returned
    assert response["records"] == [[{"longValue": 1}]]
    # AND with parameters PostgreSQL refuses them
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException) as error:
        db("SELECT :a::int; SELECT 2", {"a": 1})
    assert "cannot insert multiple commands into a prepared statement" in str(error.value)


# -- batches ---------------------------------------------------------------------------------------


def test_batch_execute_runs_once_per_parameter_set(data_api_client, db, table):
    # GIVEN a table
    db(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")

    # WHEN three parameter sets are sent in one batch
    response = data_api_client.batch_execute_statement(
        resourceArn=CLUSTER_ARN,
        secretArn=SECRET_ARN,
        database=DB_NAME,
        sql=f"INSERT INTO {table} VALUES (:id, :name)",
        parameterSets=[[_param("id", i), _param("name", f"n{i}")] for i in range(3)],
    )

    # THEN each set ran once
    assert response["updateResults"] == [{"generatedFields": []}] * 3
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 3}]]


def test_failed_batch_writes_nothing(data_api_client, db, table):
    # GIVEN a table with one row
    db(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    db(f"INSERT INTO {table} VALUES (2)")

    # WHEN a batch's second set violates the primary key
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException):
        data_api_client.batch_execute_statement(
            resourceArn=CLUSTER_ARN,
            secretArn=SECRET_ARN,
            database=DB_NAME,
            sql=f"INSERT INTO {table} VALUES (:id)",
            parameterSets=[[_param("id", 1)], [_param("id", 2)], [_param("id", 3)]],
        )

    # THEN none of the batch's rows were kept
    assert db(f"SELECT id FROM {table}")["records"] == [[{"longValue": 2}]]


def test_batch_inside_a_transaction_follows_it(data_api_client, db, table):
    # GIVEN an open transaction
    db(f"CREATE TABLE {table} (id int)")
    tx = _begin(data_api_client)

    # WHEN a batch runs in it and the transaction rolls back
    data_api_client.batch_execute_statement(
        sql=f"INSERT INTO {table} VALUES (:id)",
        parameterSets=[[_param("id", 1)], [_param("id", 2)]],
        **_tx_args(tx),
    )
    inside = data_api_client.execute_statement(sql=f"SELECT count(*) FROM {table}", **_tx_args(tx))
    data_api_client.rollback_transaction(**_tx_args(tx))

    # THEN the batch's rows were visible inside it and are gone after the rollback
    assert inside["records"] == [[{"longValue": 2}]]
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]


# -- transactions ----------------------------------------------------------------------------------


def test_commit_makes_rows_visible(data_api_client, db, table):
    # GIVEN a transaction that inserted a row
    db(f"CREATE TABLE {table} (id int)")
    tx = _begin(data_api_client)
    data_api_client.execute_statement(sql=f"INSERT INTO {table} VALUES (1)", **_tx_args(tx))
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]

    # WHEN it commits
    status = data_api_client.commit_transaction(**_tx_args(tx))["transactionStatus"]

    # THEN the row is visible outside it
    assert status == "Transaction Committed"
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 1}]]


def test_rollback_discards_rows(data_api_client, db, table):
    # GIVEN a transaction that inserted a row
    db(f"CREATE TABLE {table} (id int)")
    tx = _begin(data_api_client)
    data_api_client.execute_statement(sql=f"INSERT INTO {table} VALUES (1)", **_tx_args(tx))

    # WHEN it rolls back
    status = data_api_client.rollback_transaction(**_tx_args(tx))["transactionStatus"]

    # THEN the row is gone and the id no longer works
    assert status == "Rollback Complete"
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]
    with pytest.raises(data_api_client.exceptions.BadRequestException, match="is not found"):
        data_api_client.commit_transaction(**_tx_args(tx))


def test_open_transactions_are_isolated(data_api_client, db, table):
    # GIVEN two open transactions, each with an uncommitted row
    db(f"CREATE TABLE {table} (owner text)")
    first, second = _begin(data_api_client), _begin(data_api_client)
    for tx, owner in ((first, "first"), (second, "second")):
        data_api_client.execute_statement(
            sql=f"INSERT INTO {table} VALUES (:o)", parameters=[_param("o", owner)], **_tx_args(tx)
        )

    # WHEN each reads the table
    seen = {
        owner: data_api_client.execute_statement(sql=f"SELECT owner FROM {table}", **_tx_args(tx))[
            "records"
        ]
        for tx, owner in ((first, "first"), (second, "second"))
    }

    # THEN each sees only its own row
    assert seen == {"first": [[{"stringValue": "first"}]], "second": [[{"stringValue": "second"}]]}
    data_api_client.commit_transaction(**_tx_args(first))
    data_api_client.rollback_transaction(**_tx_args(second))
    assert db(f"SELECT owner FROM {table}")["records"] == [[{"stringValue": "first"}]]


def test_twenty_threads_with_transactions_and_autocommit(data_api_client, db, table):
    # GIVEN a table and 20 workers, half using transactions, half autocommit
    db(f"CREATE TABLE {table} (worker int PRIMARY KEY)")

    def work(worker: int) -> int:
        if worker % 2:
            tx = _begin(data_api_client)
            data_api_client.execute_statement(
                sql=f"INSERT INTO {table} VALUES (:w)",
                parameters=[_param("w", worker)],
                **_tx_args(tx),
            )
            mine = data_api_client.execute_statement(
                sql=f"SELECT count(*) FROM {table} WHERE worker = :w",
                parameters=[_param("w", worker)],
                **_tx_args(tx),
            )["records"][0][0]["longValue"]
            data_api_client.commit_transaction(**_tx_args(tx))
            return mine
        db(f"INSERT INTO {table} VALUES (:w)", {"w": worker})
        return db(f"SELECT count(*) FROM {table} WHERE worker = :w", {"w": worker})["records"][0][
            0
        ]["longValue"]

    # WHEN they all run at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(work, range(20)))

    # THEN every worker saw its own row and all 20 rows were committed
    assert results == [1] * 20
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 20}]]


def test_unknown_transaction_id(data_api_client):
    # GIVEN a transaction id the endpoint never issued
    bogus = base64.b64encode(b"\x00" * 138).decode()

    # WHEN a statement uses it
    with pytest.raises(data_api_client.exceptions.BadRequestException) as error:
        data_api_client.execute_statement(sql="SELECT 1", **_tx_args(bogus))

    # THEN the service's "not found" error is returned
    assert str(error.value).endswith(f"Transaction {bogus} is not found")


def test_failed_statement_aborts_its_transaction(data_api_client, db, table):
    # GIVEN a transaction with an uncommitted row
    db(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    tx = _begin(data_api_client)
    data_api_client.execute_statement(sql=f"INSERT INTO {table} VALUES (1)", **_tx_args(tx))

    # WHEN a statement in it fails
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException):
        data_api_client.execute_statement(sql=f"INSERT INTO {table} VALUES (1)", **_tx_args(tx))

    # THEN the transaction is rolled back and gone
    with pytest.raises(data_api_client.exceptions.BadRequestException, match="is not found"):
        data_api_client.commit_transaction(**_tx_args(tx))
    assert db(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]


def test_a_transaction_runs_one_statement_at_a_time(data_api_client, local_backends):
    # GIVEN a transaction busy with a slow statement
    tx = _begin(data_api_client)
    slow = threading.Thread(
        target=data_api_client.execute_statement,
        kwargs={"sql": "SELECT pg_sleep(1)", **_tx_args(tx)},
    )
    slow.start()
    transaction = local_backends.data_api.service.transactions._open[tx]
    deadline = time.monotonic() + 5
    while not transaction.busy.locked() and time.monotonic() < deadline:
        time.sleep(0.01)

    # WHEN a second statement uses the same transaction meanwhile
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException) as error:
        data_api_client.execute_statement(sql="SELECT 1", **_tx_args(tx))

    # THEN it is refused, as the real service refuses it
    assert "Transaction is still running a query" in str(error.value)
    slow.join()
    data_api_client.rollback_transaction(**_tx_args(tx))


@contextmanager
def _endpoint(local_backends, **settings: Any) -> Iterator[tuple[LocalDataApi, Any]]:
    """A second endpoint on the same PostgreSQL, with its own settings, and a client for it."""
    config = DataApiConfig(
        postgres_uri=local_backends.postgres.server_uri,
        resource_arn=CLUSTER_ARN,
        secret_arn=SECRET_ARN,
        database=DB_NAME,
        **settings,
    )
    with LocalDataApi(config) as api:
        yield api, api.client()


def test_idle_transactions_are_rolled_back(local_backends):
    # GIVEN an endpoint whose transactions expire after 0.2 s idle, with an open transaction
    with _endpoint(local_backends, transaction_timeout=0.2) as (api, client):
        tx = _begin(client)

        # WHEN nothing uses it for a while
        time.sleep(0.6)

        # THEN it has been rolled back and its connection returned
        with pytest.raises(client.exceptions.BadRequestException, match="is not found"):
            client.execute_statement(sql="SELECT 1", **_tx_args(tx))
        assert len(api.service.transactions) == 0


# -- errors ----------------------------------------------------------------------------------------


def test_sql_error_carries_postgres_message(db, data_api_client):
    # GIVEN a query on a table that does not exist
    # WHEN it runs
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException) as error:
        db("SELECT * FROM no_such_table")

    # THEN PostgreSQL's message, position and SQLState come back as the real service formats them
    assert error.value.response["Error"]["Message"] == (
        'ERROR: relation "no_such_table" does not exist; Position: 15; SQLState: 42P01'
    )
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sql_errors_can_take_aurora_serverless_v1s_error_type(local_backends):
    # GIVEN an endpoint set to answer like an Aurora Serverless v1 cluster
    with _endpoint(local_backends, sql_error_type="BadRequestException") as (_, client):  # noqa: SIM117 - the inner block needs this client
        # WHEN a statement fails in PostgreSQL
        with pytest.raises(client.exceptions.BadRequestException) as error:
            client.execute_statement(
                resourceArn=CLUSTER_ARN,
                secretArn=SECRET_ARN,
                database=DB_NAME,
                sql="SELECT * FROM no_such_table",
            )

    # THEN the same message comes back under v1's error type
    assert error.value.response["Error"]["Message"] == (
        'ERROR: relation "no_such_table" does not exist; Position: 15; SQLState: 42P01'
    )


def test_unknown_sql_error_types_are_refused_at_start():
    with pytest.raises(ValueError, match="sql_error_type must be one of"):
        DataApiConfig("postgresql://", CLUSTER_ARN, SECRET_ARN, DB_NAME, sql_error_type="Oops")


def test_unique_violation(db, data_api_client, table):
    # GIVEN a row with a primary key
    db(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    db(f"INSERT INTO {table} VALUES (1)")

    # WHEN the same key is inserted again
    with pytest.raises(data_api_client.exceptions.DatabaseErrorException) as error:
        db(f"INSERT INTO {table} VALUES (:id)", {"id": 1})

    # THEN the message names the constraint and SQLState 23505, without the row's values
    message = error.value.response["Error"]["Message"]
    assert message == (
        f'ERROR: duplicate key value violates unique constraint "{table}_pkey"; SQLState: 23505'
    )


def test_missing_parameter(db, data_api_client):
    # GIVEN a placeholder with no matching parameter
    # WHEN the statement runs
    with pytest.raises(data_api_client.exceptions.BadRequestException) as error:
        db("SELECT :present, :absent", {"present": 1})
    # THEN it is a bad request naming the parameter
    assert "absent" in str(error.value)


@pytest.mark.parametrize(
    ("override", "error_code"),
    [
        (
            {"secretArn": "arn:aws:secretsmanager:us-east-1:000000000000:secret:other-XyZ"},
            "SecretsErrorException",
        ),
        (
            {"resourceArn": "arn:aws:rds:us-east-1:000000000000:cluster:other"},
            "HttpEndpointNotEnabledException",
        ),
        ({"database": "other"}, "DatabaseErrorException"),
    ],
)
def test_wrong_identifiers_are_rejected(data_api_client, override, error_code):
    # GIVEN a request naming another secret, cluster or database
    request = {
        "resourceArn": CLUSTER_ARN,
        "secretArn": SECRET_ARN,
        "database": DB_NAME,
        "sql": "SELECT 1",
    }

    # WHEN it is sent
    with pytest.raises(data_api_client.exceptions.ClientError) as error:
        data_api_client.execute_statement(**{**request, **override})

    # THEN the matching service error is raised
    assert error.value.response["Error"]["Code"] == error_code


def test_client_finds_endpoint_through_standard_variable(local_backends, monkeypatch):
    # GIVEN only the standard environment variables the app reads
    for key, value in local_backends.env.items():
        monkeypatch.setenv(key, value)

    # WHEN a client is built without an explicit endpoint
    client = boto3.session.Session().client("rds-data")
    response = client.execute_statement(
        resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, database=DB_NAME, sql="SELECT 'ok'"
    )

    # THEN it reaches the local endpoint
    assert response["records"] == [[{"stringValue": "ok"}]]


# -- placeholders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT :a::text AS v", "x"),
        ("SELECT ':notaparam' || :a AS v", ":notaparamx"),
        ("SELECT 'it''s :b' || :a AS v", "it's :bx"),
        ("SELECT E'\\' :b' || :a AS v", "' :bx"),
        ("SELECT $$ :b $$ || :a AS v", " :b x"),
        ("SELECT $tag$ :b $$ $tag$ || :a AS v", " :b $$ x"),
        ('SELECT :a AS ":b"', "x"),
        ("SELECT :a AS v -- :b\n", "x"),
        ("SELECT /* :b /* nested :c */ :d */ :a AS v", "x"),
        ("SELECT :a || :a || '50%' AS v", "xx50%"),
        ("SELECT (ARRAY['p','q'])[1:1]::text || :a AS v", "{p}x"),
    ],
)
def test_placeholders_outside_literals_only(db, sql, expected):
    # GIVEN SQL where `:name` also appears in literals, identifiers, comments and casts
    # WHEN it runs with only `a` bound
    records = db(sql, {"a": "x"})["records"]
    # THEN only the real placeholder was bound
    assert records == [[{"stringValue": expected}]]


@pytest.mark.parametrize(
    ("sql", "names"),
    [
        ("SELECT :a, :b_2, :a", ("a", "b_2", "a")),
        ("SELECT x::int, :a::jsonb", ("a",)),
        ("SELECT 'x''y:z', \"q:r\", $1", ()),
        ("SELECT $f$ :a $f$, $$:b$$, foo$bar, :c", ("c",)),
        ("SELECT 1 -- :a\n, :b /* :c */", ("b",)),
        ("SELECT a[1:2], f(x := 1), :é", ("é",)),
        ("SELECT e'\\\\', :a, E'\\'', :b", ("a", "b")),
        ("SELECT 'unterminated :a", ()),
    ],
)
def test_rewrite_finds_placeholder_names(sql, names):
    # GIVEN SQL text
    # WHEN it is rewritten
    rewritten = rewrite(sql)
    # THEN exactly the real placeholders are found, each replaced by %s
    assert rewritten.names == names
    assert rewritten.sql.count("%s") == len(names)


def test_rewrite_escapes_percent_signs():
    # GIVEN SQL with a literal percent sign
    # WHEN it is rewritten
    rewritten = rewrite("SELECT '100%' LIKE :p")
    # THEN psycopg will see a doubled percent sign, not a format directive
    assert rewritten.sql == "SELECT '100%%' LIKE %s"
