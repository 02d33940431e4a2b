"""Result column types the real Data API refuses with `UnsupportedResultException`.

Aurora Serverless v2 and provisioned clusters answer only the types AWS lists as supported
(AuroraUserGuide data-api-operations.html, "RDS Data API supports following Aurora PostgreSQL
scalar types"; data-api.limitations.html). Refusals seen in the field:
- `regtype`: "The result contains the unsupported data type regtype"
  (ArsenyYankovsky/typeorm-aurora-data-api-driver#164, on Serverless v2);
- the internal one-byte `"char"` (pg_catalog columns such as `relkind`): "The result contains the
  unsupported data type "CHAR"" (anomalyco/kysely-data-api#38, migrations on Serverless v2);
- multidimensional arrays (the botocore rds-data model's UnsupportedResultException text;
  refused in values.py).
Pseudo-types (`void`, `record`, ...) are refused by inference, not observation: pgjdbc, which the
v2 Data API is built on, reports them as OTHER and AWS's list has none of them. `SELECT
pg_advisory_xact_lock(...)` returns `void`, so it fails here as it would on a first deploy;
`scripts/smoke` settles the question on a real cluster. Types outside AWS's list that applications
commonly read (timestamptz, interval, tsvector ...) stay allowed: refusing them on a guess would
fail code that works on AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devserver.backends.data_api.errors import UnsupportedResultException

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from devserver.backends.data_api.pgtypes import PgType

# The OID alias types; regtype is the one observed, the others share its representation.
_REFUSED_NAMES = frozenset(
    {
        "char",
        "regclass",
        "regcollation",
        "regconfig",
        "regdictionary",
        "regnamespace",
        "regoper",
        "regoperator",
        "regproc",
        "regprocedure",
        "regrole",
        "regtype",
    }
)
_PSEUDO = "p"  # pg_type.typtype of void, record, anyelement, cstring, trigger ...


def refused(pg_type: PgType, types: Mapping[int, PgType]) -> bool:
    """Whether the real service refuses a result column of this type (or arrays of it)."""
    element = types.get(pg_type.element) if pg_type.is_array else None
    checked = element or pg_type
    return checked.typtype == _PSEUDO or checked.name in _REFUSED_NAMES


def check_result_types(column_types: Iterable[int], types: Mapping[int, PgType]) -> None:
    """Raise the service's error for the first column whose type it cannot return."""
    for oid in column_types:
        pg_type = types.get(oid)
        if pg_type is not None and refused(pg_type, types):
            raise UnsupportedResultException(
                f"The result contains the unsupported data type {pg_type.name}."
            )
