// Caller side, streaming chat: the REST API. POST /<path> with a Cognito token, the body validated by API Gateway
// against the request schema, then an asynchronous (Event) invocation of the relay: 202 {requestId} at once.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import type { ChatConfig } from "../../config";
import { CHANNEL_SEGMENT } from "../../functions/chat/streamingChat";
import { loggedStage } from "../shared/loggedStage";

/** The session id becomes a channel segment: AppSync's namespace rule (functions/chat/streamingChat.ts). */
export const SESSION_ID_PATTERN = CHANNEL_SEGMENT.source;
const CORS_HEADERS = "Content-Type,Authorization,X-Amz-Date,X-Amz-Security-Token";
/** The body of the gateway's own errors (400 bad body, 401, 429, 5xx). */
const GATEWAY_ERROR_TEMPLATE =
    '{"message": $context.error.messageString, "detail": "$util.escapeJavaScript($context.error.validationErrorString)", "requestId": "$context.requestId"}';

/**
 * When Lambda refuses the Event invocation (429 TooManyRequestsException: reserved concurrency or the invoke rate;
 * 5xx: a Lambda service error) nothing will ever be published: the client must get an error status, not the
 * default 202. The integration responses select on the backend's status code (API reference, IntegrationResponse
 * selectionPattern: "for all other HTTP and AWS back ends, the HTTP status code is matched"); where API Gateway
 * instead treats a refused invocation as an integration failure (INTEGRATION_FAILURE, reported for Lambda 429s),
 * the DEFAULT_5XX gateway response below answers 5xx with CORS. Either way the client reports an error.
 */
export const INVOKE_ERRORS = [
    {
        selectionPattern: "429",
        statusCode: "429",
        message: "The chat backend is busy (Lambda throttled the invocation): try again in a moment.",
    },
    {
        selectionPattern: "5\\d{2}",
        statusCode: "502",
        message: "The chat backend could not start the answer (Lambda failed the invocation): try again shortly.",
    },
] as const;

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
                    properties: {
                        role: { type: "string", enum: ["user", "assistant"] },
                        content: { type: "string", minLength: 1, maxLength: c.maxTurnChars },
                    },
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

export interface ChatRestApiArgs {
    accountId: string;
    chat: ChatConfig;
    logRetentionDays: number;
    userPoolArn: pulumi.Input<string>;
    /** The relay the POST invokes. */
    functionName: pulumi.Input<string>;
    functionInvokeArn: pulumi.Input<string>;
    /**
     * Stage access logs: API Gateway refuses them until the region's account setting has a CloudWatch Logs role.
     * true when the account has one, { after } when this stack manages it, false (default) for none.
     */
    accessLogs?: boolean | { after: pulumi.Resource };
}

export class ChatRestApi extends pulumi.ComponentResource {
    readonly restApi: aws.apigateway.RestApi;
    readonly stage: aws.apigateway.Stage;
    readonly restEndpoint: pulumi.Output<string>;

    constructor(name: string, args: ChatRestApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:ChatRestApi", name, {}, opts);
        const c = args.chat;
        const parent = { parent: this };
        this.restApi = new aws.apigateway.RestApi(
            `${name}-api`,
            {
                description: "bedrock-bridge streaming chat: accepts prompts, answers stream over AppSync Events",
                endpointConfiguration: { types: "REGIONAL" },
            },
            parent,
        );
        const restApi = this.restApi.id;
        const authorizer = new aws.apigateway.Authorizer(
            `${name}-authorizer`,
            {
                restApi,
                type: "COGNITO_USER_POOLS",
                providerArns: [args.userPoolArn],
                identitySource: "method.request.header.Authorization",
            },
            parent,
        );
        const schema = JSON.stringify(requestSchema(c));
        const model = new aws.apigateway.Model(
            `${name}-request-model`,
            {
                restApi,
                name: "ChatRequest",
                contentType: "application/json",
                schema,
            },
            parent,
        );
        const validator = new aws.apigateway.RequestValidator(
            `${name}-validator`,
            {
                restApi,
                name: "body-and-params",
                validateRequestBody: true,
                validateRequestParameters: true,
            },
            parent,
        );
        const resource = new aws.apigateway.Resource(
            `${name}-resource`,
            { restApi, parentId: this.restApi.rootResourceId, pathPart: c.path },
            parent,
        );
        const at = { restApi, resourceId: resource.id };

        const post = new aws.apigateway.Method(
            `${name}-post`,
            {
                ...at,
                httpMethod: "POST",
                authorization: "COGNITO_USER_POOLS",
                authorizerId: authorizer.id,
                requestModels: { "application/json": model.name },
                requestValidatorId: validator.id,
                requestParameters: { "method.request.header.Authorization": true },
            },
            parent,
        );
        const postIntegration = new aws.apigateway.Integration(
            `${name}-post-integration`,
            {
                ...at,
                httpMethod: post.httpMethod,
                type: "AWS",
                integrationHttpMethod: "POST",
                uri: args.functionInvokeArn,
                passthroughBehavior: "NEVER",
                requestParameters: { "integration.request.header.X-Amz-Invocation-Type": "'Event'" },
                requestTemplates: { "application/json": REQUEST_TEMPLATE },
            },
            parent,
        );
        const corsHeaders = {
            "method.response.header.Access-Control-Allow-Origin": true,
            "method.response.header.Vary": true,
        };
        const firstOrigin = `'${c.allowedOrigins[0]}'`;
        const postResponse = new aws.apigateway.MethodResponse(
            `${name}-post-202`,
            {
                ...at,
                httpMethod: post.httpMethod,
                statusCode: "202",
                responseParameters: corsHeaders,
            },
            parent,
        );
        const postIntegrationResponse = new aws.apigateway.IntegrationResponse(
            `${name}-post-202`,
            {
                ...at,
                httpMethod: post.httpMethod,
                statusCode: postResponse.statusCode,
                responseParameters: {
                    "method.response.header.Access-Control-Allow-Origin": firstOrigin,
                    "method.response.header.Vary": "'Origin'",
                },
                responseTemplates: {
                    "application/json": `${corsOverride(c.allowedOrigins)}\n{"requestId": "$context.requestId"}`,
                },
            },
            { parent: this, dependsOn: [postIntegration] },
        );
        // Created one after another: API Gateway answers ConflictException to concurrent changes of one method.
        const invokeErrors: pulumi.Resource[] = [];
        for (const e of INVOKE_ERRORS) {
            const previous = invokeErrors.length ? invokeErrors[invokeErrors.length - 1] : postIntegrationResponse;
            const methodResponse = new aws.apigateway.MethodResponse(
                `${name}-post-${e.statusCode}`,
                { ...at, httpMethod: post.httpMethod, statusCode: e.statusCode, responseParameters: corsHeaders },
                { parent: this, dependsOn: [previous] },
            );
            const integrationResponse = new aws.apigateway.IntegrationResponse(
                `${name}-post-${e.statusCode}`,
                {
                    ...at,
                    httpMethod: post.httpMethod,
                    statusCode: methodResponse.statusCode,
                    selectionPattern: e.selectionPattern,
                    responseParameters: {
                        "method.response.header.Access-Control-Allow-Origin": firstOrigin,
                        "method.response.header.Vary": "'Origin'",
                    },
                    responseTemplates: {
                        "application/json": `${corsOverride(c.allowedOrigins)}\n${JSON.stringify({ message: e.message, requestId: "$context.requestId" })}`,
                    },
                },
                { parent: this, dependsOn: [methodResponse] },
            );
            invokeErrors.push(methodResponse, integrationResponse);
        }

        const options = new aws.apigateway.Method(
            `${name}-options`,
            { ...at, httpMethod: "OPTIONS", authorization: "NONE" },
            parent,
        );
        const optionsIntegration = new aws.apigateway.Integration(
            `${name}-options-integration`,
            {
                ...at,
                httpMethod: options.httpMethod,
                type: "MOCK",
                requestTemplates: { "application/json": '{"statusCode": 200}' },
            },
            parent,
        );
        const optionsResponse = new aws.apigateway.MethodResponse(
            `${name}-options-200`,
            {
                ...at,
                httpMethod: options.httpMethod,
                statusCode: "200",
                responseParameters: {
                    ...corsHeaders,
                    "method.response.header.Access-Control-Allow-Headers": true,
                    "method.response.header.Access-Control-Allow-Methods": true,
                    "method.response.header.Access-Control-Max-Age": true,
                },
            },
            parent,
        );
        const optionsIntegrationResponse = new aws.apigateway.IntegrationResponse(
            `${name}-options-200`,
            {
                ...at,
                httpMethod: options.httpMethod,
                statusCode: optionsResponse.statusCode,
                responseParameters: {
                    "method.response.header.Access-Control-Allow-Origin": firstOrigin,
                    "method.response.header.Vary": "'Origin'",
                    "method.response.header.Access-Control-Allow-Headers": `'${CORS_HEADERS}'`,
                    "method.response.header.Access-Control-Allow-Methods": "'POST,OPTIONS'",
                    "method.response.header.Access-Control-Max-Age": "'600'",
                },
                responseTemplates: { "application/json": corsOverride(c.allowedOrigins) },
            },
            { parent: this, dependsOn: [optionsIntegration] },
        );

        // Errors from the gateway itself (400 bad body, 401, throttling 429) carry CORS too, so the browser can read them.
        const gatewayResponses = ["DEFAULT_4XX", "DEFAULT_5XX"].map(
            t =>
                new aws.apigateway.Response(
                    `${name}-${t.toLowerCase().replace("_", "-")}`,
                    {
                        restApiId: restApi,
                        responseType: t,
                        responseParameters: {
                            "gatewayresponse.header.Access-Control-Allow-Origin": firstOrigin,
                            "gatewayresponse.header.Vary": "'Origin'",
                        },
                        responseTemplates: { "application/json": GATEWAY_ERROR_TEMPLATE },
                    },
                    parent,
                ),
        );

        new aws.lambda.Permission(
            `${name}-relay-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: args.functionName,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/POST/${c.path}`,
                sourceAccount: args.accountId,
            },
            parent,
        );

        // Redeploy whenever anything the stage serves changes: a stage keeps serving its deployment's snapshot, so an
        // in-place update (the authorizer's user pool, a gateway response, a CORS origin) reaches no request until
        // the next deployment. The whole chat configuration (origins, path, limits, throttling of the method settings)
        // and this file's templates go into the fingerprint: a redeployment too many is harmless, one too few is not.
        const fingerprint = crypto
            .createHash("sha256")
            .update(
                JSON.stringify({
                    chat: c,
                    schema,
                    template: REQUEST_TEMPLATE,
                    cors: CORS_HEADERS,
                    corsOverride: corsOverride(c.allowedOrigins),
                    gatewayErrors: GATEWAY_ERROR_TEMPLATE,
                    invokeErrors: INVOKE_ERRORS,
                    v: 2,
                }),
            )
            .digest("hex");
        const deployment = new aws.apigateway.Deployment(
            `${name}-deployment`,
            {
                restApi,
                description: "bedrock-bridge chat",
                triggers: {
                    configuration: fingerprint,
                    function: args.functionInvokeArn,
                    authorizer: authorizer.id,
                    userPool: args.userPoolArn,
                    model: model.id,
                },
            },
            {
                parent: this,
                dependsOn: [
                    post,
                    postIntegration,
                    postResponse,
                    postIntegrationResponse,
                    ...invokeErrors,
                    options,
                    optionsIntegration,
                    optionsResponse,
                    optionsIntegrationResponse,
                    ...gatewayResponses,
                ],
            },
        );
        if (!args.accessLogs) {
            void pulumi.log.info(
                "chat API: stage access logs are off, because the API Gateway account setting (CloudWatch Logs role) is not known to exist in this region. " +
                    "Set bedrock-bridge:apiGatewayAccount to existing (the region already has the setting) or manage (this stack then sets it, account-wide), see docs/deploying.md, step 3.",
                this,
            );
        }
        this.stage = loggedStage(
            name,
            {
                restApi,
                deployment: deployment.id,
                stageName: c.stageName,
                logRetentionDays: args.logRetentionDays,
                accessLogs: args.accessLogs,
                accessLogFormat: {
                    requestId: "$context.requestId",
                    status: "$context.status",
                    sub: "$context.authorizer.claims.sub",
                    resourcePath: "$context.resourcePath",
                    requestTime: "$context.requestTime",
                    sourceIp: "$context.identity.sourceIp",
                    userAgent: "$context.identity.userAgent",
                    error: "$context.error.message",
                    validationError: "$context.error.validationErrorString",
                    integrationError: "$context.integration.error",
                },
            },
            this,
        );
        new aws.apigateway.MethodSettings(
            `${name}-throttling`,
            {
                restApi,
                stageName: this.stage.stageName,
                methodPath: "*/*",
                settings: {
                    throttlingRateLimit: c.throttling.rateLimit,
                    throttlingBurstLimit: c.throttling.burstLimit,
                    metricsEnabled: true,
                },
            },
            parent,
        );
        this.restEndpoint = pulumi.interpolate`${this.stage.invokeUrl}/${c.path}`;

        this.registerOutputs({ restEndpoint: this.restEndpoint });
    }
}
