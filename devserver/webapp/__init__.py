"""A frontend build served beside the API, with the Amplify configuration that reaches this server."""
