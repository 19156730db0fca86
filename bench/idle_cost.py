"""What the synthesized stack costs a month with zero traffic: every resource that bills while idle, priced.

`idle_costs(template, prices)` walks a CloudFormation template (pure, tested with hand-made templates).
Resource types known to cost nothing while idle are listed in FREE_WHEN_IDLE; any other type comes back in
`unpriced_types`, so a new kind of resource cannot slip into the stack without someone pricing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.cost_model import PriceBook

# Types that bill only per request, per GB stored or per user, all zero with no traffic and no data.
FREE_WHEN_IDLE_PREFIXES = (
    "AWS::IAM::",
    "AWS::Cognito::",
    "AWS::ApiGatewayV2::",
    "AWS::CloudFront::",
    "Custom::",
)
FREE_WHEN_IDLE = {
    "AWS::CDK::Metadata",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::Url",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::StepFunctions::StateMachine",
    "AWS::Scheduler::Schedule",
    "AWS::Scheduler::ScheduleGroup",
    "AWS::Events::Rule",
    "AWS::Events::EventBus",
    "AWS::KMS::Alias",
    "AWS::SecretsManager::ResourcePolicy",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::WAFv2::IPSet",
    "AWS::WAFv2::RuleGroup",  # billed as one rule of the web ACL that uses it
    "AWS::WAFv2::LoggingConfiguration",  # billed as the log group's ingestion
    # AWS Backup bills the GBs it keeps (the table's size x copies), nothing for the plan itself
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
}


@dataclass(frozen=True)
class IdleLine:
    logical_id: str
    resource_type: str
    usd_month: float
    basis: str
    estimate: bool = False
    waf: bool = False


@dataclass(frozen=True)
class IdleReport:
    lines: list[IdleLine]
    unpriced_types: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(line.usd_month for line in self.lines)

    @property
    def total_without_waf(self) -> float:
        return sum(line.usd_month for line in self.lines if not line.waf)

    @property
    def waf(self) -> float:
        return sum(line.usd_month for line in self.lines if line.waf)


def _is_free(resource_type: str, properties: Mapping[str, Any]) -> bool:
    if resource_type == "AWS::DynamoDB::Table":
        return properties.get("BillingMode") == "PAY_PER_REQUEST"  # PROVISIONED (the default) bills hourly
    if resource_type == "AWS::EC2::VPCEndpoint":
        return properties.get("VpcEndpointType", "Gateway") == "Gateway"  # S3/DynamoDB gateways are free
    return resource_type in FREE_WHEN_IDLE or resource_type.startswith(FREE_WHEN_IDLE_PREFIXES)


def _alarm(properties: Mapping[str, Any], prices: PriceBook) -> tuple[float, str]:
    metrics = properties.get("Metrics") or []
    if properties.get("ThresholdMetricId"):
        return 3 * prices.usd("cloudwatch_alarm_standard_month"), "anomaly detection alarm (3 metrics)"
    periods = [properties.get("Period", 60)] + [
        m.get("MetricStat", {}).get("Period", 60) for m in metrics if isinstance(m, Mapping)
    ]
    high_res = any(isinstance(p, int) and p < 60 for p in periods)
    key = "cloudwatch_alarm_high_resolution_month" if high_res else "cloudwatch_alarm_standard_month"
    # A metric-math alarm bills each metric it reads.
    count = max(1, sum(1 for m in metrics if isinstance(m, Mapping) and "MetricStat" in m))
    kind = "high-resolution" if high_res else "standard"
    return count * prices.usd(key), f"{kind} alarm" + (f", {count} metrics" if count > 1 else "")


def _queue_is_fifo(template: Mapping[str, Any], source_arn: Any) -> bool:
    if isinstance(source_arn, Mapping) and "Fn::GetAtt" in source_arn:
        queue = template.get("Resources", {}).get(source_arn["Fn::GetAtt"][0], {})
        return bool(queue.get("Properties", {}).get("FifoQueue"))
    return isinstance(source_arn, str) and source_arn.endswith(".fifo")


def _is_sqs_source(template: Mapping[str, Any], source_arn: Any) -> bool:
    if isinstance(source_arn, Mapping) and "Fn::GetAtt" in source_arn:
        queue = template.get("Resources", {}).get(source_arn["Fn::GetAtt"][0], {})
        return queue.get("Type") == "AWS::SQS::Queue"
    return isinstance(source_arn, str) and ":sqs:" in source_arn


def _sqs_polling(
    logical_id: str, template: Mapping[str, Any], properties: Mapping[str, Any], prices: PriceBook
) -> IdleLine | None:
    if not _is_sqs_source(template, properties.get("EventSourceArn")):
        return None
    pollers = float(prices.assumptions["idle_sqs_pollers_per_event_source_mapping"])
    wait = float(prices.assumptions["idle_sqs_long_poll_seconds"])
    seconds = float(prices.assumptions["hours_per_month"]) * 3600
    requests = pollers * seconds / wait
    fifo = _queue_is_fifo(template, properties.get("EventSourceArn"))
    key = "sqs_fifo_request" if fifo else "sqs_standard_request"
    return IdleLine(
        logical_id,
        "AWS::Lambda::EventSourceMapping",
        prices.cost(key, requests),
        f"~{requests / 1e6:.2f}M empty ReceiveMessage/month ({pollers:g} pollers x {wait:g} s long polls)",
        estimate=True,
    )


def _priced_line(
    logical_id: str,
    resource_type: str,
    properties: Mapping[str, Any],
    template: Mapping[str, Any],
    prices: PriceBook,
) -> IdleLine | None:
    hours = float(prices.assumptions["hours_per_month"])
    if resource_type == "AWS::SecretsManager::Secret":
        return IdleLine(logical_id, resource_type, prices.usd("secretsmanager_secret_month"), "secret")
    if resource_type == "AWS::CloudWatch::Alarm":
        usd, basis = _alarm(properties, prices)
        return IdleLine(logical_id, resource_type, usd, basis)
    if resource_type == "AWS::CloudWatch::CompositeAlarm":
        return IdleLine(
            logical_id, resource_type, prices.usd("cloudwatch_alarm_composite_month"), "composite"
        )
    if resource_type == "AWS::CloudWatch::Dashboard":
        return IdleLine(logical_id, resource_type, prices.usd("cloudwatch_dashboard_month"), "dashboard")
    if resource_type in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
        basis = "customer managed key"
        if properties.get("EnableKeyRotation"):
            basis += " (rotation on: +$1/month after each of the first two yearly rotations)"
        return IdleLine(logical_id, resource_type, prices.usd("kms_key_month"), basis)
    if resource_type == "AWS::WAFv2::WebACL":
        rules = len(properties.get("Rules") or [])
        usd = prices.usd("waf_web_acl_month") + rules * prices.usd("waf_rule_month")
        return IdleLine(logical_id, resource_type, usd, f"web ACL + {rules} rules", waf=True)
    if resource_type == "AWS::Route53::HostedZone":
        return IdleLine(logical_id, resource_type, prices.usd("route53_hosted_zone_month"), "hosted zone")
    if resource_type == "AWS::EC2::NatGateway":
        return IdleLine(
            logical_id, resource_type, hours * prices.usd("nat_gateway_hour"), "NAT gateway hours"
        )
    if resource_type == "AWS::EC2::EIP":
        return IdleLine(
            logical_id, resource_type, hours * prices.usd("public_ipv4_hour"), "public IPv4 hours"
        )
    if resource_type == "AWS::EC2::VPCEndpoint" and properties.get("VpcEndpointType") == "Interface":
        zones = max(1, len(properties.get("SubnetIds") or []))
        usd = hours * zones * prices.usd("vpc_interface_endpoint_hour")
        return IdleLine(logical_id, resource_type, usd, f"interface endpoint in {zones} AZ")
    if resource_type == "AWS::Lambda::EventSourceMapping":
        return _sqs_polling(logical_id, template, properties, prices)
    return None


def idle_costs(template: Mapping[str, Any], prices: PriceBook) -> IdleReport:
    lines: list[IdleLine] = []
    unpriced: dict[str, list[str]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource.get("Type", "")
        properties = resource.get("Properties") or {}
        line = _priced_line(logical_id, resource_type, properties, template, prices)
        if line is not None:
            lines.append(line)
        elif not _is_free(resource_type, properties):
            unpriced.setdefault(resource_type, []).append(logical_id)
    return IdleReport(lines=lines, unpriced_types=unpriced)


def summarize(report: IdleReport) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    for line in report.lines:
        slot = by_kind.setdefault(
            line.resource_type, {"count": 0, "usd_month": 0.0, "estimate": line.estimate}
        )
        slot["count"] += 1
        slot["usd_month"] = round(slot["usd_month"] + line.usd_month, 4)
    return {
        "usd_month_total": round(report.total, 2),
        "usd_month_without_waf": round(report.total_without_waf, 2),
        "usd_month_waf": round(report.waf, 2),
        "by_type": by_kind,
        "lines": [line.__dict__ for line in report.lines],
        "unpriced_types": report.unpriced_types,
    }


def modelled_waf(prices: PriceBook, rules: int = 4) -> float:
    """A typical web ACL for this stack: AWS common rules, known bad inputs, IP reputation, one rate rule."""
    return prices.usd("waf_web_acl_month") + rules * prices.usd("waf_rule_month")


def run(template: Mapping[str, Any], prices: PriceBook) -> dict[str, Any]:
    report = idle_costs(template, prices)
    result = {"status": "ok", **summarize(report)}
    if report.waf:
        result["waf_adds"] = {"usd_month": round(report.waf, 2), "basis": "web ACLs in the template"}
    else:
        result["waf_adds"] = {
            "usd_month": round(modelled_waf(prices), 2),
            "usd_per_million_requests": round(prices.usd("waf_request") * 1_000_000, 2),
            "basis": "not in the template; modelled: 1 web ACL + 4 rules (AWS common, known bad inputs, "
            "IP reputation, rate limit)",
        }
    return result
