// Small, shared IAM helpers: policy documents are plain data, serialized once.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export function policy(statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** Serializes a document whose values may be Outputs (ARNs of other resources). */
export function policyJson(statements: pulumi.Input<pulumi.Input<Statement>[]>): pulumi.Output<string> {
    return pulumi.output(statements).apply(s => JSON.stringify(policy(s as Statement[]), null, 2));
}

export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/**
 * Trust for an AWS service principal, pinned to this account (and to the exact source resource where the
 * service sends one), so the confused-deputy problem cannot hand the role to another account's resource.
 */
export function serviceTrust(
    service: string,
    accountId: string,
    sourceArn?: pulumi.Input<string>,
    opts: { sourceAccountIfExists?: boolean } = {},
): pulumi.Output<string> {
    return pulumi.output(sourceArn).apply(arn => {
        // IfExists for a service that may assume the role without sending aws:SourceAccount (API Gateway does so for
        // roles it assumes on its own behalf), where StringEquals would lock the service out.
        const condition: Statement["Condition"] = {
            [opts.sourceAccountIfExists ? "StringEqualsIfExists" : "StringEquals"]: { "aws:SourceAccount": accountId },
        };
        if (arn) condition.ArnLike = { "aws:SourceArn": arn };
        return JSON.stringify(
            policy([
                { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: condition },
            ]),
            null,
            2,
        );
    });
}

/** Statement letting a role write to exactly one log group. */
export function logWriteStatement(logGroupArn: pulumi.Input<string>): pulumi.Output<Statement> {
    return pulumi.output(logGroupArn).apply(arn => ({
        Sid: "WriteOwnLogs",
        Effect: "Allow" as const,
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${arn}:*`],
    }));
}

/**
 * A name for an account-global resource (IAM roles and users): IAM names are unique per account across all regions,
 * so a second stack of the same account (another region to pool quota, say) would fail with EntityAlreadyExists on a
 * fixed name. `<base>-<stack>-<region>`; when that is longer than `max`, it is cut and ends in a hash of the whole.
 */
export function scopedName(base: string, region: string, max = 64, stack = pulumi.getStack()): string {
    const full = `${base}-${stack}-${region}`.replace(/[^\w+=,.@-]/g, "-");
    if (full.length <= max) return full;
    const hash = crypto.createHash("sha256").update(full).digest("hex").slice(0, 8);
    return `${full.slice(0, max - 9)}-${hash}`;
}

/**
 * The physical name of a resource that only this stack produces: `bedrock-bridge-<stack>-<logical>`, with the region
 * for account-global names (IAM roles), cut to `max` and ended with a hash of the whole when longer. The deploy role
 * is granted exactly these names (tools/deployPolicy.ts). Pulumi's auto-names (`<logical>-<7 hex>`) could only be
 * granted as `<logical>-*`, which matches any other team's `gateway-…` or `invoker-…` in the account; tag conditions
 * instead would deny the reads of a resource already gone (a deleted one has no tags: AccessDenied, not NotFound)
 * that refresh and delete waits depend on. Lambda names take 64 characters, DynamoDB tables 255, IAM roles 64.
 */
export function stackResourceName(
    logical: string,
    opts: { max: number; global?: boolean },
    stack = pulumi.getStack(),
): string {
    const region = opts.global ? new pulumi.Config("aws").get("region") : undefined;
    const full = ["bedrock-bridge", stack, logical, region]
        .filter(Boolean)
        .join("-")
        .replace(/[^\w+=,.@-]/g, "-");
    if (full.length <= opts.max) return full;
    const hash = crypto.createHash("sha256").update(full).digest("hex").slice(0, 8);
    return `${full.slice(0, opts.max - 9)}-${hash}`;
}

/**
 * The tag the stack sets on resources that get generated ids (user pools, AppSync APIs): the deploy role may change
 * or delete only those carrying it with this stack's name (aws:ResourceTag in tools/deployPolicy.ts).
 */
export const STACK_TAG = "bedrock-bridge:stack";
export const stackTags = (stack = pulumi.getStack()): Record<string, string> => ({ [STACK_TAG]: stack });

/**
 * Vended log delivery, as Step Functions sets it up with a state machine's own role: these actions take no resource
 * ARN, so they need Resource "*" (the statement holds exactly them). The state machine's role and the permissions
 * boundary both name this list.
 */
export const LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
];

/** Sending X-Ray traces (no resource-level permissions either). */
export const XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
];
