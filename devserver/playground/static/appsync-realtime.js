// AppSync's real-time protocol (sub-protocol `graphql-ws`) for the playground, as production
// AppSync clients speak it: credentials in the handshake's `header` parameter, then
// `connection_init` → `connection_ack`, one `start` per subscription with its own
// `extensions.authorization`, `data` events, `stop`. The object `createClient` returns has the
// `subscribe(payload, sink)` → dispose shape GraphiQL's `createFetcher({wsClient})` expects.
//
// `authorize(path, body)` resolves to the headers to send: the handshake's cover
// `/graphql/connect` with body `{}`, a start's cover `/graphql` with the `data` string as body
// (what an IAM signature signs). The `host` header is added when missing, as AppSync wants it.
(() => {
  "use strict";

  const CONNECT_PATH = "/graphql/connect";
  const START_PATH = "/graphql";

  const base64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

  function createClient({ url, authorize }) {
    const host = new URL(url).host;
    const withHost = (headers) => ({ host, ...headers });
    const operations = new Map(); // id → {sink, message (the start, once authorized)}
    let socket = null;
    let connecting = null;
    let ready = false;
    let nextId = 1;

    function failAll(error) {
      for (const { sink } of operations.values()) sink.error(error);
      operations.clear();
    }

    function send(message) {
      if (socket && ready) socket.send(JSON.stringify(message));
    }

    function describe(payload) {
      const errors = (payload && payload.errors) || [];
      return errors.map((e) => [e.errorType, e.message].filter(Boolean).join(": ")).join("; ");
    }

    async function connect() {
      const headers = withHost(await authorize(CONNECT_PATH, "{}"));
      const query = `header=${encodeURIComponent(base64(JSON.stringify(headers)))}&payload=e30=`;
      const opened = new WebSocket(`${url}?${query}`, ["graphql-ws"]);
      socket = opened;
      ready = false;
      opened.onopen = () => opened.send(JSON.stringify({ type: "connection_init" }));
      opened.onmessage = (event) => receive(JSON.parse(event.data));
      opened.onclose = (event) => {
        if (socket !== opened) return;
        socket = null;
        ready = false;
        failAll(new Error(`Socket closed with event ${event.code} ${event.reason || ""}`.trim()));
      };
    }

    function receive(message) {
      const operation = message.id ? operations.get(message.id) : undefined;
      switch (message.type) {
        case "connection_ack":
          ready = true;
          for (const { message: start } of operations.values()) if (start) send(start);
          break;
        case "connection_error":
          failAll(new Error(`connection_error: ${describe(message.payload)}`));
          break;
        case "data":
          if (operation) operation.sink.next(message.payload);
          break;
        case "error":
          // Shown as a result, the way GraphiQL shows an HTTP error answer.
          if (operation) {
            operations.delete(message.id);
            operation.sink.next(message.payload);
            operation.sink.complete();
          } else failAll(new Error(describe(message.payload) || "error"));
          break;
        case "complete":
          if (operation) {
            operations.delete(message.id);
            operation.sink.complete();
          }
          break;
        default: // start_ack, ka
          break;
      }
    }

    function subscribe(payload, sink) {
      const id = String(nextId++);
      const operation = { sink, message: null };
      operations.set(id, operation);
      (async () => {
        const data = JSON.stringify({
          query: payload.query,
          variables: payload.variables || {},
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
        });
        const authorization = withHost(await authorize(START_PATH, data));
        if (!operations.has(id)) return; // disposed meanwhile
        operation.message = { id, type: "start", payload: { data, extensions: { authorization } } };
        if (socket) send(operation.message); // before the ack, the ack sends it
        else await (connecting ||= connect().finally(() => (connecting = null)));
      })().catch((error) => {
        operations.delete(id);
        sink.error(error);
      });
      return () => {
        if (!operations.delete(id)) return;
        send({ id, type: "stop" });
        if (operations.size === 0) dispose();
      };
    }

    function dispose() {
      const closing = socket;
      socket = null;
      ready = false;
      const ended = [...operations.values()];
      operations.clear();
      for (const { sink } of ended) sink.complete(); // GraphiQL stops showing them as running
      if (closing) closing.close(1000);
    }

    return { subscribe, dispose };
  }

  window.AppSyncRealtime = { createClient };
})();
