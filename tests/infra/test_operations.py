"""Operations: alarms to the stage's topic for every signal the README lists, a dashboard of the
same, and WAF where the stage asks for it."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import WIRING_PATH, WafConfig
from infra.waf import RATE_LIMIT_RULE
from resolvers.store.tables import ALL_TABLES
from tests.infra.cfn import refs


def _alarms(stack):
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in stack.of_type("AWS::CloudWatch::Alarm").values()
    }


def _metric_names(alarm):
    """Metric names an alarm watches, whether plain or through metric math."""
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {
        query["MetricStat"]["Metric"]["MetricName"]
        for query in alarm.get("Metrics", [])
        if "MetricStat" in query
    }


def _watching(stack, metric_name, resource_id=None):
    """Alarms on `metric_name`, optionally only those whose dimensions point at a resource."""
    return [
        name
        for name, alarm in _alarms(stack).items()
        if metric_name in _metric_names(alarm)
        and (resource_id is None or resource_id in refs(alarm))
    ]


def test_every_alarm_notifies_the_stage_topic(stack):
    # GIVEN the topic the stage config names
    ((topic_id, topic),) = stack.of_type("AWS::SNS::Topic").items()
    assert topic["Properties"]["TopicName"] == stack.stage.alarm_topic_name
    # THEN every alarm notifies it, and only it
    alarms = _alarms(stack)
    assert len(alarms) > 10
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name


def test_every_python_function_has_throttle_and_near_timeout_alarms(stack):
    for function_id, function in stack.python_functions().items():
        # GIVEN any of our functions, including ones added later
        timeout_ms = function["Properties"]["Timeout"] * 1000
        # THEN throttles and durations near its timeout alarm
        assert _watching(stack, "Throttles", function_id), function_id
        (near_timeout,) = _watching(stack, "Duration", function_id)
        assert _alarms(stack)[near_timeout]["Threshold"] == 0.8 * timeout_ms


def test_errors_alarm_per_function_except_resolvers_where_internal_errors_stands_in(stack):
    resolver_ids = {
        function_id
        for function_id, function in stack.python_functions().items()
        if function["Properties"]["Handler"] in _resolver_handlers()
    }
    for function_id in stack.python_functions():
        # A Direct Lambda resolver raises for NotFound or ValidationError too: Lambda counts
        # those as errors, so only the functions AppSync does not invoke alarm on Errors
        assert bool(_watching(stack, "Errors", function_id)) is (function_id not in resolver_ids)
    (internal,) = _watching(stack, "InternalErrors")
    assert _alarms(stack)[internal]["Namespace"] == "Potluck"


def _resolver_handlers():
    """Handlers of the wiring's functions that some resolver names: the ones AppSync invokes."""
    wiring = load_wiring(WIRING_PATH)
    invoked = {resolver.function for resolver in wiring.resolvers}
    return {spec.handler for name, spec in wiring.functions.items() if name in invoked}


def test_appsync_dynamodb_aurora_and_the_api_key_are_watched(stack):
    api_id, _ = stack.one("AWS::AppSync::GraphQLApi")
    cluster_id, _ = stack.one("AWS::RDS::DBCluster")
    assert _watching(stack, "5XXError", api_id)
    assert _watching(stack, "Latency", api_id)
    for table in ALL_TABLES:
        table_id = stack.table_id(table.logical_name)
        assert _watching(stack, "ReadThrottleEvents", table_id), table.logical_name
        assert _watching(stack, "SystemErrors", table_id), table.logical_name
    (capacity,) = _watching(stack, "ServerlessDatabaseCapacity", cluster_id)
    assert _alarms(stack)[capacity]["Threshold"] == stack.stage.aurora_max_acu
    (expiry,) = _watching(stack, "ApiKeyDaysLeft")
    # A renewal that stopped reporting is as bad as a key about to expire
    assert _alarms(stack)[expiry]["TreatMissingData"] == "breaching"


def test_the_dashboard_shows_every_alarm(stack):
    (dashboard,) = stack.of_type("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    alarm_ids = set(stack.of_type("AWS::CloudWatch::Alarm"))
    assert alarm_ids <= refs(body)


def test_waf_guards_the_api_where_the_stage_asks(stack):
    acls = stack.of_type("AWS::WAFv2::WebACL")
    if stack.stage.waf is None:
        assert not acls
        return
    # GIVEN the stage's WAF settings and its web ACL
    config: WafConfig = stack.stage.waf
    ((acl_id, acl),) = acls.items()
    api_id, _ = stack.one("AWS::AppSync::GraphQLApi")
    (association,) = stack.of_type("AWS::WAFv2::WebACLAssociation").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}

    # THEN it is associated with the API, rate-limits each IP first, then applies AWS's groups
    assert refs(association["Properties"]) == {acl_id, api_id}
    assert acl["Properties"]["Scope"] == "REGIONAL"
    rate = rules[RATE_LIMIT_RULE]
    assert rate["Priority"] == 0
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == config.requests_per_ip_per_5_minutes
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert set(rules) == {RATE_LIMIT_RULE, *config.managed_rule_groups}


def test_prod_has_waf_and_dev_does_not(synth):
    assert synth.stacks["prod"].stage.waf is not None
    assert synth.stacks["dev"].stage.waf is None
