"""Machine translation in conversations (issue 20): the functions that call Amazon Translate, and only
TranslateText. The inbound consumer translates residents' messages (its pipeline's translation step); the
agent API previews and sends agents' replies in the resident's language and retries what failed. Language
detection runs offline in the functions (py3langid), so no Comprehend permission is granted. The monthly
character count, the cap and the off switch are items in the one table (functions/translation/dal)."""

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge

TRANSLATE_ACTIONS = ["translate:TranslateText"]


class TranslationConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: list[lambda_.IFunction]) -> None:
        super().__init__(scope, construct_id)
        # Its own policy, so that the acknowledgment below covers this one statement and nothing else.
        self.policy = iam.Policy(
            self,
            "TranslateTextPolicy",
            statements=[iam.PolicyStatement(actions=TRANSLATE_ACTIONS, resources=["*"])],
        )
        for function in functions:
            if function.role is None:
                raise ValueError(f"{function.node.path} has no role to grant TranslateText to")
            self.policy.attach_to_role(function.role)
        acknowledge(
            self.policy,
            {
                "AwsSolutions-IAM5[Resource::*]": "Amazon Translate's TranslateText has no resource-level "
                "permissions (the service authorization reference lists no resource type for it): '*' is "
                "the only resource it can be granted on. The action is the one the functions call.",
            },
        )
