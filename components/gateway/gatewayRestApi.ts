// The gateway's REST API (regional): POST /v1/chat/completions, POST /v1/messages (and its count_tokens) and
// GET /v1/models, each a Lambda proxy integration that streams the function's answer, behind a Lambda authorizer
// that is also the API key source.
//
// What AWS documents and this follows ("Stream the integration response for your proxy integrations in API Gateway",
// "Set up a Lambda proxy integration with payload response streaming in API Gateway"):
// - streaming works only for AWS_PROXY / HTTP_PROXY integrations with responseTransferMode STREAM, and a Lambda proxy
//   integration must call InvokeWithResponseStream: the URI .../2021-11-15/functions/<arn>/response-streaming-invocations,
//   which is the function's `responseStreamingInvokeArn`; InvokeWithResponseStream needs lambda:InvokeFunction;
// - a stream may last 15 minutes (integration timeout up to 900,000 ms with STREAM) but is cut after 5 minutes
//   without a byte on a regional endpoint (30 s on edge-optimized ones, hence REGIONAL);
// - no endpoint caching, content encoding or VTL response mapping on a streamed response; the first 10 MB stream
//   at full speed, then 2 MB/s; request streaming is not supported (the request body stays within 10 MB);
// - a connection closed by a timeout may leave the function running: its own timeout bounds it.
// Authorizers and usage plans act before the integration and are unaffected by the transfer mode.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import { loggedStage } from "../shared/loggedStage";
import { errorTemplate, GATEWAY_ERRORS } from "./gatewayResponses";

/** The routes: method, path under the stage, and what serves it. */
export const GATEWAY_ROUTES = [
    { method: "POST", path: "v1/chat/completions", what: "OpenAI Chat Completions" },
    { method: "POST", path: "v1/messages", what: "Anthropic Messages" },
    // Claude Code's gateway requirements name it beside /v1/messages (code.claude.com/docs/en/llm-gateway).
    { method: "POST", path: "v1/messages/count_tokens", what: "Anthropic token counting (Bedrock CountTokens)" },
    { method: "GET", path: "v1/models", what: "the key's models, in OpenAI's list shape or Anthropic's" },
] as const;

/**
 * A REQUEST authorizer is called only when every identity source is present and non-empty; otherwise API Gateway
 * answers 401 itself (CreateAuthorizer, identitySource). OpenAI clients send only Authorization and Anthropic clients
 * only x-api-key, so neither header can be an identity source. Without caching (TTL 0) the identity source is
 * optional, but the provider fills in method.request.header.Authorization when none is given; a stage variable the
 * stage always sets is present on every request, so the authorizer runs for every request and reads both headers.
 */
export const AUTHORIZER_STAGE_VARIABLE = "keyCheck";
export const AUTHORIZER_IDENTITY_SOURCE = `stageVariables.${AUTHORIZER_STAGE_VARIABLE}`;
export const STAGE_NAME = "prod";

export interface GatewayRestApiArgs {
    accountId: string;
    logRetentionDays: number;
    gatewayFunction: aws.lambda.Function;
    authorizerFunction: aws.lambda.Function;
    /** The integration timeout: the function's timeout, at most the 900 s a streamed response may last. */
    timeoutSeconds: number;
    /** The stage's throttle over every request (API Gateway's token bucket), refused keys included. */
    throttle: { rateLimit: number; burstLimit: number };
    /** Stage access logs need the region's API Gateway account setting (see ChatRestApi). */
    accessLogs?: boolean | { after: pulumi.Resource };
}

export interface GatewayRestApi {
    restApi: aws.apigateway.RestApi;
    authorizer: aws.apigateway.Authorizer;
    stage: aws.apigateway.Stage;
    /** The stage's URL + /v1: what OpenAI clients take as base URL. */
    baseUrl: pulumi.Output<string>;
}

export function gatewayRestApi(name: string, args: GatewayRestApiArgs, parent: pulumi.Resource): GatewayRestApi {
    const opts = { parent };
    const restApi = new aws.apigateway.RestApi(
        `${name}-api`,
        {
            description: "bedrock-bridge gateway: OpenAI- and Anthropic-compatible endpoints, a key per application",
            endpointConfiguration: { types: "REGIONAL" },
            apiKeySource: "AUTHORIZER",
        },
        opts,
    );
    const restApiId = restApi.id;
    const authorizer = new aws.apigateway.Authorizer(
        `${name}-authorizer`,
        {
            restApi: restApiId,
            type: "REQUEST",
            authorizerUri: args.authorizerFunction.invokeArn,
            identitySource: AUTHORIZER_IDENTITY_SOURCE,
            authorizerResultTtlInSeconds: 0,
        },
        opts,
    );
    new aws.lambda.Permission(
        `${name}-authorizer-invoke`,
        {
            action: "lambda:InvokeFunction",
            function: args.authorizerFunction.name,
            principal: "apigateway.amazonaws.com",
            sourceArn: pulumi.interpolate`${restApi.executionArn}/authorizers/${authorizer.id}`,
            sourceAccount: args.accountId,
        },
        opts,
    );

    // /v1, /v1/chat, /v1/chat/completions, /v1/messages, /v1/messages/count_tokens, /v1/models
    const resources = new Map<string, aws.apigateway.Resource>();
    const resourceFor = (path: string): aws.apigateway.Resource => {
        const had = resources.get(path);
        if (had) return had;
        const i = path.lastIndexOf("/");
        const parentId = i < 0 ? restApi.rootResourceId : resourceFor(path.slice(0, i)).id;
        const r = new aws.apigateway.Resource(
            `${name}-${path.replace(/\//g, "-")}`,
            { restApi: restApiId, parentId, pathPart: path.slice(i + 1) },
            opts,
        );
        resources.set(path, r);
        return r;
    };
    const integrationTimeoutMs = Math.min(900, args.timeoutSeconds) * 1000;
    const routeResources: pulumi.Resource[] = [];
    const integrations: aws.apigateway.Integration[] = [];
    for (const route of GATEWAY_ROUTES) {
        const id = `${name}-${route.method.toLowerCase()}-${route.path.replace(/\//g, "-")}`;
        const resource = resourceFor(route.path);
        const method = new aws.apigateway.Method(
            id,
            {
                restApi: restApiId,
                resourceId: resource.id,
                httpMethod: route.method,
                authorization: "CUSTOM",
                authorizerId: authorizer.id,
                // The authorizer's usageIdentifierKey must be a key of a usage plan of this stage.
                apiKeyRequired: true,
            },
            opts,
        );
        const integration = new aws.apigateway.Integration(
            id,
            {
                restApi: restApiId,
                resourceId: resource.id,
                httpMethod: method.httpMethod,
                type: "AWS_PROXY",
                integrationHttpMethod: "POST",
                uri: args.gatewayFunction.responseStreamingInvokeArn,
                responseTransferMode: "STREAM",
                timeoutMilliseconds: integrationTimeoutMs,
            },
            opts,
        );
        new aws.lambda.Permission(
            `${id}-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: args.gatewayFunction.name,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${restApi.executionArn}/*/${route.method}/${route.path}`,
                sourceAccount: args.accountId,
            },
            opts,
        );
        routeResources.push(method, integration);
        integrations.push(integration);
    }

    const gatewayResponses = GATEWAY_ERRORS.map(
        e =>
            new aws.apigateway.Response(
                `${name}-${e.responseType.toLowerCase().replace(/_/g, "-")}`,
                {
                    restApiId,
                    responseType: e.responseType,
                    ...(e.statusCode ? { statusCode: e.statusCode } : {}),
                    responseParameters: Object.fromEntries(
                        Object.entries(e.headers ?? {}).map(([h, v]) => [`gatewayresponse.header.${h}`, `'${v}'`]),
                    ),
                    responseTemplates: { "application/json": errorTemplate(e) },
                },
                opts,
            ),
    );

    // A deployment snapshots the API: redeploy whenever anything it serves changes.
    const fingerprint = crypto
        .createHash("sha256")
        .update(
            JSON.stringify({
                routes: GATEWAY_ROUTES,
                errors: GATEWAY_ERRORS.map(e => ({ ...e, template: errorTemplate(e) })),
                identitySource: AUTHORIZER_IDENTITY_SOURCE,
                timeout: integrationTimeoutMs,
                v: 1,
            }),
        )
        .digest("hex");
    const deployment = new aws.apigateway.Deployment(
        `${name}-deployment`,
        {
            restApi: restApiId,
            description: "bedrock-bridge gateway",
            triggers: {
                configuration: fingerprint,
                function: args.gatewayFunction.responseStreamingInvokeArn,
                authorizer: authorizer.id,
                authorizerFunction: args.authorizerFunction.invokeArn,
                integrations: pulumi.all(integrations.map(i => i.id)).apply(ids => ids.join(",")),
            },
        },
        { parent, dependsOn: [...routeResources, ...gatewayResponses] },
    );

    const stage = loggedStage(
        name,
        {
            restApi: restApiId,
            deployment: deployment.id,
            stageName: STAGE_NAME,
            variables: { [AUTHORIZER_STAGE_VARIABLE]: "every-request" },
            logRetentionDays: args.logRetentionDays,
            accessLogs: args.accessLogs,
            // Who called what, how it ended: key name and API key id, never a prompt or an answer.
            accessLogFormat: {
                requestId: "$context.requestId",
                status: "$context.status",
                key: "$context.authorizer.principalId",
                apiKeyId: "$context.identity.apiKeyId",
                httpMethod: "$context.httpMethod",
                resourcePath: "$context.resourcePath",
                requestTime: "$context.requestTime",
                responseLatency: "$context.responseLatency",
                integrationLatency: "$context.integration.latency",
                sourceIp: "$context.identity.sourceIp",
                userAgent: "$context.identity.userAgent",
                error: "$context.error.message",
                integrationError: "$context.integration.error",
            },
        },
        parent,
    );
    // The stage throttle: usage plans meter a request only once the authorizer has accepted its key, so requests
    // with a missing or unknown key meet this limit alone ("Throttle requests to your REST APIs for better
    // throughput in API Gateway": stage and method throttling apply to every client).
    new aws.apigateway.MethodSettings(
        `${name}-settings`,
        {
            restApi: restApiId,
            stageName: stage.stageName,
            methodPath: "*/*",
            settings: {
                metricsEnabled: true,
                throttlingRateLimit: args.throttle.rateLimit,
                throttlingBurstLimit: args.throttle.burstLimit,
            },
        },
        opts,
    );
    return { restApi, authorizer, stage, baseUrl: pulumi.interpolate`${stage.invokeUrl}/v1` };
}
