"""What an agency's security review asks of the template first (NIST 800-53 r5 findings fixed, not waived):
encrypted logs with a rotated customer key, table backups apart from the table, versioned access logs, and a
dead-letter queue for the one asynchronously invoked function."""

from infra_template_view import TemplateView


def operations_key(cfn: TemplateView) -> str:
    (key_id,) = cfn.of_type("AWS::KMS::Key")
    return key_id


def test_every_log_group_is_encrypted_with_the_rotated_operations_key(cfn: TemplateView) -> None:
    key_id = operations_key(cfn)
    assert cfn.props(key_id)["EnableKeyRotation"] is True
    log_groups = cfn.of_type("AWS::Logs::LogGroup")
    assert len(log_groups) >= 20
    for logical_id, log_group in log_groups.items():
        assert cfn.target(log_group["Properties"].get("KmsKeyId")) == key_id, logical_id
        assert log_group["Properties"]["RetentionInDays"] == 365, logical_id


def test_the_key_lets_cloudwatch_logs_use_it_for_this_accounts_log_groups_only(cfn: TemplateView) -> None:
    statements = cfn.props(operations_key(cfn))["KeyPolicy"]["Statement"]
    (logs,) = [s for s in statements if s.get("Sid") == "CloudWatchLogsEncryptsThisAccountsLogGroups"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    context_arn = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert ":log-group:*" in str(context_arn) and "AWS::AccountId" in str(context_arn)


def test_the_table_is_backed_up_daily_for_35_days_besides_point_in_time_recovery(cfn: TemplateView) -> None:
    assert cfn.props("Table")["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    (selection,) = cfn.of_type("AWS::Backup::BackupSelection").values()
    assert [cfn.target(r) for r in selection["Properties"]["BackupSelection"]["Resources"]] == ["Table"]
    (plan,) = cfn.of_type("AWS::Backup::BackupPlan").values()
    rules = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert [rule["Lifecycle"]["DeleteAfterDays"] for rule in rules] == [35]


def test_access_logs_are_versioned(cfn: TemplateView) -> None:
    (logs_bucket,) = [lid for lid in cfn.of_type("AWS::S3::Bucket") if lid.startswith("AccessLogsBucket")]
    assert cfn.props(logs_bucket)["VersioningConfiguration"] == {"Status": "Enabled"}


def test_the_scheduler_invoked_function_dead_letters_to_the_notice_dlq(cfn: TemplateView) -> None:
    assert cfn.target(cfn.props("NoticeFireFn")["DeadLetterConfig"]["TargetArn"]) == "NoticeScheduleDlq"
    assert "NoticeScheduleDlq" in cfn.actions_on("NoticeFireFn")["sqs:SendMessage"]
