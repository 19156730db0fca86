"""The stack's customer-managed key for operational data: every CloudWatch log group and the alarm topic.

Log lines hold ids, hashes and error types, never a body or an address, but an agency's security review still
asks that they be encrypted with a key it controls (NIST 800-53 r5 SC-28), and CloudWatch must be able to use
that key to publish alarms to an encrypted topic. One key ($1/month), rotated yearly.
"""

import jsii
from aws_cdk import Aspects, IAspect, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct


@jsii.implements(IAspect)
class EncryptLogGroups:
    """Every log group in the stack, the ones added later included, is encrypted with `key`."""

    def __init__(self, key: kms.IKey) -> None:
        self.key = key

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, logs.CfnLogGroup) and node.kms_key_id is None:
            node.kms_key_id = self.key.key_arn


class OperationsKey(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description="Switchboard operational data: CloudWatch log groups and the alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,  # old log events stay readable after a stack deletion
        )
        # CloudWatch Logs uses the key only for this account's log groups in this region.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )
        # An alarm's action publishes to the encrypted topic as CloudWatch, which needs the data key.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToTheEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        Aspects.of(stack).add(EncryptLogGroups(self.key))
