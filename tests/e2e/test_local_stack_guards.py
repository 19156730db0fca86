"""What the local stack must not give away that the cloud keeps: Cognito's admin calls through the page's
sign-in proxy, and one secret's value in another."""

from __future__ import annotations

import json
import string
import urllib.error
import urllib.request

import boto3
import pytest

from infra.local.seed import DEMO_AGENT2_EMAIL
from infra.local.stack import DEMO_AGENT_PASSWORD, LocalStack
from infra.local.template import REGION, STACK_NAME

pytestmark = pytest.mark.e2e


def cognito_through_proxy(stack: LocalStack, action: str, body: dict[str, object]) -> tuple[int, dict]:
    request = urllib.request.Request(
        stack.api_url + "/cognito/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def groups_of(stack: LocalStack, email: str) -> set[str]:
    cognito = boto3.client("cognito-idp", endpoint_url=stack.moto_url, region_name=REGION)
    groups = cognito.admin_list_groups_for_user(UserPoolId=stack.outputs["UserPoolId"], Username=email)
    return {group["GroupName"] for group in groups["Groups"]}


def test_an_agent_cannot_make_themself_admin_through_the_cognito_proxy(local_stack: LocalStack) -> None:
    # Given Sam, an agent who can sign in through the proxy as the page does
    assert local_stack.sign_in(DEMO_AGENT2_EMAIL, DEMO_AGENT_PASSWORD)
    assert "admin" not in groups_of(local_stack, DEMO_AGENT2_EMAIL)
    # When Sam posts Cognito's admin calls to the same proxy
    add_to_admins = {
        "UserPoolId": local_stack.outputs["UserPoolId"],
        "Username": DEMO_AGENT2_EMAIL,
        "GroupName": "admin",
    }
    status, answer = cognito_through_proxy(local_stack, "AdminAddUserToGroup", add_to_admins)
    create = {"UserPoolId": local_stack.outputs["UserPoolId"], "Username": "intruder@example.org"}
    created_status, _ = cognito_through_proxy(local_stack, "AdminCreateUser", create)
    # Then both are refused and nothing changed in the pool
    assert status == 403 and answer["__type"] == "AccessDeniedException"
    assert created_status == 403
    assert "admin" not in groups_of(local_stack, DEMO_AGENT2_EMAIL)


def test_each_local_secret_holds_its_own_kind_of_value(local_stack: LocalStack) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=local_stack.moto_url, region_name=REGION)

    def value(logical_id: str) -> str:
        return str(secrets.get_secret_value(SecretId=f"{STACK_NAME}-{logical_id}")["SecretString"])

    twilio = json.loads(value("TwilioCredentials"))
    assert twilio == {"account_sid": local_stack.account_sid, "auth_token": local_stack.auth_token}
    # The web chat key is what the template asks Secrets Manager to generate: 64 letters and digits.
    chat_key = value("WebChatTokenKey")
    assert len(chat_key) == 64 and set(chat_key) <= set(string.ascii_letters + string.digits)
    assert local_stack.auth_token not in chat_key and local_stack.account_sid not in chat_key
