// Caller side: the streaming chat backend of seed 003. A Cognito-authorized REST POST invokes the relay Lambda
// asynchronously (202 at once); the relay reads ConverseStream through the Bedrock account's role and publishes
// the deltas to /<namespace>/<sub>/<sessionid> on an AppSync Events API that only that user may subscribe to.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ChatConfig } from "../config";
import { CHANNEL_SEGMENT, createStreamingChatHandler } from "../functions/streamingChat";
import { BedrockAuth, BedrockTargetRef, bedrockAuthPackaging, CallerRole, targetValues } from "./bedrockTargets";
import { logWriteStatement, partitionOf, policyJson, serviceTrust } from "./iam";
import { logGroupFor, nodeFunction } from "./nodeFunction";

export const ON_SUBSCRIBE_FILE = path.join(__dirname, "..", "functions", "appsync", "onSubscribe.js");
/** The session id becomes a channel segment: AppSync's namespace rule (functions/streamingChat.ts). */
export const SESSION_ID_PATTERN = CHANNEL_SEGMENT.source;
const CORS_HEADERS = "Content-Type,Authorization,X-Amz-Date,X-Amz-Security-Token";

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

/** The JSON schema (draft-04, API Gateway's dialect) of the request body; the gateway answers 400 itself. */
export function requestSchema(c: ChatConfig): Record<string, unknown> {
    return {
        $schema: "http://json-schema.org/draft-04/schema#",
        title: "ChatRequest",
        type: "object",
        required: ["prompt", "sessionid"],
        additionalProperties: false,
        properties: {
            prompt: { type: "string", minLength: c.minPromptChars, maxLength: c.maxPromptChars },
            sessionid: { type: "string", pattern: SESSION_ID_PATTERN },
            history: {
                type: "array",
                maxItems: c.maxPriorTurns * 2,
                items: {
                    type: "object",
                    required: ["role", "content"],
                    additionalProperties: false,
                    properties: { role: { type: "string", enum: ["user", "assistant"] }, content: { type: "string", minLength: 1, maxLength: c.maxTurnChars } },
                },
            },
        },
    };
}

/**
 * The integration request: the validated body, the sub from the verified token (never from the body) and the
 * request id, which the 202 answer also carries so the client can match events.
 */
export const REQUEST_TEMPLATE = [
    "{",
    `  "body": $input.json('$'),`,
    `  "sub": "$util.escapeJavaScript($context.authorizer.claims.sub)",`,
    `  "requestId": "$context.requestId"`,
    "}",
].join("\n");

/** Echoes the request's Origin only when it is one of the allowed ones (a REST API header holds one origin). */
export function corsOverride(origins: string[]): string {
    const cond = origins.map(o => `$origin == "${o}"`).join(" || ");
    return `#set($origin = $input.params("Origin"))\n#if($origin == "")#set($origin = $input.params("origin"))#end\n#if(${cond})#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)#end`;
}

export class StreamingChatBackend extends pulumi.ComponentResource {
    readonly userPoolId: pulumi.Output<string>;
    readonly userPoolClientId: pulumi.Output<string>;
    readonly userPoolArn: pulumi.Output<string>;
    readonly eventApi: aws.appsync.Api;
    readonly namespace: aws.appsync.ChannelNamespace;
    readonly function: aws.lambda.CallbackFunction<any, any>;
    readonly role: aws.iam.Role;
    readonly restApi: aws.apigateway.RestApi;
    readonly stage: aws.apigateway.Stage;
    readonly restEndpoint: pulumi.Output<string>;
    readonly httpEndpoint: pulumi.Output<string>;
    readonly realtimeEndpoint: pulumi.Output<string>;

    constructor(name: string, args: StreamingChatBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:StreamingChatBackend", name, {}, opts);
        const c = args.chat;
        const partition = partitionOf(args.region);
        const parent = { parent: this };

        // --- Cognito: a new pool and public app client, or an existing pair from config.
        if (c.userPoolId && c.userPoolClientId) {
            this.userPoolId = pulumi.output(c.userPoolId);
            this.userPoolClientId = pulumi.output(c.userPoolClientId);
            const poolRegion = c.userPoolId.split("_")[0];
            this.userPoolArn = pulumi.output(`arn:${partition}:cognito-idp:${poolRegion}:${args.accountId}:userpool/${c.userPoolId}`);
        } else {
            const pool = new aws.cognito.UserPool(`${name}-users`, {
                usernameAttributes: ["email"],
                autoVerifiedAttributes: ["email"],
                passwordPolicy: { minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: true, temporaryPasswordValidityDays: 3 },
                adminCreateUserConfig: { allowAdminCreateUserOnly: !c.selfSignUp },
                mfaConfiguration: "OPTIONAL",
                softwareTokenMfaConfiguration: { enabled: true },
                accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
                deletionProtection: "ACTIVE",
            }, parent);
            const client = new aws.cognito.UserPoolClient(`${name}-client`, {
                userPoolId: pool.id,
                generateSecret: false, // a browser app cannot keep a secret
                explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                preventUserExistenceErrors: "ENABLED",
                enableTokenRevocation: true,
                accessTokenValidity: 60,
                idTokenValidity: 60,
                refreshTokenValidity: 30,
                tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
            }, parent);
            this.userPoolId = pool.id;
            this.userPoolClientId = client.id;
            this.userPoolArn = pool.arn;
        }

        // --- AppSync Events: connect with Cognito or IAM, subscribe with Cognito only, publish with IAM only.
        const appsyncLogsRole = new aws.iam.Role(`${name}-appsync-logs`, {
            path: args.rolePath,
            description: "bedrock-bridge chat: AppSync Events writes its logs",
            assumeRolePolicy: serviceTrust("appsync.amazonaws.com", args.accountId),
        }, parent);
        const cognito = { authType: "AMAZON_COGNITO_USER_POOLS" };
        const iamAuth = { authType: "AWS_IAM" };
        this.eventApi = new aws.appsync.Api(`${name}-events`, {
            name: `bedrock-bridge-chat-${pulumi.getStack()}`.slice(0, 50),
            eventConfig: {
                authProviders: [{ ...cognito, cognitoConfig: { userPoolId: this.userPoolId, awsRegion: this.userPoolId.apply(id => id.split("_")[0]) } }, iamAuth],
                connectionAuthModes: [cognito, iamAuth],
                defaultPublishAuthModes: [iamAuth],
                defaultSubscribeAuthModes: [cognito],
                // ERROR, not ALL: ALL would copy every answer into CloudWatch.
                logConfig: { cloudwatchLogsRoleArn: appsyncLogsRole.arn, logLevel: "ERROR" },
            },
        }, parent);
        // AppSync writes to /aws/appsync/apis/<apiId> and would create it with no retention ("never expire"); made
        // here instead, with the stack's retention, so the role needs no logs:CreateLogGroup and only this group.
        const appsyncLogs = new aws.cloudwatch.LogGroup(`${name}-appsync-logs`, {
            name: pulumi.interpolate`/aws/appsync/apis/${this.eventApi.apiId}`,
            retentionInDays: args.logRetentionDays,
        }, parent);
        new aws.iam.RolePolicy(`${name}-appsync-logs`, {
            role: appsyncLogsRole.id,
            name: "appsync-logs",
            policy: policyJson([appsyncLogs.arn.apply(arn => ({
                Sid: "WriteAppSyncLogs",
                Effect: "Allow" as const,
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [`${arn}:*`],
            }))]),
        }, parent);
        this.namespace = new aws.appsync.ChannelNamespace(`${name}-namespace`, {
            apiId: this.eventApi.apiId,
            name: c.namespace,
            codeHandlers: fs.readFileSync(ON_SUBSCRIBE_FILE, "utf8"),
            publishAuthModes: [iamAuth],
            subscribeAuthModes: [cognito],
        }, parent);
        this.httpEndpoint = this.eventApi.dns.apply(d => `https://${d.HTTP}/event`);
        this.realtimeEndpoint = this.eventApi.dns.apply(d => `wss://${d.REALTIME}/event/realtime`);

        // --- Relay Lambda: publishes only to its namespace, reaches Bedrock only through the referenced role(s).
        const logGroup = logGroupFor(`${name}-relay`, args.logRetentionDays, this);
        const relayRole = new CallerRole(`${name}-relay-role`, {
            service: "lambda.amazonaws.com",
            accountId: args.accountId,
            path: args.rolePath,
            targets: args.targets,
            statements: [
                logWriteStatement(logGroup.arn),
                this.namespace.channelNamespaceArn.apply(arn => ({ Sid: "PublishToChatNamespace", Effect: "Allow" as const, Action: "appsync:EventPublish", Resource: arn })),
            ],
            description: "bedrock-bridge chat relay: assumes the Bedrock account's role, publishes to its AppSync namespace",
        }, parent);
        this.role = relayRole.role;
        const limits = { minPromptChars: c.minPromptChars, maxPromptChars: c.maxPromptChars, maxPriorTurns: c.maxPriorTurns, maxTurnChars: c.maxTurnChars, maxTokens: c.maxTokens };
        const auth = bedrockAuthPackaging(args.auth);
        this.function = nodeFunction(`${name}-relay`, {
            callbackFactory: () => createStreamingChatHandler(),
            role: this.role,
            logGroup,
            description: "bedrock-bridge chat: ConverseStream relayed to AppSync Events",
            memorySize: c.memorySize,
            timeout: c.timeoutSeconds,
            // @smithy/signature-v4 ships with the runtime's SDK (a dependency of @aws-sdk/core): not bundled.
            bundle: auth.bundle,
            bundleSkip: auth.bundleSkip,
            environment: {
                ...auth.env,
                BEDROCK_TARGETS: targetValues(args.targets).apply(v => JSON.stringify(v)),
                CHAT_MODEL_ID: args.modelId,
                CHAT_NAMESPACE: c.namespace,
                APPSYNC_HTTP_ENDPOINT: this.httpEndpoint,
                APPSYNC_REGION: args.region,
                CHAT_LIMITS: JSON.stringify(limits),
                CHAT_COALESCE_MS: String(c.coalesceMs),
                ...(c.systemPrompt ? { CHAT_SYSTEM_PROMPT: c.systemPrompt } : {}),
            },
            environmentSources: {
                CHAT_SYSTEM_PROMPT: "bedrock-bridge:chat.systemPrompt",
                BEDROCK_TARGETS: "bedrock-bridge:bedrockStacks (the referenced stacks' role ARNs and models)",
                CHAT_MODEL_ID: "bedrock-bridge:chat.modelId",
                CHAT_NAMESPACE: "bedrock-bridge:chat.namespace",
            },
        }, this, [relayRole.policy]);
        // Invoked asynchronously by the API: a retry would replay the whole answer on the channel.
        new aws.lambda.FunctionEventInvokeConfig(`${name}-relay-async`, {
            functionName: this.function.name,
            maximumRetryAttempts: 0,
            maximumEventAgeInSeconds: c.maxEventAgeSeconds,
        }, parent);

        // --- API Gateway REST: POST /<path> (Cognito) -> Lambda Event invocation -> 202 {requestId}.
        this.restApi = new aws.apigateway.RestApi(`${name}-api`, {
            description: "bedrock-bridge streaming chat: accepts prompts, answers stream over AppSync Events",
            endpointConfiguration: { types: "REGIONAL" },
        }, parent);
        const restApi = this.restApi.id;
        const authorizer = new aws.apigateway.Authorizer(`${name}-authorizer`, {
            restApi, type: "COGNITO_USER_POOLS", providerArns: [this.userPoolArn], identitySource: "method.request.header.Authorization",
        }, parent);
        const schema = JSON.stringify(requestSchema(c));
        const model = new aws.apigateway.Model(`${name}-request-model`, {
            restApi, name: "ChatRequest", contentType: "application/json", schema,
        }, parent);
        const validator = new aws.apigateway.RequestValidator(`${name}-validator`, {
            restApi, name: "body-and-params", validateRequestBody: true, validateRequestParameters: true,
        }, parent);
        const resource = new aws.apigateway.Resource(`${name}-resource`, { restApi, parentId: this.restApi.rootResourceId, pathPart: c.path }, parent);
        const at = { restApi, resourceId: resource.id };

        const post = new aws.apigateway.Method(`${name}-post`, {
            ...at, httpMethod: "POST", authorization: "COGNITO_USER_POOLS", authorizerId: authorizer.id,
            requestModels: { "application/json": model.name }, requestValidatorId: validator.id,
            requestParameters: { "method.request.header.Authorization": true },
        }, parent);
        const postIntegration = new aws.apigateway.Integration(`${name}-post-integration`, {
            ...at, httpMethod: post.httpMethod, type: "AWS", integrationHttpMethod: "POST", uri: this.function.invokeArn,
            passthroughBehavior: "NEVER",
            requestParameters: { "integration.request.header.X-Amz-Invocation-Type": "'Event'" },
            requestTemplates: { "application/json": REQUEST_TEMPLATE },
        }, parent);
        const corsHeaders = { "method.response.header.Access-Control-Allow-Origin": true, "method.response.header.Vary": true };
        const firstOrigin = `'${c.allowedOrigins[0]}'`;
        const postResponse = new aws.apigateway.MethodResponse(`${name}-post-202`, {
            ...at, httpMethod: post.httpMethod, statusCode: "202", responseParameters: corsHeaders,
        }, parent);
        const postIntegrationResponse = new aws.apigateway.IntegrationResponse(`${name}-post-202`, {
            ...at, httpMethod: post.httpMethod, statusCode: postResponse.statusCode,
            responseParameters: { "method.response.header.Access-Control-Allow-Origin": firstOrigin, "method.response.header.Vary": "'Origin'" },
            responseTemplates: { "application/json": `${corsOverride(c.allowedOrigins)}\n{"requestId": "$context.requestId"}` },
        }, { parent: this, dependsOn: [postIntegration] });

        const options = new aws.apigateway.Method(`${name}-options`, { ...at, httpMethod: "OPTIONS", authorization: "NONE" }, parent);
        const optionsIntegration = new aws.apigateway.Integration(`${name}-options-integration`, {
            ...at, httpMethod: options.httpMethod, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' },
        }, parent);
        const optionsResponse = new aws.apigateway.MethodResponse(`${name}-options-200`, {
            ...at, httpMethod: options.httpMethod, statusCode: "200",
            responseParameters: { ...corsHeaders, "method.response.header.Access-Control-Allow-Headers": true, "method.response.header.Access-Control-Allow-Methods": true, "method.response.header.Access-Control-Max-Age": true },
        }, parent);
        const optionsIntegrationResponse = new aws.apigateway.IntegrationResponse(`${name}-options-200`, {
            ...at, httpMethod: options.httpMethod, statusCode: optionsResponse.statusCode,
            responseParameters: {
                "method.response.header.Access-Control-Allow-Origin": firstOrigin,
                "method.response.header.Vary": "'Origin'",
                "method.response.header.Access-Control-Allow-Headers": `'${CORS_HEADERS}'`,
                "method.response.header.Access-Control-Allow-Methods": "'POST,OPTIONS'",
                "method.response.header.Access-Control-Max-Age": "'600'",
            },
            responseTemplates: { "application/json": corsOverride(c.allowedOrigins) },
        }, { parent: this, dependsOn: [optionsIntegration] });

        // Errors from the gateway itself (400 bad body, 401, throttling 429) carry CORS too, so the browser can read them.
        const gatewayResponses = ["DEFAULT_4XX", "DEFAULT_5XX"].map(t => new aws.apigateway.Response(`${name}-${t.toLowerCase().replace("_", "-")}`, {
            restApiId: restApi, responseType: t,
            responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": firstOrigin, "gatewayresponse.header.Vary": "'Origin'" },
            responseTemplates: { "application/json": '{"message": $context.error.messageString, "detail": "$util.escapeJavaScript($context.error.validationErrorString)", "requestId": "$context.requestId"}' },
        }, parent));

        new aws.lambda.Permission(`${name}-relay-invoke`, {
            action: "lambda:InvokeFunction",
            function: this.function.name,
            principal: "apigateway.amazonaws.com",
            sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/POST/${c.path}`,
            sourceAccount: args.accountId,
        }, parent);

        // Redeploy whenever anything the deployment snapshots changes.
        const fingerprint = crypto.createHash("sha256").update(JSON.stringify({
            schema, template: REQUEST_TEMPLATE, origins: c.allowedOrigins, path: c.path, cors: CORS_HEADERS, v: 1,
        })).digest("hex");
        const deployment = new aws.apigateway.Deployment(`${name}-deployment`, {
            restApi,
            description: "bedrock-bridge chat",
            triggers: { configuration: fingerprint, function: this.function.invokeArn, authorizer: authorizer.id, model: model.id },
        }, { parent: this, dependsOn: [post, postIntegration, postResponse, postIntegrationResponse, options, optionsIntegration, optionsResponse, optionsIntegrationResponse, ...gatewayResponses] });
        const logsOn = !!args.accessLogs;
        const accessLogs = logsOn ? new aws.cloudwatch.LogGroup(`${name}-api-access-logs`, {
            name: `/aws/apigateway/bedrock-bridge/${pulumi.getStack()}/${name}`,
            retentionInDays: args.logRetentionDays,
        }, parent) : undefined;
        if (!logsOn) {
            pulumi.log.info("chat API: stage access logs are off, because the API Gateway account setting (CloudWatch Logs role) is not known to exist in this region. " +
                "Set bedrock-bridge:apiGatewayAccount to existing (it is set) or manage (this stack sets it, account-wide), see README \"Deploying for real\", step 3.", this);
        }
        this.stage = new aws.apigateway.Stage(`${name}-stage`, {
            restApi, deployment: deployment.id, stageName: c.stageName,
            accessLogSettings: accessLogs && {
                destinationArn: accessLogs.arn,
                format: JSON.stringify({
                    requestId: "$context.requestId", status: "$context.status", sub: "$context.authorizer.claims.sub", resourcePath: "$context.resourcePath",
                    requestTime: "$context.requestTime", sourceIp: "$context.identity.sourceIp", userAgent: "$context.identity.userAgent",
                    error: "$context.error.message", validationError: "$context.error.validationErrorString", integrationError: "$context.integration.error",
                }),
            },
        }, { parent: this, dependsOn: typeof args.accessLogs === "object" ? [args.accessLogs.after] : [] });
        new aws.apigateway.MethodSettings(`${name}-throttling`, {
            restApi, stageName: this.stage.stageName, methodPath: "*/*",
            settings: { throttlingRateLimit: c.throttling.rateLimit, throttlingBurstLimit: c.throttling.burstLimit, metricsEnabled: true },
        }, parent);
        this.restEndpoint = pulumi.interpolate`${this.stage.invokeUrl}/${c.path}`;

        this.registerOutputs({
            restEndpoint: this.restEndpoint, httpEndpoint: this.httpEndpoint, realtimeEndpoint: this.realtimeEndpoint,
            userPoolId: this.userPoolId, userPoolClientId: this.userPoolClientId,
        });
    }
}
