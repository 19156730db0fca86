"""Alarms that page the agency and one dashboard: every alarm publishes to the encrypted ops topic.

Per function: errors, throttles, and p99 duration near the timeout. The HTTP API's 4xx rate and 5xx count.
`TwilioWebhookRejected` above zero (a wrong public URL or token would 403 every resident's text, silently).
The share of alert texts Twilio refuses. Queue alarms (dead letters, oldest message) live with their queues
(infra.queues).
"""

from collections.abc import Mapping, Sequence

from aws_cdk import CfnCondition, CfnParameter, Duration, Fn, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from infra.queues import QueueWithDeadLetters

PERIOD = Duration.minutes(5)
# p99 above this share of the timeout for 2 of 3 periods: the function is about to time out.
DURATION_ALARM_SHARE_OF_TIMEOUT = 0.8
API_4XX_RATE_PERCENT = 20  # of at least API_4XX_MIN_REQUESTS requests in a period
API_4XX_MIN_REQUESTS = 50
API_5XX_COUNT = 5
ALERT_REJECTED_RATE_PERCENT = 5  # of at least ALERT_MIN_ATTEMPTS attempts in a period
ALERT_MIN_ATTEMPTS = 20


def contract_functions(scope: IConstruct) -> list[lambda_.Function]:
    """The stack's own functions (not CDK's deploy-time BucketDeployment handler)."""
    return [
        node
        for node in Stack.of(scope).node.find_all()
        if isinstance(node, lambda_.Function) and not node.node.id.startswith("Custom::")
    ]


class OperationsMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_topic: sns.Topic,
        http_api: apigwv2.HttpApi,
        queues: Mapping[str, QueueWithDeadLetters],
        metrics_namespace: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = cloudwatch_actions.SnsAction(alarm_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self._subscribe_email(alarm_topic)
        functions = contract_functions(self)

        for function in functions:
            self._function_alarms(function)
        api_4xx_rate, api_5xx = self._api_alarms(http_api)
        rejected = cloudwatch.Metric(
            namespace=metrics_namespace,
            metric_name="TwilioWebhookRejected",
            dimensions_map={"service": "channels"},
            statistic=cloudwatch.Stats.SUM,
            period=PERIOD,
        )
        self._alarm(
            "TwilioWebhookRejectedAlarm",
            rejected,
            threshold=0,
            description="Twilio webhooks answered 403: the signature did not verify. If every text is "
            "refused, the URL Twilio calls differs from PublicApiUrl (custom domain: deploy with "
            "-c publicApiUrl=...) or the auth token in TwilioCredentials is not the account's.",
        )
        alert_rejected_rate = self._alert_rejected_alarm(metrics_namespace)
        for queue in queues.values():
            self.alarms.extend((queue.dead_letter_alarm, queue.age_alarm, queue.dead_letter_age_alarm))
        self._dashboard(functions, http_api, queues, rejected, api_4xx_rate, api_5xx, alert_rejected_rate)

    # --- alarms -----------------------------------------------------------------------------------------

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _function_alarms(self, function: lambda_.Function) -> None:
        name = function.node.id
        for kind, metric, description in (
            (
                "Errors",
                function.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                f"{name} failed (an exception or a timeout). Its log group has the error type; queue "
                "records it failed are retried and then dead-lettered.",
            ),
            (
                "Throttles",
                function.metric_throttles(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                f"{name} was throttled: its reserved concurrency or the account's concurrency quota is "
                "exhausted. Raise the reservation (context) or ask AWS for a higher quota.",
            ),
        ):
            self._alarm(f"{name}{kind}Alarm", metric, threshold=0, description=description)
        timeout = function.timeout or Duration.seconds(3)
        limit_ms = timeout.to_milliseconds() * DURATION_ALARM_SHARE_OF_TIMEOUT
        self._alarm(
            f"{name}DurationAlarm",
            function.metric_duration(period=PERIOD, statistic=cloudwatch.Stats.p(99)),
            threshold=limit_ms,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            description=f"{name}'s p99 duration is above {limit_ms:.0f} ms, "
            f"{DURATION_ALARM_SHARE_OF_TIMEOUT:.0%} of its {timeout.to_seconds():.0f} s timeout: a "
            "dependency (DynamoDB, Twilio, SQS) is slow or the function needs more memory.",
        )

    def _api_alarms(self, http_api: apigwv2.HttpApi) -> tuple[cloudwatch.IMetric, cloudwatch.IMetric]:
        rate = cloudwatch.MathExpression(
            expression=f"IF(requests >= {API_4XX_MIN_REQUESTS}, 100 * errors / requests, 0)",
            using_metrics={
                "errors": http_api.metric_client_error(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                "requests": http_api.metric_count(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            },
            label="4xx % of requests",
            period=PERIOD,
        )
        self._alarm(
            "Api4xxRateAlarm",
            rate,
            threshold=API_4XX_RATE_PERCENT,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            description=f"More than {API_4XX_RATE_PERCENT}% of HTTP API requests answered 4xx for 10 "
            "minutes: expired sign-ins after a Cognito change, a page and API out of step after a deploy, "
            "rate limits, or a scan. The access log group shows routes and statuses.",
        )
        server_errors = http_api.metric_server_error(period=PERIOD, statistic=cloudwatch.Stats.SUM)
        self._alarm(
            "Api5xxAlarm",
            server_errors,
            threshold=API_5XX_COUNT,
            description=f"More than {API_5XX_COUNT} HTTP API requests answered 5xx in 5 minutes: a "
            "function failed, timed out or was throttled (see its own alarms).",
        )
        return rate, server_errors

    def _alert_rejected_alarm(self, namespace: str) -> cloudwatch.IMetric:
        def outcome(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=namespace,
                metric_name=f"AlertDelivery{name}",
                dimensions_map={"service": "alerts"},
                statistic=cloudwatch.Stats.SUM,
                period=PERIOD,
            )

        rate = cloudwatch.MathExpression(
            expression=f"IF(sent + rejected >= {ALERT_MIN_ATTEMPTS}, 100 * rejected / (sent + rejected), 0)",
            using_metrics={"sent": outcome("Sent"), "rejected": outcome("Rejected")},
            label="alert texts refused by Twilio, %",
            period=PERIOD,
        )
        self._alarm(
            "AlertSendFailuresAlarm",
            rate,
            threshold=ALERT_REJECTED_RATE_PERCENT,
            description=f"Twilio refused more than {ALERT_REJECTED_RATE_PERCENT}% of an alert's texts in 5 "
            "minutes: the sender number or Messaging Service, its registration (10DLC, toll-free "
            "verification) or the account's balance. Each alert's failure reasons show on the page.",
        )
        return rate

    def _subscribe_email(self, alarm_topic: sns.Topic) -> None:
        email = CfnParameter(
            Stack.of(self),
            "AlarmEmail",
            type="String",
            default="",
            allowed_pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$",
            constraint_description="an email address, or empty",
            description="Optional: an address subscribed to the alarm topic (it must confirm the "
            "subscription from the email AWS sends). Leave empty to subscribe on-call tools yourself.",
        )
        has_email = CfnCondition(
            self, "HasAlarmEmail", expression=Fn.condition_not(Fn.condition_equals(email.value_as_string, ""))
        )
        subscription = sns.CfnSubscription(
            self,
            "AlarmEmailSubscription",
            topic_arn=alarm_topic.topic_arn,
            protocol="email",
            endpoint=email.value_as_string,
        )
        subscription.cfn_options.condition = has_email

    # --- dashboard --------------------------------------------------------------------------------------

    def _dashboard(
        self,
        functions: Sequence[lambda_.Function],
        http_api: apigwv2.HttpApi,
        queues: Mapping[str, QueueWithDeadLetters],
        rejected: cloudwatch.IMetric,
        api_4xx_rate: cloudwatch.IMetric,
        api_5xx: cloudwatch.IMetric,
        alert_rejected_rate: cloudwatch.IMetric,
    ) -> None:
        def graph(
            title: str, metrics: Sequence[cloudwatch.IMetric], width: int = 8
        ) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6)

        def per_function(statistic: str, metric: str) -> list[cloudwatch.IMetric]:
            return [
                function.metric(metric, period=PERIOD, statistic=statistic, label=function.node.id)
                for function in functions
            ]

        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24, height=6)
        )
        dashboard.add_widgets(
            graph("Twilio webhooks refused (403)", [rejected]),
            graph("HTTP API 4xx % and 5xx", [api_4xx_rate, api_5xx]),
            graph("HTTP API requests", [http_api.metric_count(period=PERIOD, statistic="Sum")]),
        )
        dashboard.add_widgets(
            graph("Lambda errors", per_function("Sum", "Errors")),
            graph("Lambda throttles", per_function("Sum", "Throttles")),
            graph("Lambda duration p99 (ms)", per_function("p99", "Duration")),
        )
        dashboard.add_widgets(
            graph(
                "Queue depth",
                [
                    q.queue.metric_approximate_number_of_messages_visible(period=PERIOD)
                    for q in queues.values()
                ],
            ),
            graph(
                "Oldest message (s)",
                [q.queue.metric_approximate_age_of_oldest_message(period=PERIOD) for q in queues.values()],
            ),
            graph(
                "Dead-lettered messages",
                [
                    q.dead_letter_queue.metric_approximate_number_of_messages_visible(period=PERIOD)
                    for q in queues.values()
                ],
            ),
        )
        dashboard.add_widgets(graph("Alert texts refused by Twilio, %", [alert_rejected_rate], width=8))
