// The permissions boundary of every role the stack creates (and of its Bedrock API-key users): the most any of them
// may do, whatever its own policies say. The deploy role may create roles (and write their policies) only with this boundary attached
// (tools/deployPolicy.ts, iam:PermissionsBoundary), so it cannot mint a role stronger than the stack needs; and it
// may never write the boundary itself (an explicit Deny there): a deploy role that could rewrite its own bound would
// not be bounded. The same document is created either by the stack (bedrock-bridge:permissionsBoundary: true, for
// deploys by an admin) or once outside it (`npm run boundary`, then the key names its ARN, for a CI deploy role).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LOG_DELIVERY_ACTIONS, partitionOf, policy, scopedName, Statement, XRAY_ACTIONS } from "./iam";

export interface PermissionsBoundaryArgs {
    accountId: string;
    region: string;
}

/**
 * What the stack's roles do, by service (a ceiling, not a grant: each role's own policy stays least-privilege):
 * Bedrock inference and guardrails, assuming the Bedrock accounts' roles, writing logs and traces, publishing to
 * AppSync Events, the gateway's token windows in DynamoDB, and the budget cut-off attaching its deny policy to a
 * role that carries this same boundary (never to another role).
 */
export function boundaryStatements(accountId: string, region: string, boundaryArn: string): Statement[] {
    const partition = partitionOf(region);
    const account = (service: string, resource: string) => `arn:${partition}:${service}:*:${accountId}:${resource}`;
    return [
        {
            Sid: "BedrockInference",
            Effect: "Allow",
            Action: [
                "bedrock:InvokeModel",
                "bedrock:InvokeModelWithResponseStream",
                "bedrock:CountTokens",
                "bedrock:ApplyGuardrail",
                "bedrock:CallWithBearerToken",
                "bedrock:GetInferenceProfile",
                "bedrock:GetFoundationModel",
            ],
            Resource: "*",
        },
        {
            Sid: "BedrockMarketplaceModels",
            Effect: "Allow",
            Action: ["aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe"],
            Resource: "*",
        },
        {
            Sid: "AssumeBedrockRoles",
            Effect: "Allow",
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            Resource: `arn:${partition}:iam::*:role/*`,
        },
        {
            Sid: "Logs",
            Effect: "Allow",
            Action: [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
            ],
            Resource: [account("logs", "log-group:*"), account("logs", "log-group:*:log-stream:*")],
        },
        {
            // Step Functions sets up its log delivery with the state machine's role; these take no resource ARN.
            Sid: "LogDelivery",
            Effect: "Allow",
            Action: LOG_DELIVERY_ACTIONS,
            Resource: "*",
        },
        {
            Sid: "Traces",
            Effect: "Allow",
            Action: [...XRAY_ACTIONS, "cloudwatch:PutMetricData"],
            Resource: "*",
        },
        {
            Sid: "PublishEvents",
            Effect: "Allow",
            Action: ["appsync:EventConnect", "appsync:EventPublish"],
            Resource: account("appsync", "apis/*"),
        },
        {
            Sid: "OwnTables",
            Effect: "Allow",
            Action: [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
            ],
            Resource: account("dynamodb", "table/*"),
        },
        {
            // The budget cut-off (budgets.amazonaws.com with the stack's role) attaches this account's deny policy,
            // and only to roles bounded like itself: it cannot lift another role beyond this boundary.
            Sid: "BudgetCutOff",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: `arn:${partition}:iam::${accountId}:role/*`,
            Condition: {
                ArnLike: { "iam:PolicyARN": `arn:${partition}:iam::${accountId}:policy/*` },
                StringEquals: { "iam:PermissionsBoundary": boundaryArn },
            },
        },
    ];
}

/** The boundary policy's name: IAM names are account-global, so it carries the stack and region. */
export const boundaryName = (region: string, stack = pulumi.getStack()) =>
    scopedName("bedrock-bridge-boundary", region, 128, stack);

/**
 * The name `npm run boundary` gives the boundary it makes outside the stack: another name than the stack's own
 * (IAM policy names are unique in an account), so a stack moving from its own to that one creates the new before
 * the old is deleted, and its roles are re-bounded in place (docs/deploying.md, "Permissions boundary").
 */
export const externalBoundaryName = (region: string, stack = pulumi.getStack()) =>
    scopedName("bedrock-bridge-admin-boundary", region, 128, stack);

const policyArn = (accountId: string, region: string, name: string) =>
    `arn:${partitionOf(region)}:iam::${accountId}:policy/${name}`;
/** The ARN of the boundary the stack creates itself. */
export const boundaryArnFor = (accountId: string, region: string, stack = pulumi.getStack()) =>
    policyArn(accountId, region, boundaryName(region, stack));
/** The ARN of the boundary `npm run boundary` makes, for bedrock-bridge:permissionsBoundary. */
export const externalBoundaryArnFor = (accountId: string, region: string, stack = pulumi.getStack()) =>
    policyArn(accountId, region, externalBoundaryName(region, stack));

/** The boundary as IAM stores it, for the policy `arn` (its budget cut-off statement names the boundary itself). */
export const boundaryDocument = (accountId: string, region: string, arn: string) =>
    policy(boundaryStatements(accountId, region, arn));

export const BOUNDARY_DESCRIPTION = "bedrock-bridge: permissions boundary of every role this stack creates";
/** Made outside the stack by an admin: the description says so, and who may change it. */
export const EXTERNAL_BOUNDARY_DESCRIPTION =
    "bedrock-bridge: permissions boundary of every role the stack creates; made by npm run boundary, changed by admins only";

/** The managed policy the stack creates as its roles' boundary (bedrock-bridge:permissionsBoundary: true). */
export class PermissionsBoundary extends pulumi.ComponentResource {
    readonly policy: aws.iam.Policy;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:PermissionsBoundary", name, {}, opts);
        // Its own ARN is known before it exists: the budget cut-off statement names it.
        const arn = boundaryArnFor(args.accountId, args.region);
        this.policy = new aws.iam.Policy(
            `${name}-policy`,
            {
                name: boundaryName(args.region),
                description: BOUNDARY_DESCRIPTION,
                policy: JSON.stringify(boundaryDocument(args.accountId, args.region, arn), null, 2),
            },
            { parent: this },
        );
        this.arn = this.policy.arn;
        this.registerOutputs({ arn: this.arn });
    }
}

/** What the transformation bounds: every role, and the IAM users behind Bedrock API keys (their own Bedrock credentials). */
const BOUNDED_TYPES = ["aws:iam/role:Role", "aws:iam/user:User"];

/**
 * Resource options that put `boundaryArn` on every IAM role and user created under a component (a transformation,
 * so one added later gets it too); no boundary, no change. Pass them to every top-level component of the program.
 * A user's boundary is an in-place update (the provider's permissions_boundary on aws_iam_user is not ForceNew).
 */
export function withBoundary(boundaryArn: pulumi.Input<string> | undefined): pulumi.ComponentResourceOptions {
    if (!boundaryArn) return {};
    return {
        transformations: [
            a =>
                BOUNDED_TYPES.includes(a.type) && !a.props.permissionsBoundary
                    ? { props: { ...a.props, permissionsBoundary: boundaryArn }, opts: a.opts }
                    : undefined,
        ],
    };
}
