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

/**
 * One per region per account (CloudFormation's AWS::ApiGateway::Account: "To avoid overwriting other roles, you should
 * only have one ... per region per account"). Destroying it keeps the setting (the provider: "there is no API method
 * for deleting account settings"), so the role is kept on delete too: other APIs of the region keep logging.
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
        this.role = new aws.iam.Role(
            `${name}-cloudwatch`,
            {
                description:
                    "API Gateway account setting (account-wide, this region): writes the logs of every REST API (bedrock-bridge)",
                assumeRolePolicy: serviceTrust("apigateway.amazonaws.com", args.accountId, undefined, {
                    sourceAccountIfExists: true,
                }),
            },
            keep,
        );
        // AWS's policy for exactly this role: it must reach every API's log groups in the account, not just ours.
        const push = new aws.iam.RolePolicyAttachment(
            `${name}-cloudwatch`,
            {
                role: this.role.name,
                policyArn: `arn:${partitionOf(args.region)}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
            },
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
