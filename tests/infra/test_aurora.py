"""Aurora Serverless v2: Data API on, scale to zero, a generated secret, no route to anywhere,
and migrations that run on deploy."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import MIGRATE_HANDLER, WIRING_PATH
from infra.data import migrations_fingerprint
from resolvers.store.data_api import MIGRATION_RETRY

WIRING = load_wiring(WIRING_PATH)


def test_the_cluster_is_serverless_v2_postgres_with_the_data_api(stack):
    _, cluster = stack.one("AWS::RDS::DBCluster")
    props = cluster["Properties"]

    assert props["Engine"] == "aurora-postgresql"
    # 16.3+ and 17.x can pause at 0 ACU; this stack runs 17
    assert int(props["EngineVersion"].split(".")[0]) >= 17
    assert props["EnableHttpEndpoint"] is True
    scaling = props["ServerlessV2ScalingConfiguration"]
    assert scaling["MinCapacity"] == stack.stage.aurora_min_acu == 0
    assert scaling["MaxCapacity"] == stack.stage.aurora_max_acu
    assert scaling["SecondsUntilAutoPause"] == stack.stage.aurora_auto_pause_minutes * 60
    assert props["StorageEncrypted"] is True
    assert props["DeletionProtection"] is stack.stage.protect_data
    assert cluster["DeletionPolicy"] == ("Snapshot" if stack.stage.protect_data else "Delete")

    _, writer = stack.one("AWS::RDS::DBInstance")
    assert writer["Properties"]["DBInstanceClass"] == "db.serverless"
    assert writer["Properties"]["PubliclyAccessible"] is False


def test_the_master_password_is_a_generated_secret(stack):
    cluster_id, cluster = stack.one("AWS::RDS::DBCluster")
    _, attachment = stack.one("AWS::SecretsManager::SecretTargetAttachment")
    (secret_id,) = {
        logical_id
        for logical_id, secret in stack.of_type("AWS::SecretsManager::Secret").items()
        if {"Ref": logical_id} == attachment["Properties"]["SecretId"]
    }

    generator = stack.resources[secret_id]["Properties"]["GenerateSecretString"]
    assert generator["GenerateStringKey"] == "password"
    assert attachment["Properties"]["TargetId"] == {"Ref": cluster_id}
    assert secret_id in str(cluster["Properties"]["MasterUserPassword"])


def test_the_cluster_lives_in_isolated_subnets_without_nat_or_internet(stack):
    # GIVEN the subnets of the cluster's subnet group
    _, group = stack.one("AWS::RDS::DBSubnetGroup")
    subnet_ids = {ref["Ref"] for ref in group["Properties"]["SubnetIds"]}

    # THEN there are two, private, and the VPC has no way out
    assert len(subnet_ids) == 2
    for subnet_id in subnet_ids:
        assert stack.resources[subnet_id]["Properties"]["MapPublicIpOnLaunch"] is False
    for absent in (
        "AWS::EC2::NatGateway",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::Route",
    ):
        assert not stack.of_type(absent), absent


def test_migrations_run_through_a_custom_resource_after_the_writer_exists(stack):
    # GIVEN the migrations custom resource
    (resource,) = stack.of_type("Custom::PotluckMigrations").values()
    writer_id, _ = stack.one("AWS::RDS::DBInstance")

    # THEN it carries the current fingerprint, so any migration change re-runs it...
    assert resource["Properties"]["Fingerprint"] == migrations_fingerprint()
    # ... waits for the writer instance, not only the cluster...
    assert writer_id in resource["DependsOn"]
    # ... and its provider calls the migrations handler from the shared package
    framework_id = resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    framework_env = stack.resources[framework_id]["Properties"]["Environment"]["Variables"]
    migrate_id, _ = stack.function(MIGRATE_HANDLER)
    assert framework_env["USER_ON_EVENT_FUNCTION_ARN"] == {"Fn::GetAtt": [migrate_id, "Arn"]}


def test_the_fingerprint_follows_migrations_and_the_runner(tmp_path):
    # GIVEN a migrations folder and a runner
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text("CREATE TABLE a (id int);\n")
    runner = tmp_path / "migrate.py"
    runner.write_text("# runner v1\n")
    before = migrations_fingerprint(migrations, runner)

    # WHEN nothing changes, THEN the fingerprint is stable (no needless re-runs)
    assert migrations_fingerprint(migrations, runner) == before

    # WHEN a migration is added, THEN it changes
    (migrations / "0002_more.sql").write_text("CREATE TABLE b (id int);\n")
    after_migration = migrations_fingerprint(migrations, runner)
    assert after_migration != before

    # WHEN the runner changes, THEN it changes too
    runner.write_text("# runner v2\n")
    assert migrations_fingerprint(migrations, runner) != after_migration


def test_resolver_code_deploys_only_after_the_migrations_it_needs(stack):
    # GIVEN the migrations custom resource and every function AppSync invokes
    (migrations_id,) = stack.of_type("Custom::PotluckMigrations")
    for name, spec in WIRING.functions.items():
        _, function = stack.function(spec.handler)
        # THEN CloudFormation updates the function's code after the migrations ran
        # (expand/contract: see the README's "Migrations")
        assert migrations_id in function.get("DependsOn", []), name


def test_migrations_wait_out_a_long_resume_inside_their_timeout(stack):
    # GIVEN the migrations function's timeout and the resume budget migrations use
    _, migrate = stack.function(MIGRATE_HANDLER)
    timeout = migrate["Properties"]["Timeout"]
    # THEN the longest resume wait leaves a minute for the DDL itself
    assert MIGRATION_RETRY.budget_s + 60 <= timeout


def test_the_vpc_records_its_flow_logs(stack):
    vpc_id, _ = stack.one("AWS::EC2::VPC")
    (flow_log,) = stack.of_type("AWS::EC2::FlowLog").values()
    props = flow_log["Properties"]
    assert props["ResourceId"] == {"Ref": vpc_id}
    assert props["TrafficType"] == "ALL"
    log_group = stack.resources[props["LogGroupName"]["Ref"]]["Properties"]
    assert log_group["RetentionInDays"] == stack.stage.log_retention_days
