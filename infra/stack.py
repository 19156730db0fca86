"""The Switchboard stack: shared resources (table, queues, buckets, secret, layers, HTTP API) are made here
and passed down to one construct per business area. docs/architecture.md is the contract this implements."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.alert_channels import (
    FEEDBACK_TIMEOUT,
    AlertChannelsConstruct,
    AlertEmailPieces,
    alert_rate_parameter,
)
from infra.alerts import PLANNER_TIMEOUT, SENDER_TIMEOUT, AlertSchedulerPieces, AlertsConstruct
from infra.api import PublicHttpApi
from infra.auth import AuthConstruct
from infra.callbacks import CallbacksConstruct, CallbackTimings
from infra.calls import CallsConstruct
from infra.channels import TWILIO_MESSAGES_PATH, TWILIO_STATUS_PATH, ChannelsConstruct
from infra.encryption import OperationsKey
from infra.feedback import FeedbackConstruct
from infra.inbox import InboxConstruct
from infra.inbox_indexes import add_inbox_view_indexes
from infra.lambdas import (
    ARCHITECTURE,
    ASSET_EXCLUDES,
    CONSUMER_TIMEOUT,
    LAYER_EXCLUDES,
    RUNTIME,
    FunctionKit,
)
from infra.log_hash import LogHashKey
from infra.monitoring import OperationsMonitoring
from infra.nag import acknowledge, pin_logical_id
from infra.notices import NoticesConstruct
from infra.outbound import OutboundConstruct
from infra.queues import QueueWithDeadLetters
from infra.reminders import RemindersConstruct
from infra.servicerequests import CITY_FORWARD_TIMEOUT, ServiceRequestsConstruct
from infra.staff import StaffConstruct
from infra.subscriptions import SubscriptionsConstruct
from infra.translation import TranslationConstruct
from infra.triage import RESCORE_TIMEOUT, TriageConstruct
from infra.voice import VoiceConstruct
from infra.web import WebConstruct
from infra.webchat import CHAT_PATH_PATTERN, ChatSettings, ChatWaf, WebChatConstruct

POWERTOOLS_METRICS_NAMESPACE = "Switchboard"


@dataclass(frozen=True)
class AssetFolders:
    """Source folders the stack deploys (each checked to exist by infra.app)."""

    functions: Path  # the code asset of every function
    shared_layer: Path  # contains python/switchboard/
    deps_layer: Path  # `make layer` output: contains python/<third-party packages>
    web_agent: Path  # the agent page


class SwitchboardStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assets: AssetFolders,
        public_api_url: str | None = None,
        chat_allowed_origins: str = "",
        chat_waf: bool = False,
        tracing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Switchboard: two-way SMS/WhatsApp between a government agency and its residents "
            "(Twilio)",
            # The template passed 80% of CloudFormation's 1 MB with the Open311 client; without the
            # indentation it is about a tenth smaller (716 kB, same resources; cdk-nag warned of the size).
            suppress_template_indentation=True,
            **kwargs,
        )

        twilio_from_number = CfnParameter(
            self,
            "TwilioFromNumber",
            type="String",
            default="",
            allowed_pattern=r"^((whatsapp:)?\+[1-9][0-9]{6,14})?$",
            constraint_description="an E.164 number such as +15551234567, or empty when a Messaging Service "
            "is set",
            description="The agency's Twilio sender (E.164) for threads without an agency address. "
            "May stay empty if TwilioMessagingServiceSid is set.",
        )
        twilio_messaging_service_sid = CfnParameter(
            self,
            "TwilioMessagingServiceSid",
            type="String",
            default="",
            allowed_pattern=r"^(MG[0-9a-fA-F]{32})?$",
            constraint_description="a Messaging Service SID (MG + 32 hex characters), or empty",
            description="Optional Twilio Messaging Service SID (MG...) used to send replies.",
        )

        agency_name = CfnParameter(
            self,
            "AgencyName",
            type="String",
            default=self.node.try_get_context("agencyName") or "Switchboard",
            min_length=1,
            max_length=40,
            description="The agency's name as residents see it at the start of HELP and STOP replies "
            "(or set context agencyName).",
        )

        # --- shared data ------------------------------------------------------------------------------------
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Short-lived items (who is viewing or typing in a thread) carry an epoch `expires_at`.
            time_to_live_attribute="expires_at",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.table.add_global_secondary_index(
            index_name="gsi1",
            partition_key=dynamodb.Attribute(name="gsi1pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="gsi1sk", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        add_inbox_view_indexes(self.table)
        pin_logical_id(self.table, "Table")
        # Point-in-time recovery restores any second of the last 35 days but lives and dies with the table;
        # AWS Backup keeps daily copies apart from it (35 days, billed per GB-month of backup storage).
        table_backups = backup.BackupPlan.daily35_day_retention(self, "TableBackups")
        table_backups.add_selection(
            "Table", resources=[backup.BackupResource.from_dynamo_db_table(self.table)]
        )
        acknowledge(
            table_backups,
            {
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSBackupServiceRolePolicyForBackup]": "AWS Backup's own service role policy, the one AWS "
                "documents for backup selections; it is assumed by backup.amazonaws.com only.",
            },
        )
        self.operations_key = OperationsKey(self, "OperationsKey").key

        # Server access logs (S3) and standard logs (CloudFront). CloudFront's log delivery writes with ACLs,
        # so this one bucket keeps them enabled for its owner; the log destinations need SSE-S3.
        self.logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            enforce_ssl=True,
            # Access logs are evidence: an overwrite or delete keeps the previous version for 90 days.
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=Duration.days(365),
                    noncurrent_version_expiration=Duration.days(90),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.logs_bucket,
            {
                "NIST.800.53.R5-S3DefaultEncryptionKMS": "S3 server access logging and CloudFront standard "
                "logs deliver only to buckets encrypted with SSE-S3, not SSE-KMS.",
                "NIST.800.53.R5-S3BucketReplicationEnabled": "Access logs are kept 365 days in one region; "
                "replicating them to a second region would double their cost for a record that is not the "
                "agency's data.",
            },
        )

        self.media_bucket = s3.Bucket(
            self,
            "MediaBucket",
            encryption=s3.BucketEncryption.KMS_MANAGED,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/media/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="TidyVersionsAndUploads",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.media_bucket, "MediaBucket")
        acknowledge(
            self.media_bucket,
            {
                "NIST.800.53.R5-S3BucketReplicationEnabled": "Residents' photos are versioned (30 days) and "
                "retained on stack deletion; a cross-region copy of personal data would need its own "
                "retention and access review. An agency that needs one adds a replication rule.",
            },
        )

        self.twilio_secret = secretsmanager.Secret(
            self,
            "TwilioCredentials",
            description='Twilio credentials, JSON {"account_sid": "AC...", "auth_token": "..."}. Set after '
            "deploy; until then signature checks fail closed (403).",
            # A random placeholder token, never a usable one. Later deploys leave the agency's value alone.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"account_sid": ""}',  # noqa: S106 - a JSON shape, no secret
                generate_string_key="auth_token",
                exclude_punctuation=True,
            ),
        )
        pin_logical_id(self.twilio_secret, "TwilioCredentials")
        acknowledge(
            self.twilio_secret,
            {
                "AwsSolutions-SMG4": "A Twilio auth token is issued by Twilio, not by AWS: Secrets Manager "
                "cannot rotate it. The agency rotates it in the Twilio console and updates this secret.",
                "NIST.800.53.R5-SecretsManagerRotationEnabled": "A Twilio auth token is issued by Twilio: "
                "Secrets Manager cannot rotate it. The agency rotates it in the Twilio console (secondary "
                "token, then promote) and updates this secret.",
                "NIST.800.53.R5-SecretsManagerUsingKMSKey": "Encrypted with aws/secretsmanager, which only "
                "Secrets Manager in this account can use; who reads the secret is decided by each "
                "function's GetSecretValue grant on this ARN, and a customer key would add a second policy "
                "that grants the same functions.",
            },
        )

        # --- queues -----------------------------------------------------------------------------------------
        self.alarm_topic = sns.Topic(
            self,
            "OpsAlarmTopic",
            display_name="Switchboard operational alarms",
            enforce_ssl=True,
            master_key=self.operations_key,
        )
        queues = {
            name: QueueWithDeadLetters(
                self, name, fifo=fifo, consumer_timeout=CONSUMER_TIMEOUT, alarm_topic=self.alarm_topic
            )
            for name, fifo in (("Inbound", True), ("Status", False), ("Outbound", True))
        }
        inbound, status, outbound = queues["Inbound"], queues["Status"], queues["Outbound"]
        # Alerts: standard queues (a FIFO's throughput would cap the fan-out; the sender's claim dedups).
        for name, timeout in (("AlertPlan", PLANNER_TIMEOUT), ("AlertSend", SENDER_TIMEOUT)):
            queues[name] = QueueWithDeadLetters(
                self, name, fifo=False, consumer_timeout=timeout, alarm_topic=self.alarm_topic
            )
        queues["TriageRescore"] = QueueWithDeadLetters(
            self, "TriageRescore", fifo=False, consumer_timeout=RESCORE_TIMEOUT, alarm_topic=self.alarm_topic
        )
        # The Open311 client: new service requests on their way to the city's system.
        queues["CityForward"] = QueueWithDeadLetters(
            self,
            "CityForward",
            fifo=False,
            consumer_timeout=CITY_FORWARD_TIMEOUT,
            alarm_topic=self.alarm_topic,
        )
        alert_schedules = AlertSchedulerPieces(self, "AlertScheduling", plan_queue=queues["AlertPlan"].queue)
        # Alerts by voice call and email (issue 22): SES's events of alert emails come back on this queue.
        queues["EmailFeedback"] = QueueWithDeadLetters(
            self, "EmailFeedback", fifo=False, consumer_timeout=FEEDBACK_TIMEOUT, alarm_topic=self.alarm_topic
        )
        alert_email = AlertEmailPieces(self, "AlertEmail")
        alert_send_rate = alert_rate_parameter(
            self,
            "AlertSendRate",
            default=10,
            max_value=1000,
            description="Alert texts per second across all senders: what the Twilio number or Messaging "
            "Service may take (a long code 1, toll-free 3, a short code 100).",
        )

        # Public routes that text a number someone typed (sign-up page, web chat continued by text): an SMS
        # pumping target, so a daily cap for the agency and the countries texted (switchboard.public_texts).
        public_texts_per_day = CfnParameter(
            self,
            "PublicTextsPerDay",
            type="Number",
            default=int(self.node.try_get_context("publicTextsPerDay") or 500),
            min_value=0,
            max_value=1_000_000,
            description="Texts a day, for the whole agency, that public routes (the sign-up page's "
            "confirmation) may send; past it they answer 429 until the next UTC day.",
        )
        text_country_codes = CfnParameter(
            self,
            "TextCountryCodes",
            type="String",
            default=str(self.node.try_get_context("textCountryCodes") or "1"),
            allowed_pattern=r"^[1-9][0-9]{0,2}(,[1-9][0-9]{0,2})*$",
            description="Calling codes public routes may text, comma-separated (1 = US and Canada; 1,52 adds "
            "Mexico). Texts abroad cost many times more.",
        )

        # --- identity and the public API --------------------------------------------------------------------
        auth = AuthConstruct(self, "Auth")
        api = PublicHttpApi(self, "Api")
        # Twilio signs the URL it calls: with a custom domain that is the domain, not execute-api.
        self.public_api_url = (public_api_url or api.endpoint).rstrip("/")

        # --- functions --------------------------------------------------------------------------------------
        shared_layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(assets.shared_layer), exclude=ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="switchboard package: observability, settings, Twilio signature and client, phone, "
            "statuses",
        )
        deps_layer = lambda_.LayerVersion(
            self,
            "DepsLayer",
            code=lambda_.Code.from_asset(str(assets.deps_layer), exclude=LAYER_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Third-party runtime packages (layers/deps/requirements*.lock) built for arm64 "
            "by `make layer`",
        )
        pin_logical_id(shared_layer, "SharedLayer")
        pin_logical_id(deps_layer, "DepsLayer")

        # The contract environment: the names mean the same thing everywhere and the local stack merges them
        # into one process. Each function gets the ones its code reads (infra.function_environment). What a
        # function may *do* is set by its grants, not here.
        chat = ChatSettings(self, "ChatSettings", default_origins=chat_allowed_origins)
        log_hash = LogHashKey(self, "LogHash")
        kit = FunctionKit(
            code=lambda_.Code.from_asset(str(assets.functions), exclude=[*ASSET_EXCLUDES, "**/tests"]),
            layers=(shared_layer, deps_layer),
            environment={
                "TABLE_NAME": self.table.table_name,
                "USER_POOL_ID": auth.user_pool.user_pool_id,
                "INBOUND_QUEUE_URL": inbound.queue.queue_url,
                "STATUS_QUEUE_URL": status.queue.queue_url,
                "OUTBOUND_QUEUE_URL": outbound.queue.queue_url,
                "MEDIA_BUCKET": self.media_bucket.bucket_name,
                "TWILIO_SECRET_ARN": self.twilio_secret.secret_arn,
                "PUBLIC_API_URL": self.public_api_url,
                "TWILIO_FROM_NUMBER": twilio_from_number.value_as_string,
                "TWILIO_MESSAGING_SERVICE_SID": twilio_messaging_service_sid.value_as_string,
                "TWILIO_API_BASE_URL": "",
                "AGENCY_NAME": agency_name.value_as_string,
                "AGENCY_TIME_ZONE": str(self.node.try_get_context("agencyTimeZone") or "America/New_York"),
                # Whose threads supervisors see: "all" departments or "departments" (their own); docs "Auth".
                "SUPERVISOR_SCOPE": str(self.node.try_get_context("supervisorScope") or "all"),
                "ALERT_PLAN_QUEUE_URL": queues["AlertPlan"].queue.queue_url,
                "ALERT_PLAN_QUEUE_ARN": queues["AlertPlan"].queue.queue_arn,
                "ALERT_SEND_QUEUE_URL": queues["AlertSend"].queue.queue_url,
                "ALERT_SCHEDULE_GROUP": alert_schedules.group_name,
                "ALERT_SCHEDULER_ROLE_ARN": alert_schedules.role.role_arn,
                "ALERT_SEND_RATE": alert_send_rate.value_as_string,
                **alert_email.environment(),
                "PUBLIC_TEXTS_PER_DAY": public_texts_per_day.value_as_string,
                "TEXT_COUNTRY_CODES": text_country_codes.value_as_string,
                "TRIAGE_RESCORE_QUEUE_URL": queues["TriageRescore"].queue.queue_url,
                "CITY_FORWARD_QUEUE_URL": queues["CityForward"].queue.queue_url,
                **chat.environment(),
                **log_hash.environment(),
                "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_METRICS_NAMESPACE,
                # Powertools Tracer needs the X-Ray SDK, in the layer only with -c tracing=true.
                "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
                "LOG_LEVEL": "INFO",
            },
        )

        ChannelsConstruct(
            self,
            "Channels",
            kit=kit,
            http_api=api.http_api,
            inbound_queue=inbound.queue,
            status_queue=status.queue,
            twilio_secret=self.twilio_secret,
            media_bucket=self.media_bucket,
        )
        inbox = InboxConstruct(
            self,
            "Inbox",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            media_bucket=self.media_bucket,
            twilio_secret=self.twilio_secret,
            inbound_queue=inbound.queue,
            status_queue=status.queue,
            outbound_queue=outbound.queue,
        )
        StaffConstruct(
            self,
            "Staff",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            user_pool=auth.user_pool,
        )
        OutboundConstruct(
            self,
            "Outbound",
            kit=kit,
            table=self.table,
            twilio_secret=self.twilio_secret,
            outbound_queue=outbound.queue,
        )
        SubscriptionsConstruct(
            self,
            "Subscriptions",
            kit=kit,
            http_api=api.http_api,
            stage=api.stage,
            table=self.table,
            outbound_queue=outbound.queue,
        )
        ServiceRequestsConstruct(
            self,
            "ServiceRequests",
            kit=kit,
            http_api=api.http_api,
            stage=api.stage,
            table=self.table,
            media_bucket=self.media_bucket,
            city_forward_queue=queues["CityForward"].queue,
            outbound_queue=outbound.queue,
            request_makers=(inbox.inbound_consumer_fn, inbox.agent_api_fn),
        )
        self.callbacks = CallbacksConstruct(
            self,
            "Callbacks",
            kit=kit,
            table=self.table,
            outbound_queue=outbound.queue,
            timings=CallbackTimings(
                escalate_after=Duration.minutes(
                    int(self.node.try_get_context("callbackEscalateMinutes") or 10)
                ),
                retry_after=Duration.minutes(int(self.node.try_get_context("callbackRetryMinutes") or 30)),
            ),
        )
        # Agents take callback tasks and report outcomes: SendTaskSuccess on this state machine only.
        self.callbacks.state_machine.grant_task_response(inbox.agent_api_fn)
        self.callbacks.allow_booking(
            inbox.inbound_consumer_fn,
            str(self.node.try_get_context("callbackHours") or "Mon-Fri 09:00-17:00"),
        )
        # The agency number's IVR (issue 22): books callbacks by voice through the same workflow.
        voice = VoiceConstruct(
            self,
            "Voice",
            kit=kit,
            http_api=api.http_api,
            table=self.table,
            twilio_secret=self.twilio_secret,
            outbound_queue=outbound.queue,
        )
        self.callbacks.allow_booking(
            voice.voice_fn, str(self.node.try_get_context("callbackHours") or "Mon-Fri 09:00-17:00")
        )
        # Reminders before deadlines: supervisors upload records through the agent API, which plans them.
        reminders = RemindersConstruct(
            self, "Reminders", kit=kit, table=self.table, outbound_queue=outbound.queue
        )
        reminders.allow_planning(inbox.agent_api_fn)
        TriageConstruct(
            self,
            "Triage",
            kit=kit,
            table=self.table,
            rescore_queue=queues["TriageRescore"].queue,
            agent_api_fn=inbox.agent_api_fn,
        )
        # Feedback surveys that wait for quiet hours to end (issue 18).
        FeedbackConstruct(
            self,
            "Feedback",
            kit=kit,
            table=self.table,
            outbound_queue=outbound.queue,
            agent_api_fn=inbox.agent_api_fn,
            alarm_topic=self.alarm_topic,
        )
        alerts = AlertsConstruct(
            self,
            "Alerts",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            twilio_secret=self.twilio_secret,
            plan_queue=queues["AlertPlan"].queue,
            send_queue=queues["AlertSend"].queue,
            schedules=alert_schedules,
        )
        AlertChannelsConstruct(
            self,
            "AlertChannels",
            kit=kit,
            http_api=api.http_api,
            table=self.table,
            twilio_secret=self.twilio_secret,
            email=alert_email,
            sender_fn=alerts.sender_fn,
            feedback_queue=queues["EmailFeedback"].queue,
        )
        # Machine translation: conversations (these two functions) and the alert composer's drafts for review.
        TranslationConstruct(
            self, "Translation", functions=[inbox.inbound_consumer_fn, inbox.agent_api_fn, alerts.api_fn]
        )
        NoticesConstruct(
            self,
            "Notices",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            alert_plan_queue=queues["AlertPlan"].queue,
            alarm_topic=self.alarm_topic,
        )
        CallsConstruct(
            self,
            "Calls",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            twilio_secret=self.twilio_secret,
        )
        WebChatConstruct(
            self,
            "WebChat",
            kit=kit,
            http_api=api.http_api,
            authorizer=auth.authorizer,
            table=self.table,
            inbound_queue=inbound.queue,
            settings=chat,
            media_bucket=self.media_bucket,
            inbound_consumer=inbox.inbound_consumer_fn,
        )
        log_hash.grant_to_hashing_functions(self)
        waf = ChatWaf(self, "ChatWaf") if chat_waf else None
        web = WebConstruct(
            self,
            "Web",
            extra_api_paths=(CHAT_PATH_PATTERN,),
            web_acl_arn=waf.web_acl.attr_arn if waf else None,
            web_asset_path=assets.web_agent,
            api_endpoint=api.endpoint,
            user_pool_client=auth.client,
            cognito_origin=auth.cognito_origin,
            logs_bucket=self.logs_bucket,
        )

        # --- alarms (to the ops topic) and the dashboard, over every function above ------------------------
        OperationsMonitoring(
            self,
            "Monitoring",
            alarm_topic=self.alarm_topic,
            http_api=api.http_api,
            queues=queues,
            metrics_namespace=POWERTOOLS_METRICS_NAMESPACE,
        )

        # --- what the agency needs after `cdk deploy` -------------------------------------------------------
        outputs = {
            "ApiUrl": (api.endpoint, "The HTTP API's execute-api endpoint (no trailing slash)."),
            "PublicApiUrl": (
                self.public_api_url,
                "The base URL Twilio calls and signs (PUBLIC_API_URL): the API endpoint, or context "
                "publicApiUrl.",
            ),
            "AgentPageUrl": (web.page_url, "Where agents sign in and answer residents (CloudFront)."),
            "TwilioWebhookUrl": (
                self.public_api_url + TWILIO_MESSAGES_PATH,
                "Paste into Twilio: phone number / WhatsApp sender > 'A message comes in' (HTTP POST).",
            ),
            "TwilioStatusCallbackUrl": (
                self.public_api_url + TWILIO_STATUS_PATH,
                "Delivery status callback URL; replies set it themselves, paste it into a Messaging Service "
                "too.",
            ),
            "TwilioSecretArn": (
                self.twilio_secret.secret_arn,
                "Fill after deploy: aws secretsmanager put-secret-value --secret-id <this> --secret-string "
                '\'{"account_sid":"AC...","auth_token":"..."}\'',
            ),
            "UserPoolId": (
                auth.user_pool.user_pool_id,
                "Cognito user pool of agents: aws cognito-idp admin-create-user, then "
                "admin-add-user-to-group (agent | supervisor | admin).",
            ),
            "UserPoolClientId": (
                auth.client.user_pool_client_id,
                "Public app client the agent page signs in with.",
            ),
            "TableName": (
                self.table.table_name,
                "The one DynamoDB table (residents, threads, messages, SIDs).",
            ),
            "MediaBucketName": (
                self.media_bucket.bucket_name,
                "MMS media received from residents (SSE-KMS).",
            ),
            "AlarmTopicArn": (
                self.alarm_topic.topic_arn,
                "Every alarm publishes here (KMS-encrypted): subscribe the on-call email (parameter "
                "AlarmEmail), chat or paging tool.",
            ),
        }
        for name, queue in queues.items():
            outputs[f"{name}QueueUrl"] = (queue.queue.queue_url, f"{name}Queue URL.")
            outputs[f"{name}DlqUrl"] = (
                queue.dead_letter_queue.queue_url,
                f"{name}Queue's dead-letter queue; re-drive with: make replay-dlq QUEUE={name}Queue",
            )
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)

        acknowledge(
            self,
            {
                "NIST.800.53.R5-IAMNoInlinePolicy": "Each role is one function's or workflow's own, and CDK "
                "grants attach its least-privilege statements to that role alone (the role's DefaultPolicy). "
                "A managed policy is meant for reuse across roles, which these statements must never be.",
                "NIST.800.53.R5-LambdaInsideVPC": "The functions reach only AWS APIs and Twilio over TLS, "
                "and no resource here lives in a VPC. A VPC would need a NAT gateway for Twilio "
                "(~$32/month per AZ even when idle) and interface endpoints for SQS, Secrets Manager and "
                "Cognito.",
                "NIST.800.53.R5-LambdaDLQ": "Only NoticeFireFn is invoked asynchronously, and it has a "
                "dead-letter queue. API routes wait for the answer, queue consumers leave failed records to "
                "their queue's dead-letter queue (alarmed), workflow steps are retried and caught by Step "
                "Functions, and CloudFormation fails the deploy when the page's BucketDeployment handler "
                "fails. A Lambda DLQ on them would never receive anything.",
            },
        )
