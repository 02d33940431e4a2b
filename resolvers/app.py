"""The Lambda handler: one AppSyncResolver, one router per domain, and the error boundary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from resolvers.comments.router import router as comments_router
from resolvers.errors import AppError, InternalError
from resolvers.images.router import router as images_router
from resolvers.observability import METRICS_NAMESPACE, logger, tracer
from resolvers.profiles.router import router as profiles_router
from resolvers.ratings.router import router as ratings_router
from resolvers.recipes.router import router as recipes_router
from resolvers.search.router import router as search_router

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = AppSyncResolver()
_ROUTERS = (
    profiles_router,
    recipes_router,
    comments_router,
    ratings_router,
    search_router,
    images_router,
)
for _router in _ROUTERS:
    app.include_router(_router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any] | list[dict[str, Any]], context: LambdaContext) -> Any:
    """Resolve one field (or one batch); only AppError messages ever reach clients.

    AppSync reports a raised exception's class name as the GraphQL errorType, so AppErrors
    propagate as they are, and anything else is logged here and replaced by InternalError:
    no stack trace, SQL or ARN leaves the function.
    """
    try:
        return app.resolve(event, context)
    except AppError:
        raise
    except Exception:  # noqa: BLE001 - this is the one boundary that must catch everything
        logger.exception("unhandled error while resolving", extra={"field": _field_of(event)})
        # Lambda counts every raised error; this counts only the ones that are our bugs.
        with single_metric(
            name="InternalErrors", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
        ):
            pass
        raise InternalError(context.aws_request_id) from None


def _field_of(event: dict[str, Any] | list[dict[str, Any]]) -> str:
    first = event[0] if isinstance(event, list) and event else event
    info = first.get("info", {}) if isinstance(first, dict) else {}
    return f"{info.get('parentTypeName')}.{info.get('fieldName')}"
