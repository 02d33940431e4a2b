"""Potluck's Direct Lambda resolvers: deployed as-is, runtime dependencies only."""
