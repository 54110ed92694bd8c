// Caller side, streaming chat: the AppSync Events API. Connect with Cognito or IAM, subscribe with Cognito only
// (and only to one's own channels, functions/chat/appsync/onSubscribe.js), publish with IAM only (the relay).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as path from "path";
import { policyJson, serviceTrust, stackResourceName, stackTags } from "../shared/iam";

export const ON_SUBSCRIBE_FILE = path.join(__dirname, "..", "..", "functions", "chat", "appsync", "onSubscribe.js");

export interface ChatEventsApiArgs {
    accountId: string;
    region: string;
    rolePath: string;
    /** The channel namespace (bedrock-bridge:chat.namespace). */
    namespace: string;
    userPoolId: pulumi.Output<string>;
    logRetentionDays: number;
}

export class ChatEventsApi extends pulumi.ComponentResource {
    readonly eventApi: aws.appsync.Api;
    readonly namespace: aws.appsync.ChannelNamespace;
    readonly httpEndpoint: pulumi.Output<string>;
    readonly realtimeEndpoint: pulumi.Output<string>;

    constructor(name: string, args: ChatEventsApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:ChatEventsApi", name, {}, opts);
        const parent = { parent: this };
        const appsyncLogsRole = new aws.iam.Role(
            `${name}-appsync-logs`,
            {
                name: stackResourceName(`${name}-appsync-logs`, { max: 64, global: true }),
                path: args.rolePath,
                description: "bedrock-bridge chat: AppSync Events writes its logs",
                assumeRolePolicy: serviceTrust("appsync.amazonaws.com", args.accountId),
            },
            parent,
        );
        const cognito = { authType: "AMAZON_COGNITO_USER_POOLS" };
        const iamAuth = { authType: "AWS_IAM" };
        this.eventApi = new aws.appsync.Api(
            `${name}-events`,
            {
                name: `bedrock-bridge-chat-${pulumi.getStack()}`.slice(0, 50),
                eventConfig: {
                    authProviders: [
                        {
                            ...cognito,
                            cognitoConfig: {
                                userPoolId: args.userPoolId,
                                awsRegion: args.userPoolId.apply(id => id.split("_")[0]),
                            },
                        },
                        iamAuth,
                    ],
                    connectionAuthModes: [cognito, iamAuth],
                    defaultPublishAuthModes: [iamAuth],
                    defaultSubscribeAuthModes: [cognito],
                    // ERROR, not ALL: ALL would copy every answer into CloudWatch.
                    logConfig: { cloudwatchLogsRoleArn: appsyncLogsRole.arn, logLevel: "ERROR" },
                },
                // The deploy role may change only the APIs carrying this tag (tools/deployPolicy.ts).
                tags: stackTags(),
            },
            parent,
        );
        // AppSync writes to /aws/appsync/apis/<apiId> and would create it with no retention ("never expire"); made
        // here instead, with the stack's retention, so the role needs no logs:CreateLogGroup and only this group.
        const appsyncLogs = new aws.cloudwatch.LogGroup(
            `${name}-appsync-logs`,
            {
                name: pulumi.interpolate`/aws/appsync/apis/${this.eventApi.apiId}`,
                retentionInDays: args.logRetentionDays,
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-appsync-logs`,
            {
                role: appsyncLogsRole.id,
                name: "appsync-logs",
                policy: policyJson([
                    appsyncLogs.arn.apply(arn => ({
                        Sid: "WriteAppSyncLogs",
                        Effect: "Allow" as const,
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource: [`${arn}:*`],
                    })),
                ]),
            },
            parent,
        );
        this.namespace = new aws.appsync.ChannelNamespace(
            `${name}-namespace`,
            {
                apiId: this.eventApi.apiId,
                name: args.namespace,
                codeHandlers: fs.readFileSync(ON_SUBSCRIBE_FILE, "utf8"),
                publishAuthModes: [iamAuth],
                subscribeAuthModes: [cognito],
                tags: stackTags(),
            },
            parent,
        );
        this.httpEndpoint = this.eventApi.dns.apply(d => `https://${d.HTTP}/event`);
        this.realtimeEndpoint = this.eventApi.dns.apply(d => `wss://${d.REALTIME}/event/realtime`);

        this.registerOutputs({ httpEndpoint: this.httpEndpoint, realtimeEndpoint: this.realtimeEndpoint });
    }
}
