// `npm run deploy-policy -- <stack>`: the least-privilege IAM policy the deploy role (the workflows' OIDC role) needs
// to create, update, refresh and delete exactly what this stack's synthesized plan holds. Derived from the plan,
// resource type by resource type, so it cannot go stale: a type without an entry here is an error (and a test).
import "./internal/quiet";
import * as fs from "fs";
import * as path from "path";
import type { Plan, PlanResource } from "./synth";

export interface Grant {
    sid: string;
    actions: string[];
    resources: string[];
    condition?: Record<string, Record<string, string | string[]>>;
}

export interface Scope {
    partition: string;
    region: string;
    account: string;
}

type Rule = (r: PlanResource, s: Scope) => Grant[];

const partitionOf = (region: string) =>
    region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
const iam = (s: Scope, what: string) => `arn:${s.partition}:iam::${s.account}:${what}`;
/** Pulumi auto-names a resource `<logical name>-<7 hex>`; an explicit name is used as given. */
const physical = (r: PlanResource) => (r.inputs.name as string | undefined) ?? `${r.name}-*`;
const roleArn = (r: PlanResource, s: Scope) => iam(s, `role${r.inputs.path ?? "/"}${physical(r)}`);
/** A role or user named by another resource's input: by the ARN the plan knows, so its path is included. */
const byName = (plan: PlanResource[], type: string, name: unknown) =>
    plan.find(x => x.type === type && (x.outputs.name === name || x.outputs.id === name || x.id === name));

const ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRoleTags",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
];
const USER_ACTIONS = [
    "iam:CreateUser",
    "iam:GetUser",
    "iam:UpdateUser",
    "iam:DeleteUser",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:ListUserTags",
    "iam:ListGroupsForUser",
    "iam:ListUserPolicies",
    "iam:ListAttachedUserPolicies",
    // forceDestroy: true deletes what someone added by hand (a console-reset key, an access key, a login profile).
    "iam:ListAccessKeys",
    "iam:DeleteAccessKey",
    "iam:GetLoginProfile",
    "iam:DeleteLoginProfile",
    "iam:ListMFADevices",
    "iam:DeactivateMFADevice",
    "iam:ListSSHPublicKeys",
    "iam:DeleteSSHPublicKey",
    "iam:ListSigningCertificates",
    "iam:DeleteSigningCertificate",
    "iam:ListServiceSpecificCredentials",
    "iam:DeleteServiceSpecificCredential",
];
const MANAGED_POLICY_ACTIONS = [
    "iam:CreatePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:DeletePolicy",
    "iam:TagPolicy",
    "iam:UntagPolicy",
    "iam:ListPolicyTags",
];
const LOG_GROUP_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:ListTagsForResource",
    "logs:TagLogGroup",
    "logs:ListTagsLogGroup",
];
const LAMBDA_ACTIONS = [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:DeleteFunction",
    "lambda:ListVersionsByFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetRuntimeManagementConfig",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:ListTags",
];
// Vended log delivery (the state machine's logging) is authorized against whoever configures it, and these actions
// take no resource ARN (CloudWatch Logs user guide, "Enable logging from AWS services").
const LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
];
const S3_BUCKET_ACTIONS = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:GetBucket*",
    "s3:GetAccelerateConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:PutBucketTagging",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

/** Which service a role is handed to: the service its trust policy names (iam:PassRole is granted per service). */
function trustedService(r: PlanResource): string | undefined {
    try {
        const doc = JSON.parse(r.inputs.assumeRolePolicy);
        const svc = [doc.Statement]
            .flat()
            .map((st: any) => st.Principal?.Service)
            .find(Boolean);
        return Array.isArray(svc) ? svc[0] : svc;
    } catch {
        return undefined;
    }
}

const bedrockArn = (s: Scope, p: string) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:${p}`;
const apigw = (s: Scope, p: string) => `arn:${s.partition}:apigateway:${s.region}::${p}`;
const restApi: Rule = (_r, s) => [
    {
        sid: "ApiGatewayRestApis",
        actions: ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
        resources: [apigw(s, "/restapis"), apigw(s, "/restapis/*"), apigw(s, "/tags/*")],
    },
];
const none: Rule = () => [];

/** Per resource type: what managing it takes. Pulumi-only types (components, stack references) take nothing in AWS. */
export const RULES: Record<string, (r: PlanResource, s: Scope, plan: PlanResource[]) => Grant[]> = {
    "aws:iam/role:Role": (r, s) => [{ sid: "Roles", actions: ROLE_ACTIONS, resources: [roleArn(r, s)] }],
    "aws:iam/rolePolicy:RolePolicy": (r, s, plan) => [
        {
            sid: "RoleInlinePolicies",
            actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
            resources: [roleArnOf(plan, r.inputs.role, s)],
        },
    ],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (r, s, plan) => [
        {
            sid: "RolePolicyAttachments",
            actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"],
            resources: [roleArnOf(plan, r.inputs.role, s)],
            condition: { ArnLike: { "iam:PolicyARN": [policyArnOf(plan, r.inputs.policyArn, s)] } },
        },
    ],
    "aws:iam/policy:Policy": (r, s) => [
        {
            sid: "ManagedPolicies",
            actions: MANAGED_POLICY_ACTIONS,
            resources: [iam(s, `policy${r.inputs.path ?? "/"}${physical(r)}`)],
        },
    ],
    "aws:iam/user:User": (r, s) => [
        { sid: "Users", actions: USER_ACTIONS, resources: [iam(s, `user${r.inputs.path ?? "/"}${physical(r)}`)] },
    ],
    "aws:iam/userPolicy:UserPolicy": (r, s, plan) => [
        {
            sid: "UserInlinePolicies",
            actions: ["iam:PutUserPolicy", "iam:GetUserPolicy", "iam:DeleteUserPolicy"],
            resources: [userArnOf(plan, r.inputs.user, s)],
        },
    ],
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": (r, s, plan) => [
        {
            sid: "UserPolicyAttachments",
            actions: ["iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:ListAttachedUserPolicies"],
            resources: [userArnOf(plan, r.inputs.user, s)],
            condition: { ArnLike: { "iam:PolicyARN": [policyArnOf(plan, r.inputs.policyArn, s)] } },
        },
    ],
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": (r, s, plan) => [
        {
            sid: "BedrockApiKeys",
            actions: ["iam:CreateServiceSpecificCredential"],
            resources: [userArnOf(plan, r.inputs.userName, s)],
            condition: { StringEquals: { "iam:ServiceSpecificCredentialServiceName": r.inputs.serviceName } },
        },
        {
            sid: "BedrockApiKeysManage",
            actions: [
                "iam:ListServiceSpecificCredentials",
                "iam:UpdateServiceSpecificCredential",
                "iam:ResetServiceSpecificCredential",
                "iam:DeleteServiceSpecificCredential",
            ],
            resources: [userArnOf(plan, r.inputs.userName, s)],
        },
    ],
    "aws:cloudwatch/logGroup:LogGroup": (r, s) => [
        // AppSync's group is named after the API id, unknown before the API exists.
        // Both forms: the log-group ARN of the Service Authorization Reference, and the ":*" one the console writes.
        {
            sid: "LogGroups",
            actions: LOG_GROUP_ACTIONS,
            resources: logGroupArns(
                s,
                String(r.inputs.name).startsWith("/aws/appsync/apis/") ? "/aws/appsync/apis/*" : r.inputs.name,
            ),
        },
        { sid: "DescribeLogGroups", actions: ["logs:DescribeLogGroups"], resources: ["*"] },
    ],
    "aws:lambda/function:Function": (r, s) => [
        {
            sid: "Functions",
            actions: LAMBDA_ACTIONS,
            resources: [`arn:${s.partition}:lambda:${s.region}:${s.account}:function:${physical(r)}`],
        },
    ],
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (_r, s, plan) => [
        {
            sid: "FunctionAsyncConfig",
            actions: [
                "lambda:PutFunctionEventInvokeConfig",
                "lambda:GetFunctionEventInvokeConfig",
                "lambda:UpdateFunctionEventInvokeConfig",
                "lambda:DeleteFunctionEventInvokeConfig",
            ],
            resources: functionsOf(plan, s),
        },
    ],
    "aws:lambda/permission:Permission": (_r, s, plan) => [
        {
            sid: "FunctionPermissions",
            actions: ["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"],
            resources: functionsOf(plan, s),
        },
    ],
    "aws:sfn/stateMachine:StateMachine": (r, s) => [
        {
            sid: "StateMachines",
            actions: [
                "states:CreateStateMachine",
                "states:DescribeStateMachine",
                "states:UpdateStateMachine",
                "states:DeleteStateMachine",
                "states:ListStateMachineVersions",
                "states:TagResource",
                "states:UntagResource",
                "states:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:states:${s.region}:${s.account}:stateMachine:${physical(r)}`],
        },
        { sid: "StateMachineLogDelivery", actions: LOG_DELIVERY_ACTIONS, resources: ["*"] },
    ],
    "aws:apigateway/account:Account": (_r, s) => [
        {
            sid: "ApiGatewayAccountSetting",
            actions: ["apigateway:GET", "apigateway:PATCH"],
            resources: [apigw(s, "/account")],
        },
    ],
    "aws:apigateway/restApi:RestApi": restApi,
    "aws:apigateway/resource:Resource": restApi,
    "aws:apigateway/method:Method": restApi,
    "aws:apigateway/methodResponse:MethodResponse": restApi,
    "aws:apigateway/integration:Integration": restApi,
    "aws:apigateway/integrationResponse:IntegrationResponse": restApi,
    "aws:apigateway/authorizer:Authorizer": restApi,
    "aws:apigateway/model:Model": restApi,
    "aws:apigateway/requestValidator:RequestValidator": restApi,
    "aws:apigateway/response:Response": restApi,
    "aws:apigateway/deployment:Deployment": restApi,
    "aws:apigateway/stage:Stage": restApi,
    "aws:apigateway/methodSettings:MethodSettings": restApi,
    "aws:cognito/userPool:UserPool": (_r, s) => [
        // CreateUserPool takes no resource ARN (Service Authorization Reference, Amazon Cognito User Pools).
        { sid: "CognitoCreateUserPool", actions: ["cognito-idp:CreateUserPool"], resources: ["*"] },
        {
            sid: "CognitoUserPools",
            actions: [
                "cognito-idp:DescribeUserPool",
                "cognito-idp:UpdateUserPool",
                "cognito-idp:DeleteUserPool",
                "cognito-idp:GetUserPoolMfaConfig",
                "cognito-idp:SetUserPoolMfaConfig",
                "cognito-idp:TagResource",
                "cognito-idp:UntagResource",
                "cognito-idp:ListTagsForResource",
            ],
            resources: [userPools(s)],
        },
    ],
    "aws:cognito/userPoolClient:UserPoolClient": (_r, s) => [
        {
            sid: "CognitoUserPoolClients",
            actions: [
                "cognito-idp:CreateUserPoolClient",
                "cognito-idp:DescribeUserPoolClient",
                "cognito-idp:UpdateUserPoolClient",
                "cognito-idp:DeleteUserPoolClient",
            ],
            resources: [userPools(s)],
        },
    ],
    "aws:appsync/api:Api": (_r, s) => [
        // CreateApi takes no resource ARN (Service Authorization Reference, AWS AppSync).
        { sid: "AppSyncCreateApi", actions: ["appsync:CreateApi"], resources: ["*"] },
        {
            sid: "AppSyncEventApis",
            actions: [
                "appsync:GetApi",
                "appsync:UpdateApi",
                "appsync:DeleteApi",
                "appsync:TagResource",
                "appsync:UntagResource",
                "appsync:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*`],
        },
    ],
    "aws:appsync/channelNamespace:ChannelNamespace": (_r, s) => [
        {
            sid: "AppSyncChannelNamespaces",
            actions: [
                "appsync:CreateChannelNamespace",
                "appsync:GetChannelNamespace",
                "appsync:UpdateChannelNamespace",
                "appsync:DeleteChannelNamespace",
                "appsync:ListChannelNamespaces",
            ],
            resources: [
                `arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*`,
                `arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*/channelNamespace/*`,
            ],
        },
    ],
    "aws:s3/bucket:Bucket": (r, s) => [
        {
            sid: "AuditBucket",
            actions: S3_BUCKET_ACTIONS,
            resources: [`arn:${s.partition}:s3:::${r.inputs.bucket ?? `${r.name}-*`}`],
        },
    ],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": none,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": none,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": none,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": none,
    "aws:s3/bucketPolicy:BucketPolicy": none, // all on the bucket, granted with it
    "aws:cloudtrail/trail:Trail": (r, s) => [
        {
            sid: "AuditTrail",
            actions: [
                "cloudtrail:CreateTrail",
                "cloudtrail:GetTrail",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:UpdateTrail",
                "cloudtrail:DeleteTrail",
                "cloudtrail:StartLogging",
                "cloudtrail:StopLogging",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:GetEventSelectors",
                "cloudtrail:AddTags",
                "cloudtrail:RemoveTags",
                "cloudtrail:ListTags",
            ],
            resources: [`arn:${s.partition}:cloudtrail:${s.region}:${s.account}:trail/${physical(r)}`],
        },
        { sid: "DescribeTrails", actions: ["cloudtrail:DescribeTrails"], resources: ["*"] },
    ],
    // Governance (tenants): application inference profiles, guardrails, budgets and their cut-off actions.
    "aws:bedrock/inferenceProfile:InferenceProfile": (r, s) => [
        {
            sid: "TenantProfiles",
            actions: [
                "bedrock:CreateInferenceProfile",
                "bedrock:GetInferenceProfile",
                "bedrock:DeleteInferenceProfile",
                "bedrock:TagResource",
                "bedrock:UntagResource",
                "bedrock:ListTagsForResource",
            ],
            resources: [bedrockArn(s, "application-inference-profile/*")],
        },
        // Creating one copies a system profile or a foundation model: authorized against that source too.
        {
            sid: "TenantProfileSources",
            actions: ["bedrock:CreateInferenceProfile"],
            resources: [String(r.inputs.modelSource?.copyFrom)],
        },
    ],
    "aws:bedrock/guardrail:Guardrail": (_r, s) => [
        // CreateGuardrail takes no resource ARN (Service Authorization Reference, Amazon Bedrock).
        { sid: "GuardrailCreate", actions: ["bedrock:CreateGuardrail"], resources: ["*"] },
        {
            sid: "Guardrails",
            actions: [
                "bedrock:GetGuardrail",
                "bedrock:UpdateGuardrail",
                "bedrock:DeleteGuardrail",
                "bedrock:CreateGuardrailVersion",
                "bedrock:TagResource",
                "bedrock:UntagResource",
                "bedrock:ListTagsForResource",
            ],
            resources: [bedrockArn(s, "guardrail/*")],
        },
    ],
    "aws:bedrock/guardrailVersion:GuardrailVersion": (_r, s) => [
        {
            sid: "Guardrails",
            actions: ["bedrock:CreateGuardrailVersion", "bedrock:GetGuardrail", "bedrock:DeleteGuardrail"],
            resources: [bedrockArn(s, "guardrail/*")],
        },
    ],
    "aws:budgets/budget:Budget": (r, s) => [
        {
            sid: "Budgets",
            actions: [
                "budgets:ModifyBudget",
                "budgets:ViewBudget",
                "budgets:TagResource",
                "budgets:UntagResource",
                "budgets:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:budgets::${s.account}:budget/${physical(r)}`],
        },
    ],
    "aws:budgets/budgetAction:BudgetAction": (r, s) => [
        {
            sid: "BudgetActions",
            actions: [
                "budgets:CreateBudgetAction",
                "budgets:DescribeBudgetAction",
                "budgets:UpdateBudgetAction",
                "budgets:DeleteBudgetAction",
                "budgets:DescribeBudgetActionsForBudget",
                "budgets:TagResource",
                "budgets:UntagResource",
            ],
            resources: [`arn:${s.partition}:budgets::${s.account}:budget/${r.inputs.budgetName}/action/*`],
        },
    ],
    // Observability (components/caller/callerMonitoring.ts, components/bedrock/bedrockMonitoring.ts, components/shared/alarmTopic.ts, components/bedrock/bedrockInvocationLogging.ts).
    "aws:cloudwatch/dashboard:Dashboard": (r, s) => [
        {
            sid: "Dashboards",
            actions: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
            resources: [`arn:${s.partition}:cloudwatch::${s.account}:dashboard/${r.inputs.dashboardName ?? "*"}`],
        },
    ],
    "aws:cloudwatch/metricAlarm:MetricAlarm": (_r, s) => [
        {
            sid: "Alarms",
            actions: [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:cloudwatch:${s.region}:${s.account}:alarm:*`],
        },
        // DescribeAlarms takes no resource ARN (Service Authorization Reference, Amazon CloudWatch).
        { sid: "DescribeAlarms", actions: ["cloudwatch:DescribeAlarms"], resources: ["*"] },
    ],
    "aws:sns/topic:Topic": (r, s) => [
        {
            sid: "AlarmTopics",
            actions: [
                "sns:CreateTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:DeleteTopic",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:sns:${s.region}:${s.account}:${physical(r)}`],
        },
    ],
    "aws:sns/topicPolicy:TopicPolicy": (_r, s) => [
        {
            sid: "AlarmTopicPolicies",
            actions: ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
            resources: [`arn:${s.partition}:sns:${s.region}:${s.account}:*`],
        },
    ],
    "aws:sns/topicSubscription:TopicSubscription": (_r, s) => [
        {
            sid: "AlarmSubscriptions",
            actions: [
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:SetSubscriptionAttributes",
            ],
            resources: [`arn:${s.partition}:sns:${s.region}:${s.account}:*`],
        },
    ],
    // Invocation logging is an account/Region setting without a resource ARN.
    "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration": () => [
        {
            sid: "InvocationLogging",
            actions: [
                "bedrock:PutModelInvocationLoggingConfiguration",
                "bedrock:GetModelInvocationLoggingConfiguration",
                "bedrock:DeleteModelInvocationLoggingConfiguration",
            ],
            resources: ["*"],
        },
    ],
    "pulumi:pulumi:StackReference": none, // read from the Pulumi backend, not from AWS
};

/** Data sources the program reads at preview. */
export const INVOKE_RULES: Record<string, (args: Record<string, any>, s: Scope) => Grant[]> = {
    "aws:bedrock/getInferenceProfile:getInferenceProfile": (a, s) => [
        {
            sid: "ReadInferenceProfiles",
            actions: ["bedrock:GetInferenceProfile"],
            resources: [
                `arn:${s.partition}:bedrock:${a.region ?? s.region}:${s.account}:inference-profile/${a.inferenceProfileId}`,
            ],
        },
    ],
};

const isPulumiOnly = (type: string) => type.startsWith("bedrock-bridge:") || type.startsWith("pulumi:providers:");
const logGroupArns = (s: Scope, name: string) => [
    `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${name}`,
    `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${name}:*`,
];
/** The stack's own functions (event invoke configs and permissions name them by their generated name). */
const functionsOf = (plan: PlanResource[], s: Scope) =>
    plan
        .filter(f => f.type === "aws:lambda/function:Function")
        .map(f => `arn:${s.partition}:lambda:${s.region}:${s.account}:function:${physical(f)}`);
const userPools = (s: Scope) => `arn:${s.partition}:cognito-idp:${s.region}:${s.account}:userpool/*`;

function roleArnOf(plan: PlanResource[], name: unknown, s: Scope): string {
    const r = byName(plan, "aws:iam/role:Role", name);
    return r ? roleArn(r, s) : iam(s, `role/${String(name)}`);
}
function userArnOf(plan: PlanResource[], name: unknown, s: Scope): string {
    const r = byName(plan, "aws:iam/user:User", name);
    return r ? iam(s, `user${r.inputs.path ?? "/"}${physical(r)}`) : iam(s, `user/${String(name)}`);
}
/** AWS-managed policies by their ARN; this stack's own by the pattern it is created under. */
function policyArnOf(plan: PlanResource[], arn: unknown, s: Scope): string {
    const own = plan.find(x => x.type === "aws:iam/policy:Policy" && x.outputs.arn === arn);
    return own ? iam(s, `policy${own.inputs.path ?? "/"}${physical(own)}`) : String(arn);
}

export interface DeployPolicy {
    document: { Version: "2012-10-17"; Statement: Record<string, unknown>[] };
    /** Resource types or data sources that no rule covers: the policy would be incomplete. */
    uncovered: string[];
}

/** The deploy role's policy for one plan: grants of every resource merged per statement id. */
export function deployPolicy(plan: Pick<Plan, "resources" | "outputs" | "invokes">): DeployPolicy {
    const region = String(plan.outputs.region ?? "");
    const s: Scope = { partition: partitionOf(region), region, account: String(plan.outputs.accountId ?? "") };
    const grants: Grant[] = [];
    const uncovered = new Set<string>();
    for (const r of plan.resources) {
        if (isPulumiOnly(r.type)) continue;
        const rule = RULES[r.type];
        if (!rule) {
            uncovered.add(r.type);
            continue;
        }
        grants.push(...rule(r, s, plan.resources));
        // Handing a role to a service (Lambda, Step Functions, AppSync, API Gateway) needs iam:PassRole, for that service only.
        const service = r.type === "aws:iam/role:Role" ? trustedService(r) : undefined;
        if (service)
            grants.push({
                sid: `PassRoleTo${service.split(".")[0].replace(/^\w/, c => c.toUpperCase())}`,
                actions: ["iam:PassRole"],
                resources: [roleArn(r, s)],
                condition: { StringEquals: { "iam:PassedToService": service } },
            });
    }
    for (const i of plan.invokes ?? []) {
        const rule = INVOKE_RULES[i.token];
        if (!rule) uncovered.add(i.token);
        else grants.push(...rule(i.args ?? {}, s));
    }
    const bySid = new Map<string, Grant>();
    for (const g of grants) {
        const had = bySid.get(g.sid);
        if (!had) {
            bySid.set(g.sid, {
                ...g,
                actions: [...g.actions],
                resources: [...g.resources],
                condition: g.condition && JSON.parse(JSON.stringify(g.condition)),
            });
            continue;
        }
        had.resources = [...new Set([...had.resources, ...g.resources])];
        had.actions = [...new Set([...had.actions, ...g.actions])];
        for (const [op, kv] of Object.entries(g.condition ?? {}))
            for (const [k, v] of Object.entries(kv)) {
                const cur = had.condition?.[op]?.[k];
                if (had.condition?.[op]) had.condition[op][k] = [...new Set([cur ?? [], v].flat())];
            }
    }
    const Statement = [...bySid.values()].map(g => ({
        Sid: g.sid,
        Effect: "Allow",
        Action: [...g.actions].sort(),
        Resource: [...g.resources].sort(),
        ...(g.condition ? { Condition: g.condition } : {}),
    }));
    return { document: { Version: "2012-10-17", Statement }, uncovered: [...uncovered].sort() };
}

async function cli(argv: string[]): Promise<void> {
    const stack = argv.find(a => !a.startsWith("-"));
    if (!stack || argv.includes("--help") || argv.includes("-h")) {
        console.error(
            "usage: npm run -s deploy-policy -- <stack>   prints the deploy role's IAM policy for .synth/<stack>/plan.json (synthesized first when missing)",
        );
        process.exit(stack ? 0 : 2);
    }
    const { planPath, synth } = require("./synth") as typeof import("./synth");
    const file = planPath(stack);
    const plan: Plan = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : await synth(stack);
    const { document, uncovered } = deployPolicy(plan);
    if (uncovered.length) {
        console.error(
            `deploy-policy: no permissions known for ${uncovered.join(", ")}: add them to tools/deployPolicy.ts (RULES / INVOKE_RULES)`,
        );
        process.exit(1);
    }
    process.stdout.write(JSON.stringify(document, null, 2) + "\n");
    console.error(
        `# ${document.Statement.length} statements for ${path.relative(process.cwd(), file)} (stack ${stack}, account ${plan.outputs.accountId}, ${plan.outputs.region})`,
    );
    process.exit(0);
}

if (require.main === module) {
    cli(process.argv.slice(2)).catch(e => {
        const { describeError } = require("./internal/harness");
        console.error(`deploy-policy failed: ${describeError(e)}`);
        process.exit(1);
    });
}
