// Caller side, opt-in (bedrock-bridge:apiGatewayAccount: manage): the API Gateway account setting of this region,
// i.e. the CloudWatch Logs role that API Gateway uses for EVERY REST API of the account in this region. A stage with
// access logs is refused ("CloudWatch Logs role ARN must be set in account settings to enable logging") until it is set.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { partitionOf, serviceTrust } from "../shared/iam";

export interface ApiGatewayAccountArgs {
    accountId: string;
    region: string;
}

/** AWS's policy for exactly this role: it must reach every API's log groups in the account, not just ours. */
export const API_GATEWAY_LOGS_POLICY = (partition: string) =>
    `arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`;

/**
 * One per region per account (CloudFormation's AWS::ApiGateway::Account: "To avoid overwriting other roles, you should
 * only have one ... per region per account"). Destroying it keeps the setting (the provider: "there is no API method
 * for deleting account settings"), so the role is kept on delete too: other APIs of the region keep logging.
 *
 * Being kept, the role must hold nothing the destroy deletes: with the stack's permissions boundary, the boundary
 * policy's delete failed (IAM DeletePolicy: DeleteConflict while a role uses it as its boundary), every time. It is
 * account-wide, not the stack's, so it is bounded by the AWS-managed policy it is given instead: a ceiling that
 * equals its one grant, that no destroy deletes, and that the deploy role may set on this role only.
 */
export class ApiGatewayAccount extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly account: aws.apigateway.Account;

    constructor(name: string, args: ApiGatewayAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:ApiGatewayAccount", name, {}, opts);
        void pulumi.log.warn(
            `bedrock-bridge:apiGatewayAccount is "manage": this stack sets the API Gateway account setting of ${args.region} in account ${args.accountId}. ` +
                "It is ACCOUNT-WIDE (one per region per account): it replaces the CloudWatch Logs role of every REST API there. Manage it in one stack only.",
            this,
        );
        const keep = { parent: this, retainOnDelete: true };
        const logsPolicy = API_GATEWAY_LOGS_POLICY(partitionOf(args.region));
        this.role = new aws.iam.Role(
            `${name}-cloudwatch`,
            {
                description:
                    "API Gateway account setting (account-wide, this region): writes the logs of every REST API (bedrock-bridge)",
                assumeRolePolicy: serviceTrust("apigateway.amazonaws.com", args.accountId, undefined, {
                    sourceAccountIfExists: true,
                }),
                // Set here, so the stack's boundary (withBoundary: roles without one) is not put on it.
                permissionsBoundary: logsPolicy,
            },
            keep,
        );
        const push = new aws.iam.RolePolicyAttachment(
            `${name}-cloudwatch`,
            { role: this.role.name, policyArn: logsPolicy },
            keep,
        );
        // API Gateway checks at once that it can assume the role with that policy: both must exist first.
        this.account = new aws.apigateway.Account(
            name,
            { cloudwatchRoleArn: this.role.arn },
            { parent: this, dependsOn: [push] },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}
