"""Creates the template's resources in moto, one creator per resource type.

Each creator takes the resolved properties and returns (Ref value, GetAtt attributes). Types with no local
counterpart (IAM, logs, alarms, CloudFront, the bucket-deployment custom resource...) get placeholder ids and
are listed once at start-up, so it is visible what the local stack leaves out.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import boto3

from infra.local.template import ACCOUNT_ID, REGION, STACK_NAME, Resolver, SynthesizedStack

Physical = tuple[str, dict[str, str]]

# Handled elsewhere (functions, routes, mappings) or not needed to run the stack on one machine.
NOT_CREATED = {
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::Lambda::Permission",
    "AWS::Lambda::LayerVersion",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::Distribution",
    "Custom::CDKBucketDeployment",
    "AWS::CDK::Metadata",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::Backup::BackupVault",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
    "AWS::SNS::Subscription",
    "AWS::CloudWatch::Dashboard",
    # SES events reach EventBridge in AWS; locally a test puts the event SES would send on EmailFeedbackQueue.
    "AWS::SES::ConfigurationSetEventDestination",
    "AWS::Events::Rule",
}


TWILIO_SECRET_ID = "TwilioCredentials"  # noqa: S105 - not a secret: the Twilio secret's pinned logical id (infra/stack.py)
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def generated_secret_string(properties: dict[str, Any]) -> str:
    """What Secrets Manager puts in a secret created with `GenerateSecretString`: a random password of
    `PasswordLength` (default 32) from the allowed characters, alone or as `GenerateStringKey` of the JSON
    `SecretStringTemplate`; an empty string when the template generates nothing."""
    generate = properties.get("GenerateSecretString")
    if generate is None:
        return str(properties.get("SecretString", ""))
    alphabet = "".join(
        chars
        for chars, excluded in (
            ("abcdefghijklmnopqrstuvwxyz", generate.get("ExcludeLowercase")),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", generate.get("ExcludeUppercase")),
            ("0123456789", generate.get("ExcludeNumbers")),
            (_PUNCTUATION, generate.get("ExcludePunctuation")),
            (" ", not generate.get("IncludeSpace")),
        )
        if not excluded
    )
    alphabet = "".join(c for c in alphabet if c not in generate.get("ExcludeCharacters", ""))
    password = "".join(secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32))))
    if "SecretStringTemplate" not in generate:
        return password
    shape = json.loads(generate["SecretStringTemplate"])
    shape[generate["GenerateStringKey"]] = password
    return json.dumps(shape)


def _name(logical_id: str, suffix: str = "") -> str:
    return f"{STACK_NAME}-{logical_id}{suffix}"


class ResourceFactory:
    """Creates resources on first use; `physical()` is the Resolver's callback."""

    def __init__(
        self,
        stack: SynthesizedStack,
        endpoint_url: str,
        api_url: str,
        parameters: dict[str, str],
        secrets_values: dict[str, dict[str, str]],
        visibility_timeout_s: int | None = None,
    ):
        self.stack = stack
        self.visibility_timeout_s = visibility_timeout_s
        self.endpoint_url = endpoint_url
        self.api_url = api_url
        self.secret_values = secrets_values
        self.created: dict[str, Physical] = {}
        self.skipped: dict[str, str] = {}
        self.resolver = Resolver(stack, self.physical, parameters)
        self._creators: dict[str, Callable[[str, dict[str, Any]], Physical]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::S3::Bucket": self._bucket,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::SES::ConfigurationSet": self._configuration_set,
        }

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)

    def create_all(self) -> None:
        for logical_id in self.stack.resources:
            self.physical(logical_id)

    def physical(self, logical_id: str) -> Physical:
        if logical_id in self.created:
            return self.created[logical_id]
        resource = self.stack.resources[logical_id]
        resource_type = resource["Type"]
        creator = self._creators.get(resource_type)
        if creator is None:
            result = self._placeholder(logical_id, resource_type)
            if resource_type not in NOT_CREATED and not resource_type.startswith("Custom::"):
                self.skipped[logical_id] = resource_type
        else:
            properties = self.resolver.resolve(resource.get("Properties", {}))
            result = creator(logical_id, properties)
        self.created[logical_id] = result
        return result

    def _placeholder(self, logical_id: str, resource_type: str) -> Physical:
        arn_service = resource_type.split("::")[1].lower() if "::" in resource_type else "custom"
        arn = f"arn:aws:{arn_service}:{REGION}:{ACCOUNT_ID}:{logical_id}"
        attributes = {"Arn": arn}
        if resource_type == "AWS::Lambda::Function":
            name = _name(logical_id)
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
            return name, {"Arn": arn}
        if resource_type == "AWS::ApiGatewayV2::Api":
            return "local", {"ApiEndpoint": self.api_url, "ApiId": "local"}
        if resource_type == "AWS::CloudFront::Distribution":
            return logical_id, {"DomainName": self.api_url.split("://", 1)[1], "Id": logical_id}
        return logical_id, attributes

    # --- creators -------------------------------------------------------------------------------

    def _table(self, logical_id: str, p: dict[str, Any]) -> Physical:
        name = p.get("TableName") or _name(logical_id)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": p["KeySchema"],
            "AttributeDefinitions": p["AttributeDefinitions"],
            "BillingMode": p.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if p.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
        if p.get("LocalSecondaryIndexes"):
            kwargs["LocalSecondaryIndexes"] = p["LocalSecondaryIndexes"]
        if p.get("StreamSpecification"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
        if kwargs["BillingMode"] == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = p["ProvisionedThroughput"]
        description = self.client("dynamodb").create_table(**kwargs)["TableDescription"]
        if p.get("TimeToLiveSpecification", {}).get("Enabled"):
            self.client("dynamodb").update_time_to_live(
                TableName=name, TimeToLiveSpecification=p["TimeToLiveSpecification"]
            )
        return name, {"Arn": description["TableArn"], "StreamArn": description.get("LatestStreamArn", "")}

    def _queue(self, logical_id: str, p: dict[str, Any]) -> Physical:
        fifo = bool(p.get("FifoQueue"))
        name = p.get("QueueName") or _name(logical_id, ".fifo" if fifo else "")
        attributes: dict[str, str] = {}
        if self.visibility_timeout_s is not None and "VisibilityTimeout" in p:
            # Time acceleration for tests: a failed record comes back in seconds, not minutes.
            p = {**p, "VisibilityTimeout": self.visibility_timeout_s}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
            "MaximumMessageSize",
        ):
            if key in p:
                attributes[key] = str(p[key])
        if fifo:
            attributes["FifoQueue"] = "true"
            attributes["ContentBasedDeduplication"] = str(bool(p.get("ContentBasedDeduplication"))).lower()
        if "RedrivePolicy" in p:
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}

    def _bucket(self, logical_id: str, p: dict[str, Any]) -> Physical:
        name = (p.get("BucketName") or _name(logical_id)).lower()
        self.client("s3").create_bucket(Bucket=name)
        cors = p.get("CorsConfiguration")
        if isinstance(cors, dict) and cors.get("CorsRules"):
            # The web chat's photo upload: browsers POST to the bucket from the allowed origins. moto's server
            # answers preflights and adds Access-Control-Allow-Origin from this configuration.
            # CloudFormation's CorsRule names differ from the S3 API's in two fields.
            names = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
            rules = [{names.get(k, k): v for k, v in rule.items()} for rule in cors["CorsRules"]]
            self.client("s3").put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        return name, {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{REGION}.amazonaws.com",
        }

    def _secret(self, logical_id: str, p: dict[str, Any]) -> Physical:
        # A secret the agency fills after deploy (the Twilio credentials) gets the demo value it is given;
        # every other one holds what Secrets Manager would generate from the template, its own kind of value.
        given = self.secret_values.get(logical_id)
        value = json.dumps(given) if given is not None else generated_secret_string(p)
        arn = self.client("secretsmanager").create_secret(
            Name=p.get("Name") or _name(logical_id), SecretString=value
        )["ARN"]
        return arn, {"Id": arn}

    def _email_identity(self, logical_id: str, p: dict[str, Any]) -> Physical:
        # moto counts an identity as verified once created: alert emails from it are accepted.
        self.client("sesv2").create_email_identity(EmailIdentity=p["EmailIdentity"])
        return str(p["EmailIdentity"]), {}

    def _configuration_set(self, logical_id: str, p: dict[str, Any]) -> Physical:
        name = p.get("Name") or _name(logical_id)
        self.client("sesv2").create_configuration_set(ConfigurationSetName=name)
        return name, {}

    def _user_pool(self, logical_id: str, p: dict[str, Any]) -> Physical:
        kwargs = {
            k: v
            for k, v in p.items()
            if k
            in {
                "Policies",
                "AutoVerifiedAttributes",
                "UsernameAttributes",
                "AliasAttributes",
                "MfaConfiguration",
                "AdminCreateUserConfig",
                "AccountRecoverySetting",
                "UsernameConfiguration",
            }
        }
        pool = self.client("cognito-idp").create_user_pool(
            PoolName=p.get("UserPoolName") or _name(logical_id), **kwargs
        )["UserPool"]
        return pool["Id"], {
            "Arn": pool["Arn"],
            "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
            "ProviderURL": f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
            "UserPoolId": pool["Id"],
        }

    def _user_pool_client(self, logical_id: str, p: dict[str, Any]) -> Physical:
        kwargs = {
            k: v
            for k, v in p.items()
            if k
            in {
                "ExplicitAuthFlows",
                "GenerateSecret",
                "AccessTokenValidity",
                "IdTokenValidity",
                "RefreshTokenValidity",
                "TokenValidityUnits",
                "PreventUserExistenceErrors",
            }
        }
        client = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=p["UserPoolId"], ClientName=p.get("ClientName") or logical_id, **kwargs
        )["UserPoolClient"]
        return client["ClientId"], {"ClientSecret": client.get("ClientSecret", "")}

    def _user_pool_group(self, logical_id: str, p: dict[str, Any]) -> Physical:
        self.client("cognito-idp").create_group(
            UserPoolId=p["UserPoolId"], GroupName=p["GroupName"], Precedence=int(p.get("Precedence", 0))
        )
        return p["GroupName"], {}

    def _state_machine(self, logical_id: str, p: dict[str, Any]) -> Physical:
        definition = p.get("DefinitionString") or json.dumps(p.get("Definition", {}))
        if isinstance(definition, dict):
            definition = json.dumps(definition)
        name = p.get("StateMachineName") or _name(logical_id)
        arn = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            # IAM is not created locally (roles resolve to placeholders), and moto checks the ARN's shape.
            roleArn=role
            if re.match(r"^arn:aws:iam::\d{12}:role/", role := str(p.get("RoleArn", "")))
            else f"arn:aws:iam::{ACCOUNT_ID}:role/local",
            type=p.get("StateMachineType", "STANDARD"),
        )["stateMachineArn"]
        return arn, {"Arn": arn, "Name": name}

    def _schedule_group(self, logical_id: str, p: dict[str, Any]) -> Physical:
        name = p.get("Name") or _name(logical_id)
        arn = self.client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        return name, {"Arn": arn}

    def _schedule(self, logical_id: str, p: dict[str, Any]) -> Physical:
        name = p.get("Name") or _name(logical_id)
        kwargs = {
            k: v
            for k, v in p.items()
            if k
            in {
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "FlexibleTimeWindow",
                "Target",
                "GroupName",
                "State",
                "Description",
                "StartDate",
                "EndDate",
            }
        }
        arn = self.client("scheduler").create_schedule(Name=name, **kwargs)["ScheduleArn"]
        return name, {"Arn": arn}
