"""AppSync's GraphQL rules: the prelude, scalars, validation and variable messages, errors and value completion."""
