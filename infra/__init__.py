"""Potluck's AWS CDK app: AppSync, Lambda, DynamoDB, Aurora Serverless v2 and Cognito."""
