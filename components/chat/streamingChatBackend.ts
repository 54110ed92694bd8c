// Caller side: the streaming chat backend of seed 003. A Cognito-authorized REST POST invokes the relay Lambda
// asynchronously (202 at once); the relay reads ConverseStream through the Bedrock account's role and publishes
// the deltas to /<namespace>/<sub>/<sessionid> on an AppSync Events API that only that user may subscribe to.
// One part per concern: sign-in (chatSignIn.ts), events API (chatEventsApi.ts), REST API (chatRestApi.ts), and
// the relay here, a CallerFunction like the invoker.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ChatConfig } from "../../config";
import { createStreamingChatHandler, type ChatEvent, type ChatResult } from "../../functions/chat/streamingChat";
import type { BedrockAuth, BedrockTargetRef } from "../caller/bedrockTargets";
import { CallerFunction } from "../caller/callerFunction";
import type { MonitoredFunction } from "../caller/callerMonitoring";
import { ChatEventsApi } from "./chatEventsApi";
import { ChatRestApi } from "./chatRestApi";
import { ChatSignIn } from "./chatSignIn";

export { ON_SUBSCRIBE_FILE } from "./chatEventsApi";
export { corsOverride, REQUEST_TEMPLATE, requestSchema, SESSION_ID_PATTERN } from "./chatRestApi";

export interface StreamingChatBackendArgs {
    accountId: string;
    region: string;
    rolePath: string;
    targets: BedrockTargetRef[];
    modelId: pulumi.Input<string>;
    logRetentionDays: number;
    chat: ChatConfig;
    /** SigV4 with the assumed role, or short-term Bedrock API keys made from it (bedrock-bridge:auth). */
    auth?: BedrockAuth;
    /**
     * Stage access logs: API Gateway refuses them until the region's account setting has a CloudWatch Logs role.
     * true when the account has one, { after } when this stack manages it, false (default) for none.
     */
    accessLogs?: boolean | { after: pulumi.Resource };
}

export class StreamingChatBackend extends pulumi.ComponentResource {
    readonly userPoolId: pulumi.Output<string>;
    readonly userPoolClientId: pulumi.Output<string>;
    readonly userPoolArn: pulumi.Output<string>;
    readonly eventApi: aws.appsync.Api;
    readonly namespace: aws.appsync.ChannelNamespace;
    readonly function: aws.lambda.CallbackFunction<ChatEvent, ChatResult>;
    readonly role: aws.iam.Role;
    readonly restApi: aws.apigateway.RestApi;
    readonly stage: aws.apigateway.Stage;
    readonly restEndpoint: pulumi.Output<string>;
    readonly httpEndpoint: pulumi.Output<string>;
    readonly realtimeEndpoint: pulumi.Output<string>;
    readonly monitored: MonitoredFunction;

    constructor(name: string, args: StreamingChatBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:StreamingChatBackend", name, {}, opts);
        const c = args.chat;
        const parent = { parent: this };

        const signIn = new ChatSignIn(name, { accountId: args.accountId, region: args.region, chat: c }, parent);
        [this.userPoolId, this.userPoolClientId, this.userPoolArn] = [
            signIn.userPoolId,
            signIn.userPoolClientId,
            signIn.userPoolArn,
        ];

        const events = new ChatEventsApi(
            name,
            {
                accountId: args.accountId,
                region: args.region,
                rolePath: args.rolePath,
                namespace: c.namespace,
                userPoolId: signIn.userPoolId,
                logRetentionDays: args.logRetentionDays,
            },
            parent,
        );
        [this.eventApi, this.namespace, this.httpEndpoint, this.realtimeEndpoint] = [
            events.eventApi,
            events.namespace,
            events.httpEndpoint,
            events.realtimeEndpoint,
        ];

        // --- Relay: publishes only to its namespace, reaches Bedrock only through the referenced role(s).
        const limits = {
            minPromptChars: c.minPromptChars,
            maxPromptChars: c.maxPromptChars,
            maxPriorTurns: c.maxPriorTurns,
            maxTurnChars: c.maxTurnChars,
            maxTokens: c.maxTokens,
        };
        const relay = new CallerFunction(
            `${name}-relay`,
            {
                service: "relay",
                accountId: args.accountId,
                rolePath: args.rolePath,
                targets: args.targets,
                logRetentionDays: args.logRetentionDays,
                auth: args.auth,
                callbackFactory: () => createStreamingChatHandler(),
                description: "bedrock-bridge chat: ConverseStream relayed to AppSync Events",
                roleDescription:
                    "bedrock-bridge chat relay: assumes the Bedrock account's role, publishes to its AppSync namespace",
                statements: [
                    events.namespace.channelNamespaceArn.apply(arn => ({
                        Sid: "PublishToChatNamespace",
                        Effect: "Allow" as const,
                        Action: "appsync:EventPublish",
                        Resource: arn,
                    })),
                ],
                memorySize: c.memorySize,
                timeoutSeconds: c.timeoutSeconds,
                // @smithy/signature-v4 (AppSync publishing) ships with the runtime's SDK: not bundled.
                environment: {
                    CHAT_MODEL_ID: args.modelId,
                    CHAT_NAMESPACE: c.namespace,
                    APPSYNC_HTTP_ENDPOINT: events.httpEndpoint,
                    APPSYNC_REGION: args.region,
                    CHAT_LIMITS: JSON.stringify(limits),
                    CHAT_COALESCE_MS: String(c.coalesceMs),
                    CHAT_PUBLISH_OUTAGE_SECONDS: String(c.publishOutageSeconds),
                    ...(c.systemPrompt ? { CHAT_SYSTEM_PROMPT: c.systemPrompt } : {}),
                },
                environmentSources: {
                    CHAT_SYSTEM_PROMPT: "bedrock-bridge:chat.systemPrompt",
                    CHAT_MODEL_ID: "bedrock-bridge:chat.modelId",
                    CHAT_NAMESPACE: "bedrock-bridge:chat.namespace",
                },
            },
            parent,
        );
        [this.function, this.role, this.monitored] = [relay.function, relay.role, relay.monitored];
        // Invoked asynchronously by the API: a retry would replay the whole answer on the channel.
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-relay-async`,
            {
                functionName: relay.function.name,
                maximumRetryAttempts: 0,
                maximumEventAgeInSeconds: c.maxEventAgeSeconds,
            },
            parent,
        );

        const rest = new ChatRestApi(
            name,
            {
                accountId: args.accountId,
                chat: c,
                logRetentionDays: args.logRetentionDays,
                userPoolArn: signIn.userPoolArn,
                functionName: relay.function.name,
                functionInvokeArn: relay.function.invokeArn,
                accessLogs: args.accessLogs,
            },
            parent,
        );
        [this.restApi, this.stage, this.restEndpoint] = [rest.restApi, rest.stage, rest.restEndpoint];

        this.registerOutputs({
            restEndpoint: this.restEndpoint,
            httpEndpoint: this.httpEndpoint,
            realtimeEndpoint: this.realtimeEndpoint,
            userPoolId: this.userPoolId,
            userPoolClientId: this.userPoolClientId,
        });
    }
}
