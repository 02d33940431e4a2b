"""Recipe search: a full-text index in Aurora fed by the recipes table's stream, and its query."""
