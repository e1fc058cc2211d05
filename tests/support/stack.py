"""Create the production CloudFormation stack (`infra/albumml.yaml`) on a moto server, for tests that need its
Batch queue, job definition, bucket and roles exactly as the template makes them."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "albumml.yaml"
REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
MLFLOW_URI = "http://mlflow.albumml.internal:5000"
IMAGE_TAG = "test-0.1.0"


def load_template() -> dict[str, Any]:
    """The template as plain JSON-like data, short tags (!Ref, !Sub, !GetAtt) read as their long forms."""
    template, errors = decode(str(TEMPLATE))
    if errors or template is None:
        raise ValueError(f"{TEMPLATE} does not parse: {[str(error) for error in errors]}")
    return json.loads(json.dumps(template))


def client(endpoint: str, service: str) -> Any:
    """A boto3 client of `service` on the moto server at `endpoint`, with moto's fake credentials."""
    return boto3.client(service, endpoint_url=endpoint, **FAKE_CREDENTIALS)


def batch_without_docker(endpoint: str) -> None:
    """Tell moto's Batch to run jobs without a Docker engine (there is none), before any Batch call."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps({"batch": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def network(endpoint: str) -> tuple[str, list[str]]:
    """A fresh VPC with two private subnets in two availability zones: the stack's VpcId and SubnetIds."""
    ec2 = client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in enumerate("ab", start=1)
    ]
    return vpc, subnets


def stack_parameters(vpc: str, subnets: list[str], name: str) -> list[dict[str, str]]:
    """The parameters a deployment passes; everything else keeps the template's defaults.

    GpuInstanceTypes is passed with its own default: moto does not split a list parameter's default at commas.
    """
    values = {
        "GpuInstanceTypes": load_template()["Parameters"]["GpuInstanceTypes"]["Default"],
        "VpcId": vpc,
        "SubnetIds": ",".join(subnets),
        "RepositoryName": f"{name}-training",
        "TrainingImageTag": IMAGE_TAG,
        "MlflowTrackingUri": MLFLOW_URI,
    }
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def wait_for_stack(cloudformation: Any, name: str, timeout_s: float = 60) -> dict[str, Any]:
    """Poll the stack until it leaves *_IN_PROGRESS; return it, or raise with its failed events."""
    deadline = time.monotonic() + timeout_s
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {name} still {stack['StackStatus']} after {timeout_s:.0f}s")
        time.sleep(0.2)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in events
            if "FAILED" in e["ResourceStatus"]
        ]
        raise RuntimeError(f"stack {name} ended {stack['StackStatus']}: {stack.get('StackStatusReason')}; {failed}")
    return stack


def create_stack(endpoint: str, name: str) -> dict[str, str]:
    """Create the template's stack called `name` (lowercase, unique) on the moto server; return its Outputs."""
    batch_without_docker(endpoint)
    vpc, subnets = network(endpoint)
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=stack_parameters(vpc, subnets, name),
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = wait_for_stack(cloudformation, name)
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
