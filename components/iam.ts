// Small, shared IAM helpers: policy documents are plain data, serialized once.
import * as pulumi from "@pulumi/pulumi";

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
export function serviceTrust(service: string, accountId: string, sourceArn?: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(sourceArn).apply(arn => {
        const condition: Statement["Condition"] = { StringEquals: { "aws:SourceAccount": accountId } };
        if (arn) condition.ArnLike = { "aws:SourceArn": arn };
        return JSON.stringify(policy([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: condition }]), null, 2);
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
