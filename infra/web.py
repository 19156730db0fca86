"""Web: the agent page (web/agent) in a private bucket behind CloudFront, same-origin with the API at /api/*.

The security headers live in one ResponseHeadersPolicy; the local server reads the CSP from that resource in
the synthesized template, so `content_security_policy` is the only place the policy is written.
"""

from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.lambdas import LOG_RETENTION
from infra.nag import acknowledge, pin_logical_id

API_PATH_PATTERN = "/api/*"
HSTS_MAX_AGE = Duration.days(730)


def content_security_policy(cognito_origin: str) -> str:
    """The agent page's CSP: its own scripts and styles, the API same-origin, sign-in at Cognito's IdP.

    `blob:` and `data:` images: media is fetched with the JWT and shown through object URLs.
    """
    directives = (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        f"connect-src 'self' {cognito_origin}",
        "font-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
    return "; ".join(directives)


class WebConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web_asset_path: Path,
        api_endpoint: str,
        user_pool_client: cognito.IUserPoolClient,
        cognito_origin: str,
        logs_bucket: s3.IBucket,
        extra_api_paths: tuple[str, ...] = (),
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.bucket = s3.Bucket(
            self,
            "WebBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # CloudFront OAC reads SSE-S3 without a key policy
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="s3/web/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.bucket, "WebBucket")
        acknowledge(
            self.bucket,
            {
                "NIST.800.53.R5-S3DefaultEncryptionKMS": "The agent page is public static code (this "
                "repository's web/agent); CloudFront's origin access control reads SSE-S3 objects without a "
                "key policy.",
                "NIST.800.53.R5-S3BucketVersioningEnabled": "Every deploy rewrites the page from git "
                "(BucketDeployment with prune): git is its version history.",
                "NIST.800.53.R5-S3BucketReplicationEnabled": "The page is rebuilt from git by any deploy; a "
                "second-region copy would restore nothing that git does not.",
            },
        )

        self.security_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Switchboard agent page: strict CSP, HSTS, nosniff, no framing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(cognito_origin), override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )

        # https://{id}.execute-api.{region}.amazonaws.com -> the origin's domain name
        api_domain = Fn.select(2, Fn.split("/", api_endpoint))
        api_origin = origins.HttpOrigin(
            api_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Switchboard agent page and /api",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.security_headers,
                compress=True,
            ),
            additional_behaviors={
                path: cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    # With caching disabled, AllViewerExceptHostHeader forwards Authorization (the JWT) too;
                    # Host must be the API's own name or API Gateway answers 403.
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.security_headers,
                )
                for path in (API_PATH_PATTERN, *extra_api_paths)
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,
        )
        acknowledge(
            self.distribution,
            {
                "AwsSolutions-CFR1": "Residents never use this distribution (they text); agents work from "
                "wherever their agency sends them. An agency that wants geo restriction adds it.",
                "AwsSolutions-CFR2": "AWS WAF bills per web ACL and rule every month even when idle; the "
                "page is static, /api requires a Cognito JWT and the API stage is throttled.",
                "AwsSolutions-CFR4": "The distribution uses the default *.cloudfront.net certificate, whose "
                "viewer TLS policy CloudFront fixes (TLSv1). An agency that adds its domain and ACM "
                "certificate sets SecurityPolicyProtocol.TLS_V1_2_2021 (cdk.json's "
                "defaultSecurityPolicyTLSv1.2_2021 flag).",
            },
        )

        # The page reads /config.json at start: where to sign in, with which client. apiBase "" = same origin.
        config = {
            "apiBase": "",
            "cognito": {
                "endpoint": f"{cognito_origin}/",
                "clientId": user_pool_client.user_pool_client_id,
                "region": stack.region,
            },
        }
        deployment_logs = logs.LogGroup(
            self, "DeploymentLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        deployment_role = iam.Role(
            self,
            "DeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Copies web/agent and config.json into the web bucket and invalidates CloudFront",
        )
        deployment_logs.grant_write(deployment_role)
        s3deploy.BucketDeployment(
            self,
            "AgentPage",
            sources=[
                s3deploy.Source.asset(str(web_asset_path), exclude=["**/.DS_Store"]),
                s3deploy.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            role=deployment_role,
            log_group=deployment_logs,
        )
        asset_bucket_objects = (
            f"arn:{stack.partition}:s3:::cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-"
            f"<AWS::AccountId>-{stack.region}/*"
        )
        acknowledge(
            deployment_role,
            {
                f"AwsSolutions-IAM5[Resource::{asset_bucket_objects}]": "BucketDeployment reads the "
                "web/agent zip that `cdk deploy` staged in the CDK bootstrap asset bucket; asset keys are "
                "content hashes.",
                "AwsSolutions-IAM5[Resource::<WebBucket.Arn>/*]": "BucketDeployment writes and prunes the "
                "page's files anywhere in the web bucket, which holds nothing else.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]": "BucketDeployment's grant to read the CDK asset "
                "bucket and the web bucket (copy and prune).",
                "AwsSolutions-IAM5[Action::s3:GetObject*]": "BucketDeployment reads the staged web/agent "
                "asset zip.",
                "AwsSolutions-IAM5[Action::s3:List*]": "BucketDeployment lists the web bucket to prune old "
                "files.",
                "AwsSolutions-IAM5[Action::s3:DeleteObject*]": "BucketDeployment prunes files removed from "
                "web/agent.",
                "AwsSolutions-IAM5[Action::s3:Abort*]": "BucketDeployment may abort its own multipart "
                "uploads to the web bucket (grant_read_write).",
                "AwsSolutions-IAM5[Resource::*]": "cloudfront:CreateInvalidation/GetInvalidation have no "
                "resource scoping in BucketDeployment's policy; used to refresh the page after a deploy.",
            },
        )
        # BucketDeployment's handler is a stack-level singleton; its runtime is CDK's choice, not ours.
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                acknowledge(
                    child,
                    {
                        "AwsSolutions-L1": "The BucketDeployment handler's runtime is pinned by aws-cdk-lib "
                        "and moves with CDK upgrades; it runs only during deploys.",
                        "NIST.800.53.R5-LambdaConcurrency": "The BucketDeployment handler runs once per "
                        "deploy, invoked by CloudFormation; it serves no traffic to cap.",
                    },
                )
        self.page_url = f"https://{self.distribution.distribution_domain_name}/"
