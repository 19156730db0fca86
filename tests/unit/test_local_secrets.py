"""The local stack fills generated secrets as Secrets Manager would (GenerateSecretString)."""

from __future__ import annotations

import json
import string

from infra.local.resources import generated_secret_string


def test_a_plain_generated_secret_is_a_password_of_the_asked_length_and_alphabet() -> None:
    properties = {"GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True}}
    value = generated_secret_string(properties)
    assert len(value) == 64 and set(value) <= set(string.ascii_letters + string.digits)
    assert generated_secret_string(properties) != value


def test_a_template_secret_gets_the_password_under_its_key() -> None:
    properties = {
        "GenerateSecretString": {
            "SecretStringTemplate": '{"account_sid": ""}',
            "GenerateStringKey": "auth_token",
            "ExcludePunctuation": True,
            "ExcludeCharacters": "abc",
        }
    }
    value = json.loads(generated_secret_string(properties))
    assert value["account_sid"] == "" and len(value["auth_token"]) == 32
    assert not set(value["auth_token"]) & set("abc" + string.punctuation + " ")


def test_default_alphabet_includes_punctuation_but_no_space() -> None:
    value = generated_secret_string({"GenerateSecretString": {"PasswordLength": 4096}})
    assert " " not in value and set(value) & set(string.punctuation)
