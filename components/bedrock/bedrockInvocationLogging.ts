// Bedrock account side, opt-in (bedrock-bridge:invocationLogging): model invocation logging to a CloudWatch log
// group with a retention. Text, image, embedding and video delivery are off unless the stack turns them on, so
// the log keeps metadata only: who called (identity.arn), which model, token counts and our requestMetadata
// (caller, tenant, user). The provider defaults every delivery flag to true, so each is set explicitly.
// https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { partitionOf, policyJson, serviceTrust } from "../shared/iam";

/** The log stream Bedrock writes to in the destination group (named by AWS's documented role policy). */
export const INVOCATION_LOG_STREAM = "aws/bedrock/modelinvocations";
/** Tag on the log group that records, for reviewers and the policy pack, that the stack asked for prompt text. */
export const PROMPT_TEXT_TAG = "bedrock-bridge:prompt-text";

export interface InvocationLoggingDelivery {
    text: boolean;
    image: boolean;
    embedding: boolean;
    video: boolean;
}

export interface BedrockInvocationLoggingArgs {
    accountId: string;
    region: string;
    retentionDays: number;
    delivery: InvocationLoggingDelivery;
}

export class BedrockInvocationLogging extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly configuration: aws.bedrockmodel.InvocationLoggingConfiguration;

    constructor(name: string, args: BedrockInvocationLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:BedrockInvocationLogging", name, {}, opts);
        const parent = { parent: this };
        const partition = partitionOf(args.region);
        const d = args.delivery;
        const content = d.text || d.image || d.embedding || d.video;

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/bedrock/bedrock-bridge/${pulumi.getStack()}/invocations`,
                retentionInDays: args.retentionDays,
                tags: {
                    "bedrock-bridge:component": "BedrockInvocationLogging",
                    [PROMPT_TEXT_TAG]: content ? "delivered-by-config" : "none",
                },
            },
            parent,
        );
        // Trust as AWS documents it: the Bedrock service, for this account's Bedrock resources only.
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                path: "/service-role/bedrock-bridge/",
                description: "Amazon Bedrock writes model invocation logs to the bedrock-bridge log group",
                assumeRolePolicy: serviceTrust(
                    "bedrock.amazonaws.com",
                    args.accountId,
                    `arn:${partition}:bedrock:${args.region}:${args.accountId}:*`,
                ),
                tags: { "bedrock-bridge:component": "BedrockInvocationLogging" },
            },
            parent,
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-write`,
            {
                role: this.role.id,
                name: "write-invocation-logs",
                policy: policyJson([
                    this.logGroup.arn.apply(arn => ({
                        Sid: "WriteInvocationLogs",
                        Effect: "Allow" as const,
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                        // The group's ARN ends in ":*"; the stream Bedrock uses is fixed.
                        Resource: `${arn.replace(/:\*$/, "")}:log-stream:${INVOCATION_LOG_STREAM}`,
                    })),
                ]),
            },
            parent,
        );
        // One configuration per account and Region: a second stack in the same account/Region would overwrite it.
        this.configuration = new aws.bedrockmodel.InvocationLoggingConfiguration(
            name,
            {
                loggingConfig: {
                    cloudwatchConfig: { logGroupName: this.logGroup.name, roleArn: this.role.arn },
                    textDataDeliveryEnabled: d.text,
                    imageDataDeliveryEnabled: d.image,
                    embeddingDataDeliveryEnabled: d.embedding,
                    videoDataDeliveryEnabled: d.video,
                },
            },
            { parent: this, dependsOn: [policy] },
        );
        this.registerOutputs({ logGroupName: this.logGroup.name, roleArn: this.role.arn });
    }
}
