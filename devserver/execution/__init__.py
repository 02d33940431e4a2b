"""One request's execution: the runtime (schema, wiring, handlers), the engine, field resolution and hot reload."""
