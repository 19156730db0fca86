"""Alerts by voice call and email (issue 22): the verified SES sender identity and the configuration set whose
bounce, complaint and delivery events go through EventBridge to EmailFeedbackQueue; the functions of the two
public routes (the one-click unsubscribe `/u/{token}`, the voice alert's repeat key `/twilio/alert-calls/
{alert_id}`) and of the SES events; and the sender's right to send email, from that identity only.

SES events go to EventBridge rather than an SNS topic: no topic key to share with SES, and the rule's target
is an ordinary queue with a DLQ and alarms like every other consumer's (docs/decisions.md, "Alerts by voice
call and email").
"""

from __future__ import annotations

from aws_cdk import Arn, ArnComponents, ArnFormat, CfnParameter, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from infra.api import add_public_route
from infra.lambdas import FunctionKit, contract_function
from infra.nag import pin_logical_id

UNSUBSCRIBE_PATH = "/u/{token}"
ALERT_CALL_PATH = "/twilio/alert-calls/{alert_id}"
FEEDBACK_TIMEOUT = Duration.seconds(30)
SES_EVENTS = ("Email Bounced", "Email Complaint Received", "Email Delivered")


def alert_rate_parameter(
    scope: Construct, name: str, *, default: int, max_value: int, description: str
) -> CfnParameter:
    """A deploy parameter (on the stack) for how many alerts of one channel go out per second across all
    senders; the context key of the same name (first letter lower-case) changes its default."""
    return CfnParameter(
        Stack.of(scope),
        name,
        type="Number",
        default=int(scope.node.try_get_context(name[0].lower() + name[1:]) or default),
        min_value=1,
        max_value=max_value,
        description=description,
    )


class AlertEmailPieces(Construct):
    """The sender identity (an address the agency verifies: SES mails it a link at deploy) and the
    configuration set every alert email is sent in; the rates of the two new channels."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.sender = CfnParameter(
            stack,
            "AlertEmailSender",
            type="String",
            default=str(self.node.try_get_context("alertEmailSender") or "alerts@example.gov"),
            allowed_pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            description="The address email alerts come from. SES sends it a verification link at deploy; "
            "until it is verified (and the account is out of the SES sandbox) email alerts are refused and "
            "counted as failed.",
        )
        self.call_rate = alert_rate_parameter(
            self,
            "AlertCallRate",
            default=1,
            max_value=100,
            description="Voice alert calls placed per second across all senders (the Twilio account's CPS).",
        )
        self.email_rate = alert_rate_parameter(
            self,
            "AlertEmailRate",
            default=10,
            max_value=1000,
            description="Email alerts per second across all senders (the SES account's sending rate).",
        )
        self.identity = ses.EmailIdentity(
            self, "Identity", identity=ses.Identity.email(self.sender.value_as_string)
        )
        pin_logical_id(self.identity, "AlertEmailIdentity")
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        pin_logical_id(self.configuration_set, "AlertEmailConfigurationSet")
        self.configuration_set.add_event_destination(
            "ToEventBridge",
            destination=ses.EventDestination.event_bus(
                events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
            ),
            events=[
                ses.EmailSendingEvent.BOUNCE,
                ses.EmailSendingEvent.COMPLAINT,
                ses.EmailSendingEvent.DELIVERY,
            ],
        )

    def environment(self) -> dict[str, str]:
        return {
            "ALERT_EMAIL_SENDER": self.sender.value_as_string,
            "ALERT_EMAIL_CONFIGURATION_SET": self.configuration_set.configuration_set_name,
            "ALERT_CALL_RATE": self.call_rate.value_as_string,
            "ALERT_EMAIL_RATE": self.email_rate.value_as_string,
        }

    def grant_send(self, function: lambda_.IFunction) -> None:
        """ses:SendEmail from the alerts' identity, in their configuration set: nothing else."""
        stack = Stack.of(self)

        def ses_arn(resource: str, name: str) -> str:
            return Arn.format(
                ArnComponents(
                    service="ses",
                    resource=resource,
                    resource_name=name,
                    arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                ),
                stack,
            )

        resources = [
            ses_arn("identity", self.identity.email_identity_name),
            ses_arn("configuration-set", self.configuration_set.configuration_set_name),
        ]
        function.add_to_role_policy(iam.PolicyStatement(actions=["ses:SendEmail"], resources=resources))


def grant_consent_changes(function: lambda_.IFunction, table: dynamodb.ITable) -> None:
    """An email opt-out: read the token or the sent email's item and the resident's consent state, write the
    ledger entry, the state and the subscriber items in one transaction (items, and the ledger's query)."""
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=[
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ],
            resources=[table.table_arn],
        )
    )


class AlertChannelsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        table: dynamodb.ITable,
        twilio_secret: secretsmanager.ISecret,
        email: AlertEmailPieces,
        sender_fn: lambda_.IFunction,
        feedback_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        email.grant_send(sender_fn)

        self.unsubscribe_fn = contract_function(
            self,
            "UnsubscribeFn",
            kit=kit,
            handler="alerts.handlers.unsubscribe.handler",
            timeout=Duration.seconds(10),
            service="alerts",
            description="GET/POST /u/{token}: one-click unsubscribe from email alerts (a ledger entry)",
        )
        grant_consent_changes(self.unsubscribe_fn, table)
        add_public_route(
            http_api,
            UNSUBSCRIBE_PATH,
            [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
            HttpLambdaIntegration("UnsubscribeIntegration", self.unsubscribe_fn),
            "Residents follow the unsubscribe link of an alert email, signed in to nothing; mail clients "
            "POST to it for one-click unsubscribe (RFC 8058). It changes only the token's resident's email "
            "channel and the stage is throttled.",
        )

        self.alert_call_fn = contract_function(
            self,
            "AlertCallFn",
            kit=kit,
            handler="channels.handlers.alert_call.handler",
            timeout=Duration.seconds(5),
            service="channels",
            description="POST /twilio/alert-calls/{alert_id}: a voice alert's repeat key (Twilio-signed)",
        )
        self.alert_call_fn.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn])
        )
        twilio_secret.grant_read(self.alert_call_fn)
        add_public_route(
            http_api,
            ALERT_CALL_PATH,
            [apigwv2.HttpMethod.POST],
            HttpLambdaIntegration("AlertCallIntegration", self.alert_call_fn),
            "Twilio calls this webhook during a voice alert; it cannot carry a JWT. Every request's "
            "X-Twilio-Signature is checked against the configured URL and the account (403 otherwise).",
        )

        self.feedback_fn = contract_function(
            self,
            "EmailFeedbackFn",
            kit=kit,
            handler="alerts.handlers.email_feedback.handler",
            timeout=FEEDBACK_TIMEOUT,
            service="alerts",
            description="EmailFeedbackQueue consumer: SES bounces and complaints stop email alerts (ledger); "
            "bounces and deliveries move the email's figure",
        )
        grant_consent_changes(self.feedback_fn, table)
        self.feedback_fn.add_event_source(
            SqsEventSource(feedback_queue, batch_size=10, report_batch_item_failures=True)
        )
        rule = events.Rule(
            self,
            "SesEventsRule",
            description="SES events of alert emails (their configuration set) to EmailFeedbackQueue",
            event_pattern=events.EventPattern(
                source=["aws.ses"],
                detail_type=list(SES_EVENTS),
                detail={
                    "mail": {
                        "tags": {"ses:configuration-set": [email.configuration_set.configuration_set_name]}
                    }
                },
            ),
            targets=[targets.SqsQueue(feedback_queue)],
        )
        pin_logical_id(rule, "SesEventsRule")
