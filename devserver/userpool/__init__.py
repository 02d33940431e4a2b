"""The local user pool as clients reach Cognito: its sign-in API, for Amplify and the web example."""
