"""Local stand-ins for AWS: moto DynamoDB, embedded PostgreSQL and an RDS Data API endpoint."""
