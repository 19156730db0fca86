"""Machine translation in the template (issue 20): exactly the inbound consumer and the agent API may call
Amazon Translate, and only TranslateText; nothing may call Comprehend (detection runs offline)."""

from __future__ import annotations

from infra_template_view import TemplateView


def test_only_the_inbound_consumer_and_the_agent_api_may_translate(cfn: TemplateView) -> None:
    translating = {}
    for function_id in cfn.of_type("AWS::Lambda::Function"):
        actions = cfn.actions_on(function_id)
        found = {a: r for a, r in actions.items() if a.startswith(("translate:", "comprehend:"))}
        if found:
            translating[function_id] = found
    assert translating == {
        "InboundConsumerFn": {"translate:TranslateText": {"*"}},
        "AgentApiFn": {"translate:TranslateText": {"*"}},
    }
