"""The child process that serves moto's DynamoDB: its HTTP server, its app and its patches."""
