"""The production CloudFormation template (`infra/albumml.yaml`): cfn-lint, least privilege read off the template,
and the stack created in moto's CloudFormation and inspected through the real service APIs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from albumml.compute.batch import LOG_GROUP, SPOT_RECLAIM_REASON
from tests.support.stack import IMAGE_TAG, MLFLOW_URI, TEMPLATE, client, create_stack, load_template

TRAIN_COMMAND = [
    "albumml",
    "train",
    "--snapshot",
    "Ref::snapshot",
    "--model",
    "Ref::model",
    "--backbone",
    "Ref::backbone",
    "--epochs",
    "Ref::epochs",
    "--resume",
    "--no-progress",
    "--json",
]
JOB_ROLE_OBJECT_ACTIONS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
OUTPUTS = {
    "BucketName",
    "StoreUrl",
    "DatabaseInstanceId",
    "DatabaseEndpoint",
    "DatabasePort",
    "DatabaseName",
    "DatabaseUsername",
    "DatabaseClientSecurityGroupId",
    "RepositoryUri",
    "TrainingImage",
    "ComputeEnvironmentArn",
    "JobQueueArn",
    "JobDefinitionArn",
    "JobRoleArn",
    "MlflowCredentialsSecretArn",
}
# Resource types moto's CloudFormation skips (with only a log warning); everything else must be created.
NOT_MODELLED_BY_MOTO = {"AWS::S3::BucketPolicy", "AWS::SecretsManager::Secret"}
# Outputs naming a skipped resource, which moto leaves out.
OUTPUTS_OF_SKIPPED = {"MlflowCredentialsSecretArn"}


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    """Run cfn-lint on one template through its console entry point, in this interpreter."""
    entry = "import sys; from cfnlint.runner import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", entry, str(path)], capture_output=True, text=True, timeout=120)


def as_list(value: Any) -> list[Any]:
    """IAM lets one item stand for a list of one."""
    return value if isinstance(value, list) else [value]


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one CloudFormation type, by logical id."""
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


def policy_document(value: Any) -> dict[str, Any]:
    """An inline policy as the IAM API returns it: JSON text, or (moto) a Python literal of the template's dict."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return ast.literal_eval(value)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The parsed template."""
    return load_template()


@pytest.fixture
def stack_name() -> str:
    """A stack name no other test uses."""
    return f"albumml-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def stack(moto_endpoint: str, stack_name: str) -> dict[str, str]:
    """A freshly created stack of this test's own on the moto server; its Outputs."""
    return create_stack(moto_endpoint, stack_name)


# ---------------------------------------------------------------- cfn-lint


def test_template_passes_cfn_lint():
    result = cfn_lint(TEMPLATE)
    assert result.returncode == 0, f"cfn-lint found problems:\n{result.stdout}{result.stderr}"


def test_cfn_lint_rejects_a_broken_copy_of_the_template(tmp_path):
    """The lint step has teeth: a wrong enum value in the compute environment is an error."""
    text = TEMPLATE.read_text()
    assert "        Type: SPOT\n" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("        Type: SPOT\n", "        Type: SPOTTY\n"))
    result = cfn_lint(broken)
    assert result.returncode != 0
    assert "E3030" in result.stdout and "spotty" in result.stdout


# ---------------------------------------------------------------- least privilege, read off the template


def test_job_role_reaches_only_its_store_prefix(template):
    role = template["Resources"]["JobRole"]["Properties"]
    assert "ManagedPolicyArns" not in role and "PermissionsBoundary" not in role
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "ecs-tasks.amazonaws.com"}]
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, policy in resources_of(template, kind).items():
            assert {"Ref": "JobRole"} not in policy["Properties"].get("Roles", []), f"{name} widens the job role"

    statements = [s for p in role["Policies"] for s in as_list(p["PolicyDocument"]["Statement"])]
    assert all(s["Effect"] == "Allow" for s in statements)
    assert not any("NotAction" in s or "NotResource" in s for s in statements)
    bucket_arn = "arn:${AWS::Partition}:s3:::${StoreBucket}"
    objects = [s for s in statements if set(as_list(s["Action"])) <= JOB_ROLE_OBJECT_ACTIONS]
    listing = [s for s in statements if as_list(s["Action"]) == ["s3:ListBucket"]]
    assert len(objects) + len(listing) == len(statements), "the job role grants something besides its store"
    assert {a for s in objects for a in as_list(s["Action"])} == JOB_ROLE_OBJECT_ACTIONS
    assert all(as_list(s["Resource"]) == [{"Fn::Sub": f"{bucket_arn}/${{StorePrefix}}/*"}] for s in objects)
    assert len(listing) == 1
    assert as_list(listing[0]["Resource"]) == [{"Fn::Sub": bucket_arn}]
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": {"Fn::Sub": "${StorePrefix}/*"}}}


def test_execution_role_pulls_its_image_and_writes_the_job_log_group_only(template):
    statements = [
        s
        for p in template["Resources"]["ExecutionRole"]["Properties"]["Policies"]
        for s in as_list(p["PolicyDocument"]["Statement"])
    ]
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert all(a.startswith(("ecr:", "logs:")) for a in actions - {"secretsmanager:GetSecretValue"}), actions
    for statement in statements:
        if statement["Resource"] == "*":
            assert as_list(statement["Action"]) == ["ecr:GetAuthorizationToken"], "only the token has no resource"
    pulls = [s for s in statements if "ecr:BatchGetImage" in as_list(s["Action"])]
    assert [s["Resource"] for s in pulls] == [{"Fn::GetAtt": ["Repository", "Arn"]}]
    logs = [s for s in statements if "logs:PutLogEvents" in as_list(s["Action"])]
    assert len(logs) == 1 and f":log-group:{LOG_GROUP}:*" in logs[0]["Resource"]["Fn::Sub"]
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in as_list(s["Action"])]
    assert [(as_list(s["Action"]), s["Resource"]) for s in reads] == [
        (["secretsmanager:GetSecretValue"], {"Ref": "MlflowCredentialsSecret"})
    ], "the execution role reads the MLflow credentials secret and no other"


def test_bucket_is_private_encrypted_versioned_and_tls_only(template):
    bucket = template["Resources"]["StoreBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules and all(
        r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"} for r in rules
    )
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    lifecycle = props["LifecycleConfiguration"]["Rules"]
    assert any(r["Status"] == "Enabled" and "NoncurrentVersionExpiration" in r for r in lifecycle)

    (policy,) = resources_of(template, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "StoreBucket"}
    denials = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denials) == 1 and denials[0]["Principal"] == "*" and denials[0]["Action"] == "s3:*"
    assert {"Fn::GetAtt": ["StoreBucket", "Arn"]} in denials[0]["Resource"]
    assert {"Fn::Sub": "${StoreBucket.Arn}/*"} in denials[0]["Resource"]


def test_database_is_encrypted_private_and_survives_deletion(template):
    database = template["Resources"]["Database"]
    props = database["Properties"]
    assert props["Engine"] == "postgres"
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False
    assert props["ManageMasterUserPassword"] is True and "MasterUserPassword" not in props
    assert props["DeletionProtection"] is True and database["DeletionPolicy"] == "Snapshot"
    assert props["VPCSecurityGroups"] == [{"Ref": "DatabaseSecurityGroup"}]
    ingress = template["Resources"]["DatabaseSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert ingress == [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "SourceSecurityGroupId": {"Ref": "DatabaseClientSecurityGroup"},
            "Description": "PostgreSQL from albumml clients",
        }
    ]


def test_batch_runs_spot_gpus_and_retries_only_a_reclaimed_host(template):
    resources = template["Resources"]
    compute = resources["ComputeEnvironment"]["Properties"]
    assert compute["ComputeResources"]["Type"] == "SPOT"
    assert compute["ComputeResources"]["AllocationStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    families = template["Parameters"]["GpuInstanceTypes"]["Default"].split(",")
    assert families and all(t.startswith(("g4dn.", "g5.", "g6.", "g6e.", "p4d.", "p5.")) for t in families)
    assert compute["ServiceRole"] == {"Fn::GetAtt": ["BatchServiceRole", "Arn"]}

    job = resources["TrainJobDefinition"]["Properties"]
    retry = job["RetryStrategy"]
    assert retry["Attempts"] == 3
    assert retry["EvaluateOnExit"][0] == {"OnStatusReason": SPOT_RECLAIM_REASON, "Action": "RETRY"}
    assert retry["EvaluateOnExit"][-1] == {"OnReason": "*", "Action": "EXIT"}
    assert job["Timeout"]["AttemptDurationSeconds"] == {"Ref": "JobTimeoutSeconds"}
    container = job["ContainerProperties"]
    assert container["Command"] == TRAIN_COMMAND
    assert {p.split("::")[1] for p in TRAIN_COMMAND if p.startswith("Ref::")} == set(job["Parameters"])
    assert container["JobRoleArn"] == {"Fn::GetAtt": ["JobRole", "Arn"]}
    assert container["Image"] == {"Fn::Sub": "${Repository.RepositoryUri}:${TrainingImageTag}"}
    assert {"Type": "GPU", "Value": "1"} in container["ResourceRequirements"]
    environment = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert environment["ALBUMML_STORE_URL"] == {"Fn::Sub": "s3://${StoreBucket}/${StorePrefix}"}
    assert environment["ALBUMML_MLFLOW_TRACKING_URI"] == {"Ref": "MlflowTrackingUri"}

    repository = resources["Repository"]["Properties"]
    assert repository["ImageTagMutability"] == "IMMUTABLE"
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert json.loads(repository["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]


# ---------------------------------------------------------------- the stack in moto's CloudFormation


def test_stack_creates_every_modelled_resource(moto_endpoint, template, stack_name, stack):
    """Not modelled by moto (so checked above, off the template, instead): the bucket policy (skipped), the
    bucket's public access block, versioning, lifecycle and ownership controls, ECR scan-on-push and lifecycle
    policy, the job definition's Timeout, managed policy attachments, RDS ManageMasterUserPassword (no secret)
    and DeletionProtection, the instance's VPCSecurityGroups (moto reads another key and gives it the VPC's
    default group), every DeletionPolicy, and the MLflow credentials secret (its output and the job definition's
    reference to it stay unresolved; tests/compute/test_batch_secrets.py makes the secret through the API)."""
    assert set(stack) == OUTPUTS - OUTPUTS_OF_SKIPPED
    cloudformation = client(moto_endpoint, "cloudformation")
    listed = cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    created = {r["LogicalResourceId"]: r for r in listed if "LogicalResourceId" in r}
    expected = {n for n, body in template["Resources"].items() if body["Type"] not in NOT_MODELLED_BY_MOTO}
    assert expected <= set(created), expected - set(created)
    assert {n: created[n]["ResourceStatus"] for n in expected} == dict.fromkeys(expected, "CREATE_COMPLETE")


def test_stack_store_bucket_and_job_role(moto_endpoint, stack):
    s3, iam = client(moto_endpoint, "s3"), client(moto_endpoint, "iam")
    bucket = stack["BucketName"]
    assert stack["StoreUrl"] == f"s3://{bucket}/albumml"
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert encryption[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.put_object(Bucket=bucket, Key="albumml/probe.txt", Body=b"ok")
    assert s3.get_object(Bucket=bucket, Key="albumml/probe.txt")["Body"].read() == b"ok"

    role_name = stack["JobRoleArn"].rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["Arn"] == stack["JobRoleArn"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "ecs-tasks.amazonaws.com"}
    ]
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = policy_document(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    resources = {r for s in document["Statement"] for r in as_list(s["Resource"])}
    assert resources == {f"arn:aws:s3:::{bucket}/albumml/*", f"arn:aws:s3:::{bucket}"}
    listing = next(s for s in document["Statement"] if s["Action"] == "s3:ListBucket")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "albumml/*"}}


def test_stack_batch_queue_and_job_definition(moto_endpoint, stack):
    batch, iam = client(moto_endpoint, "batch"), client(moto_endpoint, "iam")
    (compute,) = batch.describe_compute_environments(computeEnvironments=[stack["ComputeEnvironmentArn"]])[
        "computeEnvironments"
    ]
    assert (compute["type"], compute["state"], compute["status"]) == ("MANAGED", "ENABLED", "VALID")
    resources = compute["computeResources"]
    assert resources["type"] == "SPOT" and resources["allocationStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    assert resources["minvCpus"] == 0 and resources["instanceTypes"][0] == "g6.xlarge"
    assert resources["ec2Configuration"] == [{"imageType": "ECS_AL2023_NVIDIA"}]
    assert len(resources["subnets"]) == 2
    iam.get_role(RoleName=compute["serviceRole"].rsplit("/", 1)[1])
    profile = iam.get_instance_profile(InstanceProfileName=resources["instanceRole"].rsplit("/", 1)[1])
    assert len(profile["InstanceProfile"]["Roles"]) == 1

    (queue,) = batch.describe_job_queues(jobQueues=[stack["JobQueueArn"]])["jobQueues"]
    assert (queue["state"], queue["status"]) == ("ENABLED", "VALID")
    assert queue["computeEnvironmentOrder"] == [{"order": 1, "computeEnvironment": stack["ComputeEnvironmentArn"]}]

    (definition,) = batch.describe_job_definitions(jobDefinitions=[stack["JobDefinitionArn"]])["jobDefinitions"]
    container = definition["containerProperties"]
    assert container["command"] == TRAIN_COMMAND
    assert container["image"] == stack["TrainingImage"] == f"{stack['RepositoryUri']}:{IMAGE_TAG}"
    assert container["jobRoleArn"] == stack["JobRoleArn"]
    iam.get_role(RoleName=container["executionRoleArn"].rsplit("/", 1)[1])
    assert {"type": "GPU", "value": "1"} in container["resourceRequirements"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["ALBUMML_STORE_URL"] == stack["StoreUrl"]
    assert environment["ALBUMML_MLFLOW_TRACKING_URI"] == MLFLOW_URI
    retry = definition["retryStrategy"]
    assert retry["attempts"] == 3
    assert [(r.get("onStatusReason") or r.get("onReason"), r["action"].upper()) for r in retry["evaluateOnExit"]] == [
        (SPOT_RECLAIM_REASON, "RETRY"),
        ("*", "EXIT"),
    ]
    assert set(definition["parameters"]) == {"snapshot", "model", "backbone", "epochs"}

    submitted = batch.submit_job(
        jobName="probe",
        jobQueue=stack["JobQueueArn"],
        jobDefinition=stack["JobDefinitionArn"],
        parameters={"snapshot": "s-probe"},
    )
    (job,) = batch.describe_jobs(jobs=[submitted["jobId"]])["jobs"]
    assert job["parameters"] == {"snapshot": "s-probe", "model": "1", "backbone": "vgg16", "epochs": "40"}


def test_stack_repository_and_database(moto_endpoint, stack_name, stack):
    ecr, rds, ec2 = client(moto_endpoint, "ecr"), client(moto_endpoint, "rds"), client(moto_endpoint, "ec2")
    repository_name = stack["RepositoryUri"].split("/", 1)[1]
    (repository,) = ecr.describe_repositories(repositoryNames=[repository_name])["repositories"]
    assert repository["repositoryUri"] == stack["RepositoryUri"]
    assert repository["imageTagMutability"] == "IMMUTABLE"

    (database,) = rds.describe_db_instances(DBInstanceIdentifier=stack["DatabaseInstanceId"])["DBInstances"]
    assert database["Engine"] == "postgres" and database["DBName"] == stack["DatabaseName"] == "albumml"
    assert database["StorageEncrypted"] is True and database["PubliclyAccessible"] is False
    assert database["Endpoint"] == {"Address": stack["DatabaseEndpoint"], "Port": int(stack["DatabasePort"])}
    assert int(stack["DatabasePort"]) == 5432
    assert len(database["DBSubnetGroup"]["Subnets"]) == 2
    cloudformation = client(moto_endpoint, "cloudformation")
    (group_id,) = [
        r["PhysicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
        if r.get("LogicalResourceId") == "DatabaseSecurityGroup"
    ]
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    (rule,) = group["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)
    assert rule["IpRanges"] == [] and [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [
        stack["DatabaseClientSecurityGroupId"]
    ]


# ---------------------------------------------------------------- MLflow credentials through Secrets Manager


def test_mlflow_credentials_live_in_secrets_manager_never_in_plain_text(template):
    """The job definition reads the credentials through `Secrets`; no parameter, environment value or output
    carries a password, and the tracking URI parameter refuses one."""
    (secret_name,) = resources_of(template, "AWS::SecretsManager::Secret")
    generated = template["Resources"][secret_name]["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password" and "username" in generated["SecretStringTemplate"]["Fn::Sub"]
    container = template["Resources"]["TrainJobDefinition"]["Properties"]["ContainerProperties"]
    assert container["Secrets"] == [
        {"Name": "ALBUMML_MLFLOW_USERNAME", "ValueFrom": {"Fn::Sub": f"${{{secret_name}}}:username::"}},
        {"Name": "ALBUMML_MLFLOW_PASSWORD", "ValueFrom": {"Fn::Sub": f"${{{secret_name}}}:password::"}},
    ]
    assert not [e for e in container["Environment"] if "PASSWORD" in e["Name"] or "USERNAME" in e["Name"]]
    assert not [name for name in template["Parameters"] if "password" in name.lower()]
    assert template["Outputs"]["MlflowCredentialsSecretArn"]["Value"] == {"Ref": secret_name}


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("https://mlflow.internal.example.com", True),
        ("http://10.0.0.5:5000/mlflow", True),
        ("databricks", False),
        ("databricks://profile", True),
        ("https://user:SECRET@mlflow.internal.example.com", False),
        ("https://mlflow.internal.example.com/?token=SECRET", False),
        ("https://mlflow.internal.example.com/#access_token=SECRET", False),
    ],
)
def test_tracking_uri_parameter_refuses_credentials(template, uri, allowed):
    pattern = template["Parameters"]["MlflowTrackingUri"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, uri)) is allowed
