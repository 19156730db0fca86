"""Web chat: the widget's public API (`/chat/*`), the agent page's chat routes (`/api/webchat/*`), the token
key, and an optional WAF rate rule in front of the chat routes.

A resident's chat message goes onto the InboundQueue like a text, so the inbox stores both the same way; an
agent's reply to a web chat thread is marked delivered by the sender instead of going to Twilio.
"""

from aws_cdk import ArnFormat, Aws, CfnCondition, CfnParameter, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.concurrency import reserved_concurrency
from infra.keys import generated_key
from infra.lambdas import (
    AGENT_API_TIMEOUT,
    LOG_RETENTION,
    FunctionKit,
    contract_function,
    execution_role,
    grant_table_read_write,
)
from infra.nag import acknowledge

_ORIGIN = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"
CHAT_PATH = "/chat/{proxy+}"
AGENT_CHAT_PATH = "/api/webchat/{proxy+}"
CHAT_PATH_PATTERN = "/chat/*"  # CloudFront behavior: the widget calls the API on the origin that served it
# WAF: requests per 5 minutes from one address to /chat/ before it is blocked (the Lambda's limits are
# finer).
WAF_CHAT_LIMIT_PER_5_MIN = 300
_WHY_PUBLIC = (
    "The chat widget is for residents, who have no account: the routes check their own "
    "HMAC session token, answer only the configured origins (CORS), count every session and address in "
    "DynamoDB (429 past the limit), and the stage is throttled; the cloud stack can add a WAF rate rule."
)


class ChatSettings(Construct):
    """What the web chat's environment names (made before the functions, which share one environment): who
    may embed the widget and when it answers (deploy parameters), and the key that signs session tokens."""

    def __init__(self, scope: Construct, construct_id: str, *, default_origins: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.token_key = generated_key(
            self,
            "WebChatTokenKey",
            description="HMAC key that signs web chat session tokens (generated; never leaves the chat API)",
            why_not_rotated="Rotating the key ends every open chat session (their tokens stop verifying); an "
            "agency rotates it deliberately with put-secret-value, not on a schedule.",
        )
        origins = CfnParameter(
            stack,
            "ChatAllowedOrigins",
            type="String",
            default=default_origins,
            allowed_pattern=rf"^({_ORIGIN})?(,{_ORIGIN})*$",
            constraint_description="comma-separated origins such as https://www.example.gov,https://example.gov",
            description="Origins (scheme://host[:port], comma-separated) whose pages may embed the chat "
            "widget. Empty: no site may.",
        )
        self.allowed_origins = origins.value_as_string
        self.business_hours = CfnParameter(
            stack,
            "ChatBusinessHours",
            type="String",
            default="Mon-Fri 08:00-17:00",
            allowed_pattern=r"^([A-Za-z]{3}(-[A-Za-z]{3})? [0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2})?$",
            description="When agents answer web chat, e.g. 'Mon-Fri 08:00-17:00'; empty means always.",
        ).value_as_string
        self.timezone = CfnParameter(
            stack,
            "ChatTimezone",
            type="String",
            default="America/New_York",
            description="IANA time zone of ChatBusinessHours.",
        ).value_as_string

    def environment(self) -> dict[str, str]:
        return {
            "WEBCHAT_TOKEN_SECRET_ARN": self.token_key.secret_arn,
            "CHAT_ALLOWED_ORIGINS": self.allowed_origins,
            "CHAT_BUSINESS_HOURS": self.business_hours,
            "CHAT_TIMEZONE": self.timezone,
        }


class ChatWaf(Construct):
    """A CloudFront-scope WebACL: a rate-based rule on /chat/ per client address. WAF bills ~$5/month per web
    ACL plus $1 per rule even when idle, so it is opt-in (`-c chatWaf=true`). CloudFront-scope ACLs live in
    us-east-1: deploy the stack there to use it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "ChatWebAcl",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name="SwitchboardWebAcl",
                sampled_requests_enabled=True,
            ),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="ChatRateLimit",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=WAF_CHAT_LIMIT_PER_5_MIN,
                            aggregate_key_type="IP",
                            scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                                byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                                    positional_constraint="STARTS_WITH",
                                    search_string="/chat/",
                                    text_transformations=[
                                        wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                                    ],
                                )
                            ),
                        )
                    ),
                    visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                        cloud_watch_metrics_enabled=True,
                        metric_name="ChatRateLimit",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
        )
        self.web_acl.override_logical_id("ChatWebAcl")

        # Blocked requests only (what an incident review needs; allowed ones would log every poll), without
        # the chat session token or query strings. WAF writes only to groups named aws-waf-logs-*.
        stack = Stack.of(self)
        log_group_name = f"aws-waf-logs-{stack.stack_name}-chat"
        logs.LogGroup(
            self,
            "ChatWafLogs",
            log_group_name=log_group_name,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "ChatWafLogging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(query_string={}),
            ],
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {
                        "Behavior": "KEEP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}],
                    }
                ],
            },
        )
        logging.node.add_dependency(self.node.find_child("ChatWafLogs"))


class WebChatConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        authorizer: apigwv2.IHttpRouteAuthorizer,
        table: dynamodb.ITable,
        inbound_queue: sqs.IQueue,
        settings: ChatSettings,
        media_bucket: s3.Bucket,
        inbound_consumer: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.chat_fn = contract_function(
            self,
            "WebChatFn",
            kit=kit,
            handler="app.handlers.chat_api.handler",
            timeout=AGENT_API_TIMEOUT,
            # Re-encoding a resident's photo (switchboard.images) peaks at ~270 MB for a 25 MP HEIC.
            memory_size=512,
            service="webchat",
            description="Web chat: the widget's /chat routes (session token, CORS) and /api/webchat for "
            "agents",
            reserved_concurrency=reserved_concurrency(self, "webChatConcurrency"),  # a cap: public route
        )
        grant_table_read_write(table, self.chat_fn)
        inbound_queue.grant_send_messages(self.chat_fn)
        settings.token_key.grant_read(self.chat_fn)
        self._photos(media_bucket, inbound_consumer, settings)
        integration = HttpLambdaIntegration("WebChatIntegration", self.chat_fn)
        add_public_route(http_api, CHAT_PATH, [apigwv2.HttpMethod.ANY], integration, _WHY_PUBLIC)
        # More specific than ANY /api/{proxy+}: API Gateway sends these here, behind the same JWT authorizer.
        http_api.add_routes(
            path=AGENT_CHAT_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=authorizer,
        )

    def _photos(self, bucket: s3.Bucket, inbound_consumer: lambda_.IFunction, settings: ChatSettings) -> None:
        """Residents' photos (functions/webchat/dal/uploads.py): the browser POSTs to `uploads/` with a policy
        this function signs (so it needs PutObject there), the function checks and moves the photo to
        `webchat/`, the inbound consumer copies it into `media/` like MMS media, and the widget reads its own
        photo back from `media/`. Nothing else in the bucket is reachable from the chat."""
        fn = self.chat_fn
        bucket.grant_put(fn, "uploads/*")
        bucket.grant_read(fn, "uploads/*")
        bucket.grant_delete(fn, "uploads/*")
        bucket.grant_put(fn, "webchat/*")
        bucket.grant_read(fn, "webchat/*")
        bucket.grant_read(fn, "media/*")
        bucket.grant_read(inbound_consumer, "webchat/*")
        # Unlinked uploads and checked copies are not kept: the photo lives on under media/.
        for rule_id, prefix in (("ExpireChatUploads", "uploads/"), ("ExpireCheckedChatPhotos", "webchat/")):
            bucket.add_lifecycle_rule(
                id=rule_id,
                prefix=prefix,
                expiration=Duration.days(1),
                noncurrent_version_expiration=Duration.days(1),
            )
        # The browser POSTs from the agency's pages: CORS for exactly the allowed origins, POST only.
        has_origins = CfnCondition(
            self,
            "ChatHasAllowedOrigins",
            expression=Fn.condition_not(Fn.condition_equals(settings.allowed_origins, "")),
        )
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.cors_configuration = Fn.condition_if(  # type: ignore[assignment]
            has_origins.logical_id,
            {
                "CorsRules": [
                    {
                        "Id": "WebChatPhotoUpload",
                        "AllowedMethods": ["POST"],
                        "AllowedOrigins": Fn.split(",", settings.allowed_origins),
                        "MaxAge": 600,
                    }
                ]
            },
            Aws.NO_VALUE,
        )
        acknowledge(
            execution_role(fn),
            {
                "AwsSolutions-IAM5[Action::s3:Abort*]": "grant_put: abort a failed photo upload; limited to "
                "the chat's uploads/ and webchat/ prefixes of the media bucket.",
                "AwsSolutions-IAM5[Action::s3:GetObject*]": "grant_read: the chat reads uploads it checks "
                "and the resident's own photos; limited to the chat's prefixes of the media bucket.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]": "grant_read: bucket metadata of the media bucket "
                "only.",
                "AwsSolutions-IAM5[Action::s3:List*]": "grant_read: lets a missing upload answer 404 rather "
                "than 403 (a resident's upload that never arrived); the media bucket only.",
                "AwsSolutions-IAM5[Action::s3:DeleteObject*]": "grant_delete: a checked or refused upload is "
                "deleted at once; limited to uploads/ of the media bucket.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/uploads/*]": "Upload keys are "
                "uploads/{session}/{random id}, made per photo; the prefix is the narrowest fixed scope.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/webchat/*]": "Checked photos are "
                "webchat/{session}/{id}; the prefix is the narrowest fixed scope.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/media/*]": "A resident's own photo is at "
                "media/{thread}/{sid}/{n}; the handler reads only keys under its session's thread.",
            },
        )
        acknowledge(
            execution_role(inbound_consumer),
            {
                "AwsSolutions-IAM5[Action::s3:GetObject*]": "grant_read: the consumer copies checked web "
                "chat photos into the thread; limited to webchat/ of the media bucket.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]": "grant_read: bucket metadata of the media bucket "
                "only.",
                "AwsSolutions-IAM5[Action::s3:List*]": "grant_read: a missing photo answers 404 (stored "
                "without it), not 403; the media bucket only.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/webchat/*]": "Checked photos are "
                "webchat/{session}/{id}; the prefix is the narrowest fixed scope.",
            },
        )
