"""AppSync's HTTP front door details that are not GraphQL: CORS and the `x-amzn-*` headers."""

from devserver.http.cors import APPSYNC_EXPOSED_HEADERS, ERROR_TYPE_HEADER, AppSyncCors

__all__ = ["APPSYNC_EXPOSED_HEADERS", "ERROR_TYPE_HEADER", "AppSyncCors"]
