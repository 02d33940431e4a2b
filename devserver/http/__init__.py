"""The front door: the HTTP view, the server's limits, loopback checks, CORS and `x-amzn-*`."""

from devserver.http.cors import APPSYNC_EXPOSED_HEADERS, ERROR_TYPE_HEADER, AppSyncCors

__all__ = ["APPSYNC_EXPOSED_HEADERS", "ERROR_TYPE_HEADER", "AppSyncCors"]
