"""cdk-nag's AwsSolutions pack finds nothing unacknowledged, and every acknowledgment says why."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from infra.nag import add_checks


def test_the_app_has_no_unacknowledged_aws_solutions_findings(synth):
    # GIVEN the synthesized app (a finding nobody acknowledged would have failed the synth)
    assert synth.error is None, synth.error

    # WHEN the pack checks the whole construct tree again, directly
    report = AwsSolutionsChecks().validate_scope(synth.app)

    # THEN it finds nothing
    assert [violation.rule_name for violation in report.violations or []] == []
    assert report.success is True


def test_an_unacknowledged_finding_fails_the_synth(tmp_path):
    # GIVEN an app with the checks and a queue that breaks AwsSolutions rules (no DLQ, no TLS)
    app = App(outdir=str(tmp_path))
    sqs.Queue(Stack(app, "Canary"), "Queue")
    add_checks(app)

    # WHEN it synthesizes, THEN the checks stop it
    with pytest.raises(Exception, match="AwsSolutions-SQS3"):
        app.synth()


def test_the_only_other_warning_is_the_source_only_package(synth):
    # The tests synthesize without the dependency build: the one expected warning says so.
    rules = {
        violation["ruleName"]
        for report in synth.validation_report["pluginReports"]
        for violation in report.get("violations", [])
    }
    assert rules == {"Annotation::potluck:sourceOnlyLambda"}


def test_every_acknowledgment_carries_a_reason(stack):
    # GIVEN the acknowledgments cdk-nag copied into the template's metadata
    acknowledged = [
        rule
        for resource in stack.resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    ours = [rule for rule in acknowledged if rule["id"].startswith("AwsSolutions-")]

    # THEN ours are there, and each explains itself (CDK adds a few of its own, with reasons)
    assert ours
    for rule in acknowledged:
        assert len(rule["reason"]) >= 40, rule


def test_findings_once_waved_through_are_now_fixed(stack):
    # Flow logs are on, and AppSync logs with a role of its own, not AWS's any-log-group policy
    acknowledged = {
        rule["id"]
        for resource in stack.resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    }
    assert "AwsSolutions-VPC7" not in acknowledged
    assert not [rule for rule in acknowledged if "AWSAppSyncPushToCloudWatchLogs" in rule]
