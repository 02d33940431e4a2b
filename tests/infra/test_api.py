"""The AppSync API: schema from the file, tracing, logs, limits, and the stack's outputs."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import SCHEMA_PATH, WIRING_PATH, OutputKey
from tests.infra.cfn import refs


def test_the_schema_is_the_file_as_is(stack):
    _, schema = stack.one("AWS::AppSync::GraphQLSchema")
    assert schema["Properties"]["Definition"] == SCHEMA_PATH.read_text(encoding="utf-8")


def test_tracing_error_logs_depth_limit_and_introspection_per_stage(stack):
    _, api = stack.one("AWS::AppSync::GraphQLApi")
    props = api["Properties"]

    assert props["XrayEnabled"] is True
    assert props["LogConfig"]["FieldLogLevel"] == "ERROR"
    assert props["QueryDepthLimit"] == stack.stage.query_depth_limit
    assert props["IntrospectionConfig"] == ("ENABLED" if stack.stage.introspection else "DISABLED")


def test_introspection_is_off_in_prod_and_on_in_dev(synth):
    assert synth.stacks["dev"].stage.introspection is True
    assert synth.stacks["prod"].stage.introspection is False


def test_the_outputs_are_the_ones_the_scripts_read(stack):
    expected = {value for key, value in vars(OutputKey).items() if key.isupper()}
    assert set(stack.template["Outputs"]) == expected


def test_appsync_logs_with_a_role_that_reaches_only_its_own_log_group(stack):
    # GIVEN the role the API's log config names
    api_id, api = stack.one("AWS::AppSync::GraphQLApi")
    role_id = api["Properties"]["LogConfig"]["CloudWatchLogsRoleArn"]["Fn::GetAtt"][0]
    role = stack.resources[role_id]["Properties"]
    policies = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in stack.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]

    # THEN it carries no AWS managed policy (which may write any log group), and its one
    # statement names this API's log group
    assert not role.get("ManagedPolicyArns")
    ((statement,),) = policies
    assert refs(statement["Resource"]) == {api_id}
    assert "/aws/appsync/apis/" in str(statement["Resource"])


def test_the_resolver_execution_limit_is_the_wirings(stack):
    # GIVEN the wiring the devserver enforces its resolver execution limit from
    limit = load_wiring(WIRING_PATH).api.resolver_count_limit
    # WHEN the stack is synthesized
    _, api = stack.one("AWS::AppSync::GraphQLApi")
    # THEN AppSync gets the same limit
    assert api["Properties"]["ResolverCountLimit"] == limit
