"""AWS WAF on the GraphQL endpoint: a per-IP rate limit, then AWS managed rule groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_wafv2 as wafv2

if TYPE_CHECKING:
    from aws_cdk import aws_appsync as appsync
    from constructs import Construct

    from infra.config import WafConfig

# The Common rule set blocks request bodies over 8 KB; a createRecipe with its steps and
# ingredients is a legitimate body of that size (the schema's own limits bound it), so that rule
# only counts.
_COUNT_ONLY = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
RATE_LIMIT_RULE = "RateLimitPerIp"


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in _COUNT_ONLY.get(name, ())
    ]
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name, rule_action_overrides=overrides or None
            )
        ),
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        visibility_config=_visibility(name),
    )


def protect(
    scope: Construct,
    construct_id: str,
    graphql: appsync.GraphqlApi,
    stage_name: str,
    config: WafConfig,
) -> wafv2.CfnWebACL:
    """A regional web ACL associated with the API; requests no rule matches are allowed."""
    rate_limit = wafv2.CfnWebACL.RuleProperty(
        name=RATE_LIMIT_RULE,
        priority=0,
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=config.requests_per_ip_per_5_minutes,
                aggregate_key_type="IP",
                evaluation_window_sec=300,
            )
        ),
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        visibility_config=_visibility(RATE_LIMIT_RULE),
    )
    acl = wafv2.CfnWebACL(
        scope,
        construct_id,
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        description=f"Potluck GraphQL API, stage {stage_name}",
        rules=[
            rate_limit,
            *(
                _managed(name, priority)
                for priority, name in enumerate(config.managed_rule_groups, start=1)
            ),
        ],
        visibility_config=_visibility(f"potluck-{stage_name}-waf"),
    )
    wafv2.CfnWebACLAssociation(
        scope, f"{construct_id}Association", resource_arn=graphql.arn, web_acl_arn=acl.attr_arn
    )
    return acl
