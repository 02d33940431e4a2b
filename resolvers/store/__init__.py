"""Data access: DynamoDB table definitions, the Data API adapter and SQL migrations."""
