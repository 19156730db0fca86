"""Agents' sign-in: a Cognito user pool (admin-created users only), its groups, the page's public client, and
the JWT authorizer that guards every /api route."""

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import acknowledge, cfn_resource, pin_logical_id

# (group, precedence, description). Lower precedence wins when a user is in several groups.
AGENT_GROUPS = (
    ("admin", 10, "Manages agents and agency settings"),
    ("supervisor", 20, "Sees and reassigns every conversation"),
    ("agent", 30, "Answers residents"),
)


def cognito_origin(region: str) -> str:
    """The Cognito IdP origin the agent page posts InitiateAuth to (no trailing slash: a CSP source)."""
    return f"https://cognito-idp.{region}.amazonaws.com"


class AuthConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            removal_policy=RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.user_pool, "UserPool")
        acknowledge(
            cfn_resource(self.user_pool),  # the pool only, not its app client
            {
                "AwsSolutions-COG2": "MFA is OPTIONAL with TOTP by contract (docs/architecture.md): agencies "
                "enrol agents at their own pace; an agency that requires MFA sets Mfa.REQUIRED.",
                "AwsSolutions-COG8": "Threat protection needs the Cognito Plus plan, billed per monthly "
                "active user; an agency opts into it. Users are admin-created only and the password "
                "policy is strict.",
            },
        )

        self.client = self.user_pool.add_client(
            "AgentPageClient",
            user_pool_client_name="agent-page",
            generate_secret=False,  # a browser cannot keep a secret
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
        )
        pin_logical_id(self.client, "UserPoolClient")

        for group_name, precedence, description in AGENT_GROUPS:
            cognito.CfnUserPoolGroup(
                self,
                f"{group_name.capitalize()}Group",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=group_name,
                precedence=precedence,
                description=description,
            )

        # issuer = the user pool, audience = the page's client id
        self.authorizer = authorizers.HttpUserPoolAuthorizer(
            "AgentJwtAuthorizer", self.user_pool, user_pool_clients=[self.client]
        )
        self.cognito_origin = cognito_origin(Stack.of(self).region)
