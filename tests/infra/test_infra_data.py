"""The table and the queues: durable, encrypted, and nothing is silently lost."""

from infra_template_view import TemplateView

CONTRACT_QUEUES = {
    "InboundQueue": True,
    "StatusQueue": False,
    "OutboundQueue": True,
    "AlertPlanQueue": False,
    "AlertSendQueue": False,
    "TriageRescoreQueue": False,
    "CityForwardQueue": False,  # one job per new service request, to the city's Open311 endpoint
    "EmailFeedbackQueue": False,  # SES events of alert emails, from EventBridge (issue 22)
}  # name -> FIFO


def test_table_is_on_demand_with_pitr_sse_and_gsi1(cfn: TemplateView) -> None:
    tables = cfn.of_type("AWS::DynamoDB::Table")
    assert list(tables) == ["Table"]
    props = cfn.props("Table")
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    gsi = next(g for g in props["GlobalSecondaryIndexes"] if g["IndexName"] == "gsi1")
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["KeySchema"]} == {
        "gsi1pk": "HASH",
        "gsi1sk": "RANGE",
    }
    assert gsi["Projection"]["ProjectionType"] == "ALL"
    assert cfn.resources["Table"]["DeletionPolicy"] == "Retain"


def test_every_queue_is_a_source_with_a_dead_letter_queue_or_a_dead_letter_queue(cfn: TemplateView) -> None:
    queues = cfn.of_type("AWS::SQS::Queue")
    sources = {lid for lid, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    dead_letter_queues = {
        cfn.target(queues[s]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) for s in sources
    }

    # The dead-letter queue of the notice schedules (their DeadLetterConfig is set by NoticesFn at run time).
    scheduler_dead_letters = {"NoticeScheduleDlq", "FeedbackScheduleDlq"}

    assert sources == set(CONTRACT_QUEUES)
    assert set(queues) == sources | dead_letter_queues | scheduler_dead_letters, (
        "a queue without a DLQ that is not itself a DLQ"
    )
    assert not sources & dead_letter_queues
    assert len(dead_letter_queues) == len(sources), "each source queue has its own DLQ"
    for source in sources:
        assert cfn.props(source)["RedrivePolicy"]["maxReceiveCount"] >= 5


def test_every_dead_letter_queue_has_a_depth_alarm_that_notifies(cfn: TemplateView) -> None:
    alarms = cfn.of_type("AWS::CloudWatch::Alarm").values()
    for source in CONTRACT_QUEUES:
        dlq = cfn.target(cfn.props(source)["RedrivePolicy"]["deadLetterTargetArn"])
        depth_alarms = [
            a["Properties"]
            for a in alarms
            if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
            and a["Properties"].get("Namespace") == "AWS/SQS"
            and a["Properties"].get("Dimensions")
            == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
        ]
        assert len(depth_alarms) == 1, f"{dlq} needs one depth alarm"
        (alarm,) = depth_alarms
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["AlarmActions"], f"{dlq}'s alarm notifies nobody"


def test_queues_are_encrypted_and_refuse_plain_http(cfn: TemplateView) -> None:
    queues = cfn.of_type("AWS::SQS::Queue")
    policies = cfn.of_type("AWS::SQS::QueuePolicy").values()
    for logical_id, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, logical_id
        denies_http = [
            s
            for p in policies
            if {"Ref": logical_id} in p["Properties"]["Queues"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies_http, f"{logical_id} does not enforce TLS"


def test_inbound_and_outbound_are_fifo_with_fifo_dead_letter_queues(cfn: TemplateView) -> None:
    for source, fifo in CONTRACT_QUEUES.items():
        dlq = cfn.target(cfn.props(source)["RedrivePolicy"]["deadLetterTargetArn"])
        assert cfn.props(source).get("FifoQueue", False) is fifo, source
        assert cfn.props(dlq).get("FifoQueue", False) is fifo, dlq
        if fifo:
            # producers set the deduplication id (MessageSid / message_id)
            assert cfn.props(source).get("ContentBasedDeduplication", False) is False


def test_event_source_mappings_batch_ten_and_report_item_failures(cfn: TemplateView) -> None:
    mappings = cfn.of_type("AWS::Lambda::EventSourceMapping").values()
    consumed = {
        cfn.target(m["Properties"]["EventSourceArn"]): cfn.target(m["Properties"]["FunctionName"])
        for m in mappings
    }
    assert consumed == {
        "InboundQueue": "InboundConsumerFn",
        "StatusQueue": "StatusConsumerFn",
        "OutboundQueue": "SmsSenderFn",
        "AlertPlanQueue": "AlertPlannerFn",
        "AlertSendQueue": "AlertSenderFn",
        "TriageRescoreQueue": "TriageRescoreFn",
        "CityForwardQueue": "CityForwardFn",
        "EmailFeedbackQueue": "EmailFeedbackFn",
    }
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        # One alert per planner invocation: its audience may take minutes to enqueue; one re-score step
        # per TriageRescoreFn invocation: a step is a few pages of open threads.
        one_at_a_time = cfn.target(mapping["Properties"]["FunctionName"]) in {
            "AlertPlannerFn",
            "TriageRescoreFn",
        }
        assert mapping["Properties"]["BatchSize"] == (1 if one_at_a_time else 10)


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(cfn: TemplateView) -> None:
    mappings = cfn.of_type("AWS::Lambda::EventSourceMapping").values()
    assert mappings
    for mapping in mappings:
        queue = cfn.target(mapping["Properties"]["EventSourceArn"])
        function = cfn.target(mapping["Properties"]["FunctionName"])
        function_timeout = cfn.props(function)["Timeout"]
        assert cfn.props(queue)["VisibilityTimeout"] >= 6 * function_timeout, (queue, function)


def test_media_bucket_is_private_encrypted_versioned_tls_only_and_logged(cfn: TemplateView) -> None:
    props = cfn.props("MediaBucket")
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    (policy,) = [
        p["Properties"]
        for p in cfn.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "MediaBucket"}
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        for s in policy["PolicyDocument"]["Statement"]
    )


def test_twilio_secret_holds_the_contract_json_shape(cfn: TemplateView) -> None:
    generator = cfn.props("TwilioCredentials")["GenerateSecretString"]
    assert generator["GenerateStringKey"] == "auth_token"
    assert '"account_sid"' in generator["SecretStringTemplate"]


def test_inbox_view_indexes_key_on_the_threads_own_fields(cfn: TemplateView) -> None:
    from switchboard import table_keys

    indexes = {g["IndexName"]: g for g in cfn.props("Table")["GlobalSecondaryIndexes"]}
    expected = {
        table_keys.BY_STATUS_INDEX: (["status"], ["last_activity_at"]),
        table_keys.BY_STATUS_WAITING_INDEX: (["status"], ["waiting_since"]),
        table_keys.BY_ASSIGNEE_INDEX: (["assignee", "status"], ["last_activity_at"]),
        table_keys.BY_DEPARTMENT_INDEX: (["department_id", "status"], ["last_activity_at"]),
        table_keys.BY_DEPARTMENT_WAITING_INDEX: (["department_id", "status"], ["waiting_since"]),
        table_keys.BY_STATUS_URGENCY_INDEX: (["status"], ["triage_order", "waiting_since"]),
    }
    for name, (partition, sort) in expected.items():
        schema = indexes[name]["KeySchema"]
        assert [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"] == partition
        assert [k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"] == sort
        assert indexes[name]["Projection"]["ProjectionType"] == "ALL"
