"""The front door: decoding what clients send, the HTTP server's limits, CORS and `x-amzn-*`."""

from devserver.http.cors import APPSYNC_EXPOSED_HEADERS, ERROR_TYPE_HEADER, AppSyncCors

__all__ = ["APPSYNC_EXPOSED_HEADERS", "ERROR_TYPE_HEADER", "AppSyncCors"]
