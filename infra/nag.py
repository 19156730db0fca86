"""cdk-nag helpers: one place that says how a rule is acknowledged, each acknowledgment with its reason."""

from collections.abc import Mapping

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge cdk-nag findings on `scope` and everything below it.

    cdk-nag 3 matches findings one by one: a rule with several findings (IAM5) needs its finding id,
    e.g. ``AwsSolutions-IAM5[Resource::*]``; the bare rule id does not cover them.
    """
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
    )


def cfn_resource(construct: IConstruct) -> CfnResource:
    """The construct's own CloudFormation resource (not its children)."""
    resource = construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource of its own")
    return resource


def pin_logical_id(construct: IConstruct, logical_id: str) -> None:
    """Give a contract resource the logical id docs/architecture.md names: the template reads like it."""
    cfn_resource(construct).override_logical_id(logical_id)
