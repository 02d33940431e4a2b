"""Per-stage settings for the CDK app: one typed table, no other source of stage differences."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
SCHEMA_PATH: Final = REPO_ROOT / "schema.graphql"
WIRING_PATH: Final = REPO_ROOT / "resolvers" / "wiring.toml"
RESOLVERS_DIR: Final = REPO_ROOT / "resolvers"
MIGRATIONS_DIR: Final = RESOLVERS_DIR / "store" / "migrations"
# Read with the migrations, so a change to how migrations run re-runs them too.
MIGRATE_MODULE: Final = RESOLVERS_DIR / "store" / "migrate.py"

# Lambda runtime and the dependency build must agree, so both read these.
LAMBDA_PYTHON_VERSION: Final = "3.14"
LAMBDA_PLATFORM: Final = "aarch64-manylinux_2_28"

MIGRATE_HANDLER: Final = "resolvers.store.migrate.custom_resource_handler"
POST_CONFIRMATION_HANDLER: Final = "resolvers.profiles.post_confirmation.handler"
API_KEY_RENEWAL_HANDLER: Final = "resolvers.ops.api_key_renewal.handler"

# AppSync refuses an API key expiry more than 365 days ahead, counted by its own clock: a build
# machine whose clock runs ahead must not push a maximal expiry past that, so keys stay a week
# short of it.
API_KEY_MAX_DAYS: Final = 365 - 7
# Cognito reads the sender from context at deploy time (a verified SES identity of the account),
# for stages that send through SES: `-c potluck:sesFromEmail=no-reply@example.org`.
SES_FROM_EMAIL_CONTEXT: Final = "potluck:sesFromEmail"

SERVICE_NAME: Final = "potluck"
DB_NAME: Final = "potluck"


class OutputKey:
    """Stack output names: the stack writes them, scripts/deploy and scripts/smoke read them."""

    GRAPHQL_URL: Final = "GraphqlUrl"
    REALTIME_URL: Final = "RealtimeUrl"
    API_KEY_ID: Final = "ApiKeyId"
    USER_POOL_ID: Final = "UserPoolId"
    USER_POOL_CLIENT_ID: Final = "UserPoolClientId"
    REGION: Final = "Region"
    ADMIN_GROUP: Final = "AdminGroup"
    # For scripts/smoke's cleanup: profiles have no delete mutation.
    PROFILES_TABLE: Final = "ProfilesTable"


class StageError(ValueError):
    """The requested stage is not one of the configured stages."""


@dataclass(frozen=True)
class WafConfig:
    """AWS WAF in front of the GraphQL endpoint: AWS managed rule groups and a per-IP rate limit."""

    # Requests one IP may send in any 5 minutes before WAF blocks it for a while.
    requests_per_ip_per_5_minutes: int
    # AWS managed rule groups, evaluated in this order after the rate limit.
    managed_rule_groups: tuple[str, ...] = (
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    )


@dataclass(frozen=True)
class StageConfig:
    """Everything that differs between stages. Anything not here is the same everywhere."""

    name: str
    # Prod keeps its data: deletion protection on, resources retained when the stack goes.
    protect_data: bool
    introspection: bool
    query_depth_limit: int
    log_retention_days: int
    log_level: str
    # None keeps the wiring's api_key_expiry_days; at most API_KEY_MAX_DAYS. A scheduled function
    # pushes the expiry out to this many days from now, every day.
    api_key_expiry_days: int | None
    aurora_min_acu: float
    aurora_max_acu: float
    # Idle time before a cluster at 0 ACU pauses; AppSync callers wait ~15 s for a resume.
    aurora_auto_pause_minutes: int
    aurora_backup_days: int
    # Every alarm notifies this SNS topic (created by the stack); subscribe on-call to it.
    alarm_topic_name: str
    # None: no web ACL (dev is reached by its developers only).
    waf: WafConfig | None
    # Cognito's built-in sender allows a few dozen e-mails a day: production sends through SES.
    email_through_ses: bool
    # USER_PASSWORD_AUTH sends the password itself to Cognito (over TLS); apps use SRP. Operators
    # and scripts/smoke get tokens through the admin flow, which needs IAM credentials.
    public_password_auth: bool
    # Cognito threat protection (Plus feature plan, charged per active user): compromised
    # credentials and risky sign-ins are blocked where on; see the README's "Cognito".
    threat_protection: bool
    # The welcome e-mail's From; infra creates an SES identity for its address.
    welcome_sender: str = "Potluck <welcome@potluck.example.com>"

    @property
    def stack_name(self) -> str:
        return f"potluck-{self.name}"


STAGES: Final[dict[str, StageConfig]] = {
    "dev": StageConfig(
        name="dev",
        protect_data=False,
        introspection=True,
        query_depth_limit=10,
        log_retention_days=14,
        log_level="DEBUG",
        api_key_expiry_days=30,
        aurora_min_acu=0,
        aurora_max_acu=2,
        aurora_auto_pause_minutes=5,
        aurora_backup_days=1,
        alarm_topic_name="potluck-dev-alarms",
        waf=None,
        email_through_ses=False,
        public_password_auth=True,
        threat_protection=False,
    ),
    "prod": StageConfig(
        name="prod",
        protect_data=True,
        introspection=False,
        query_depth_limit=10,
        log_retention_days=90,
        log_level="INFO",
        api_key_expiry_days=180,
        aurora_min_acu=0,
        aurora_max_acu=8,
        aurora_auto_pause_minutes=60,
        aurora_backup_days=7,
        alarm_topic_name="potluck-prod-alarms",
        waf=WafConfig(requests_per_ip_per_5_minutes=1000),
        email_through_ses=True,
        public_password_auth=False,
        threat_protection=True,
    ),
}


def stage_config(name: str) -> StageConfig:
    """The configuration of a stage, or a clear error naming the valid stages."""
    try:
        return STAGES[name]
    except KeyError:
        raise StageError(f"unknown stage {name!r}; expected one of: {', '.join(STAGES)}") from None


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.config STAGE` prints the stage's stack name, or why there is none."""
    args = sys.argv[1:] if argv is None else argv
    try:
        print(stage_config(args[0] if args else "").stack_name)  # noqa: T201
    except StageError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
