"""Every wiring entry is a Direct Lambda resolver on the right function; nothing else is wired."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import WIRING_PATH

WIRING = load_wiring(WIRING_PATH)
# A Direct Lambda resolver has none of these: AppSync then sends its own event to the Lambda.
TEMPLATE_KEYS = {
    "RequestMappingTemplate",
    "ResponseMappingTemplate",
    "RequestMappingTemplateS3Location",
    "ResponseMappingTemplateS3Location",
    "Code",
    "CodeS3Location",
    "Runtime",
    "PipelineConfig",
}


def test_the_resolvers_are_exactly_the_wiring_entries(stack):
    # GIVEN the deployed resolvers
    deployed = sorted(
        (props["Properties"]["TypeName"], props["Properties"]["FieldName"])
        for props in stack.of_type("AWS::AppSync::Resolver").values()
    )

    # THEN they are the wiring list, no more and no fewer
    assert deployed == sorted((entry.type_name, entry.field_name) for entry in WIRING.resolvers)


def test_each_resolver_calls_its_wired_function_directly_with_its_batch_size(stack):
    resolvers = {
        (r["Properties"]["TypeName"], r["Properties"]["FieldName"]): r["Properties"]
        for r in stack.of_type("AWS::AppSync::Resolver").values()
    }
    sources = {
        s["Properties"]["Name"]: s["Properties"]
        for s in stack.of_type("AWS::AppSync::DataSource").values()
    }
    for entry in WIRING.resolvers:
        # GIVEN a wiring entry and the resolver deployed for it
        props = resolvers[entry.type_name, entry.field_name]
        source = sources[props["DataSourceName"]]

        # THEN it is a unit resolver without templates, on a Lambda data source...
        assert props["Kind"] == "UNIT"
        assert TEMPLATE_KEYS.isdisjoint(props), entry.key
        assert source["Type"] == "AWS_LAMBDA"
        # ... whose function runs the wired handler ...
        function_id = source["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"][0]
        function = stack.resources[function_id]["Properties"]
        assert function["Handler"] == WIRING.functions[entry.function].handler
        # ... and it batches exactly where the wiring says so
        assert props.get("MaxBatchSize") == (entry.max_batch_size or None), entry.key


def test_each_wired_function_has_the_wiring_memory_and_timeout(stack):
    for spec in WIRING.functions.values():
        _, function = stack.function(spec.handler)
        assert function["Properties"]["MemorySize"] == spec.memory_mb
        assert function["Properties"]["Timeout"] == spec.timeout_seconds


def test_the_batch_fields_of_the_design_are_batched(stack):
    # The N+1 fields of DESIGN.md §1, checked here so a wiring edit cannot silently drop one.
    batched = {
        f"{r['Properties']['TypeName']}.{r['Properties']['FieldName']}"
        for r in stack.of_type("AWS::AppSync::Resolver").values()
        if r["Properties"].get("MaxBatchSize")
    }
    assert batched >= {
        "Recipe.author",
        "Recipe.rating",
        "Recipe.commentCount",
        "Comment.author",
    }
