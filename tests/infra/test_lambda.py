"""The Lambdas: runtime, architecture, tracing, logs, one code asset, and settings-exact env."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import (
    API_KEY_RENEWAL_HANDLER,
    DB_NAME,
    LAMBDA_PYTHON_VERSION,
    MIGRATE_HANDLER,
    POST_CONFIRMATION_HANDLER,
    WIRING_PATH,
)
from infra.functions import settings_keys
from resolvers.settings import (
    ApiKeyRenewalSettings,
    DatabaseSettings,
    ProfileTriggerSettings,
    Settings,
)
from resolvers.store.data_api import DATA_API_CLIENT_CONFIG, REQUEST_RETRY
from resolvers.store.dynamo import CLIENT_CONFIG

WIRING = load_wiring(WIRING_PATH)
API_HANDLER = WIRING.functions["api"].handler


def _environment(function):
    return function["Properties"]["Environment"]["Variables"]


def _split_powertools(environment):
    own = {key for key in environment if not key.startswith("POWERTOOLS_")}
    return own, set(environment) - own


def test_the_python_functions_are_ours(stack):
    handlers = {f["Properties"]["Handler"] for f in stack.python_functions().values()}
    assert handlers == {
        *(spec.handler for spec in WIRING.functions.values()),
        MIGRATE_HANDLER,
        POST_CONFIRMATION_HANDLER,
        API_KEY_RENEWAL_HANDLER,
    }


def test_python_functions_run_a_current_python_on_arm64_with_tracing_and_bounded_logs(stack):
    for logical_id, function in stack.python_functions().items():
        props = function["Properties"]
        major, minor = (int(part) for part in LAMBDA_PYTHON_VERSION.split("."))
        assert (major, minor) >= (3, 12)
        assert props["Runtime"] == f"python{LAMBDA_PYTHON_VERSION}", logical_id
        assert props["Architectures"] == ["arm64"], logical_id
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
        log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
        log_group = stack.resources[log_group_id]["Properties"]
        assert log_group["RetentionInDays"] == stack.stage.log_retention_days, logical_id


def test_the_resolver_environment_is_exactly_the_settings_fields(stack):
    # GIVEN the resolver Lambda's environment
    _, function = stack.function(API_HANDLER)
    environment = _environment(function)

    # WHEN Powertools' own keys are set aside
    own, powertools = _split_powertools(environment)

    # THEN the rest is what resolvers.settings reads, minus the local-only plain signing key
    assert own == Settings.env_keys() - {"PAGINATION_SECRET"}
    assert "POWERTOOLS_SERVICE_NAME" in powertools
    assert environment["ADMIN_GROUP"] == WIRING.api.admin_group
    assert environment["DB_NAME"] == DB_NAME


def test_the_migrations_and_trigger_environments_match_their_settings(stack):
    _, migrate = stack.function(MIGRATE_HANDLER)
    _, trigger = stack.function(POST_CONFIRMATION_HANDLER)

    assert _split_powertools(_environment(migrate))[0] == settings_keys(DatabaseSettings)
    assert _split_powertools(_environment(trigger))[0] == settings_keys(ProfileTriggerSettings)
    _, renewal = stack.function(API_KEY_RENEWAL_HANDLER)
    assert _split_powertools(_environment(renewal))[0] == settings_keys(ApiKeyRenewalSettings)


def test_secrets_reach_the_lambda_by_arn_never_by_value(stack):
    _, function = stack.function(API_HANDLER)
    environment = _environment(function)
    secret_ids = set(stack.of_type("AWS::SecretsManager::Secret")) | set(
        stack.of_type("AWS::SecretsManager::SecretTargetAttachment")
    )

    assert environment["PAGINATION_SECRET_ARN"]["Ref"] in secret_ids
    assert environment["DB_SECRET_ARN"]["Ref"] in secret_ids
    assert "PAGINATION_SECRET" not in environment


def test_all_python_functions_share_one_code_asset(stack):
    keys = {f["Properties"]["Code"]["S3Key"] for f in stack.python_functions().values()}
    assert len(keys) == 1


def test_the_offline_asset_is_the_resolvers_source_without_caches(stack):
    # GIVEN the code asset staged by the session's synth (no build context: source only)
    (key,) = {f["Properties"]["Code"]["S3Key"] for f in stack.python_functions().values()}
    asset = stack.outdir / f"asset.{key.removesuffix('.zip')}"

    # THEN it holds the resolvers package at its root, and no bytecode caches
    assert (asset / "resolvers" / "settings.py").is_file()
    assert (asset / "resolvers" / "wiring.toml").is_file()
    assert not list(asset.rglob("__pycache__"))


# AppSync gives up on a request after 30 s, whatever the function does.
APPSYNC_LIMIT_S = 30


def _worst_call_s(config):
    """One client call with every retry used to the last second, plus backoff."""
    attempts = config.retries["total_max_attempts"]
    return attempts * (config.connect_timeout + config.read_timeout) + attempts


def test_functions_appsync_invokes_stop_before_appsync_and_fit_their_retries(stack):
    resolving = {resolver.function for resolver in WIRING.resolvers}
    for name, spec in WIRING.functions.items():
        if name not in resolving:
            continue  # an event consumer: Lambda, not AppSync, waits for it
        # GIVEN a function AppSync invokes, and the request path's retry budgets
        _, function = stack.function(spec.handler)
        timeout = function["Properties"]["Timeout"]
        data_api_worst = REQUEST_RETRY.budget_s + _worst_call_s(DATA_API_CLIENT_CONFIG)
        dynamodb_worst = _worst_call_s(CLIENT_CONFIG)
        # THEN it stops before AppSync gives up, so no work runs on for a failed request...
        assert timeout < APPSYNC_LIMIT_S, name
        # ... and a call that waits out a resume, or retries to the end, still fits in it
        assert max(data_api_worst, dynamodb_worst) < timeout, name
