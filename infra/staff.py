"""Staff administration: the admin API function (invite, roles, departments, disable) and its route.

Only this function holds Cognito admin permissions, and only on the agency's user pool.
"""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.lambdas import AGENT_API_TIMEOUT, FunctionKit, contract_function, grant_table_read_write

ADMIN_API_PATH = "/api/admin/{proxy+}"

# What the admin routes need from Cognito, nothing more (no user deletion, no pool changes).
COGNITO_ADMIN_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup",
)


class StaffConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        authorizer: apigwv2.IHttpRouteAuthorizer,
        table: dynamodb.ITable,
        user_pool: cognito.IUserPool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.admin_fn = contract_function(
            self,
            "StaffAdminFn",
            kit=kit,
            handler="staff.handlers.staff_admin.handler",
            timeout=AGENT_API_TIMEOUT,
            service="staff",
            description="ANY /api/admin/{proxy+} (Cognito JWT, admin group): invite staff, roles, "
            "departments, disable",
        )
        grant_table_read_write(table, self.admin_fn)
        user_pool.grant(self.admin_fn, *COGNITO_ADMIN_ACTIONS)
        http_api.add_routes(
            path=ADMIN_API_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=HttpLambdaIntegration("StaffAdminIntegration", self.admin_fn),
            authorizer=authorizer,
        )
