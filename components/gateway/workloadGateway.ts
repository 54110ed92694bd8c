// Caller side: every workload's door. An OpenAI- and Anthropic-compatible streaming endpoint (API Gateway REST,
// regional) in front of a CallerFunction that assumes the Bedrock roles through the quota pool; a key per
// application with its request rate enforced by API Gateway (usage plan, authorizer as key source) and its tokens
// per minute and day enforced by the function in a DynamoDB table (conditional updates, across all containers).
//
//   client --Bearer/x-api-key--> REST API --authorizer (key -> name, usageIdentifierKey)--> usage plan throttle
//          <--server-sent events-- gateway function (STREAM) --reserve/settle--> DynamoDB --pool--> Bedrock
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { GatewayConfig } from "../../config";
import { GATEWAY_ACCOUNT_BURST, GATEWAY_ACCOUNT_REQUESTS_PER_SECOND } from "../../config/schema";
import { createGatewayHandler } from "../../functions/gateway/handler";
import { createAuthorizerHandler } from "../../functions/gateway/authorizer";
import { SERVICES } from "../../functions/metrics/metricCatalog";
import type { BedrockAuth, BedrockTargetRef } from "../caller/bedrockTargets";
import { CallerFunction } from "../caller/callerFunction";
import type { MonitoredFunction } from "../caller/callerMonitoring";
import { logWriteStatement, policyJson, serviceTrust, stackResourceName } from "../shared/iam";
import { logGroupFor, nodeFunction } from "../shared/nodeFunction";
import { gatewayApiKeys, GatewayKeyPlan, gatewayUsagePlans, keyHashes, keyValues } from "./gatewayKeys";
import { gatewayRestApi, GatewayRestApi } from "./gatewayRestApi";
import { gatewayWaf } from "./gatewayWaf";

export interface WorkloadGatewayArgs {
    accountId: string;
    region: string;
    /** The IAM path the Bedrock stack trusts: the gateway function's role lives under it. */
    rolePath: string;
    targets: BedrockTargetRef[];
    logRetentionDays: number;
    /** SigV4 with the assumed role, or short-term Bedrock API keys made from it (bedrock-bridge:auth). */
    auth?: BedrockAuth;
    gateway: GatewayConfig;
    /** Stage access logs: they need the region's API Gateway account setting (see ChatRestApi). */
    accessLogs?: boolean | { after: pulumi.Resource };
}

/** The function's view of the keys (its packaged key table), with aliases in a key's models resolved to model ids. */
export function keySettings(
    g: GatewayConfig,
): Record<string, { models?: string[]; tokensPerMinute?: number; tokensPerDay?: number }> {
    return Object.fromEntries(
        g.keys.map(k => [
            k.name,
            {
                ...(k.models ? { models: [...new Set(k.models.map(m => g.aliases[m] ?? m))] } : {}),
                ...(k.tokensPerMinute ? { tokensPerMinute: k.tokensPerMinute } : {}),
                ...(k.tokensPerDay ? { tokensPerDay: k.tokensPerDay } : {}),
            },
        ]),
    );
}

/**
 * The stage throttle: the configured one, or the sum of the keys' usage plans (API Gateway's token bucket), at most
 * the account's own throttle.
 */
export function stageThrottle(g: GatewayConfig): { rateLimit: number; burstLimit: number } {
    if (g.throttle) return { rateLimit: g.throttle.requestsPerSecond, burstLimit: g.throttle.burst };
    return {
        rateLimit: Math.min(
            GATEWAY_ACCOUNT_REQUESTS_PER_SECOND,
            g.keys.reduce((n, k) => n + k.requestsPerSecond, 0),
        ),
        burstLimit: Math.min(
            GATEWAY_ACCOUNT_BURST,
            g.keys.reduce((n, k) => n + k.burst, 0),
        ),
    };
}

/** Requests per second one reserved authorizer execution serves: a warm run takes a few milliseconds, a cold one
 * a few hundred; 50 ms on average leaves room for cold starts. */
export const AUTHORIZER_REQUESTS_PER_EXECUTION = 20;

/**
 * The authorizer's reserved concurrency: configured, or one execution per 20 requests per second of the stage
 * throttle (at least 10, at most 1000); undefined for `unreserved`. Lambda refuses a reservation that leaves the
 * account fewer than 100 unreserved executions ("Configuring reserved concurrency": you can reserve up to the
 * unreserved account concurrency minus 100), so a new account with a small quota takes `unreserved`.
 */
export function authorizerConcurrency(g: GatewayConfig): number | undefined {
    if (g.authorizerConcurrency === "unreserved") return undefined;
    if (g.authorizerConcurrency !== undefined) return g.authorizerConcurrency;
    return Math.min(1000, Math.max(10, Math.ceil(stageThrottle(g).rateLimit / AUTHORIZER_REQUESTS_PER_EXECUTION)));
}

// The function factories are what CallbackFunction serializes; the streaming one has Lambda's three-argument
// streaming signature (event, responseStream, context), which the runtime recognizes by streamifyResponse's mark.
type LambdaHandler = (event: unknown, context: aws.lambda.Context) => Promise<unknown>;

export class WorkloadGateway extends pulumi.ComponentResource {
    readonly table: aws.dynamodb.Table;
    readonly function: aws.lambda.CallbackFunction<unknown, unknown>;
    readonly role: aws.iam.Role;
    readonly authorizerFunction: aws.lambda.CallbackFunction<unknown, unknown>;
    readonly authorizerRole: aws.iam.Role;
    readonly api: GatewayRestApi;
    readonly keys: GatewayKeyPlan[];
    /** The base URL OpenAI clients take, ending in /v1. */
    readonly url: pulumi.Output<string>;
    /** Key name -> key value (secret). */
    readonly keyValues: pulumi.Output<Record<string, string>>;
    /** What CallerMonitoring watches: the function, and the authorizer every request goes through first. */
    readonly monitored: MonitoredFunction[];

    constructor(name: string, args: WorkloadGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:WorkloadGateway", name, {}, opts);
        const g = args.gateway;

        // The token windows: one item per key and window, gone by TTL after the window. On demand: cost follows use.
        this.table = new aws.dynamodb.Table(
            `${name}-limits`,
            {
                name: stackResourceName(`${name}-limits`, { max: 255 }),
                billingMode: "PAY_PER_REQUEST",
                hashKey: "pk",
                attributes: [{ name: "pk", type: "S" }],
                ttl: { attributeName: "expiresAt", enabled: true },
                // Counters of minutes and days: nothing worth restoring.
                pointInTimeRecovery: { enabled: false },
            },
            { parent: this },
        );

        // The key table travels in each function's package (serialized with the factory's closure), not in its
        // environment: Lambda allows 4 KB of variables in all ("Lambda quotas": environment variables, 4 KB), about
        // 50 keys' worth. The handler and the authorizer both read theirs from their package.
        const keys = keySettings(g);
        const allowedModels = pulumi
            .all(args.targets.map(t => t.allowedModelIds))
            .apply(lists => JSON.stringify([...new Set(lists.flat())]));
        const fn = new CallerFunction(
            name,
            {
                service: SERVICES.gateway,
                accountId: args.accountId,
                rolePath: args.rolePath,
                targets: args.targets,
                logRetentionDays: args.logRetentionDays,
                auth: args.auth,
                callbackFactory: () => createGatewayHandler(process.env, { keys }) as unknown as LambdaHandler,
                description: "bedrock-bridge gateway: OpenAI and Anthropic APIs over Bedrock, streamed",
                roleDescription:
                    "bedrock-bridge gateway: writes its logs, keeps the token windows, assumes the Bedrock account's role",
                memorySize: g.memorySize,
                timeoutSeconds: g.timeoutSeconds,
                statements: [
                    this.table.arn.apply(arn => ({
                        Sid: "TokenWindows",
                        Effect: "Allow" as const,
                        // The limiter's reserve and settle are both conditional UpdateItem calls.
                        Action: ["dynamodb:UpdateItem"],
                        Resource: [arn],
                    })),
                ],
                environment: {
                    GATEWAY_TABLE: this.table.name,
                    GATEWAY_ALIASES: JSON.stringify(g.aliases),
                    GATEWAY_MODELS: allowedModels,
                    MAX_TOKENS: String(g.maxTokens),
                    MAX_TOKENS_LIMIT: String(g.maxTokensLimit),
                },
                environmentSources: {
                    GATEWAY_ALIASES: "bedrock-bridge:gateway.aliases",
                    GATEWAY_MODELS: "bedrock-bridge:bedrockStacks (the models they allow)",
                },
            },
            { parent: this },
        );
        this.function = fn.function;
        this.role = fn.role;

        // The keys: values generated by API Gateway; the authorizer knows only their SHA-256, in its package. The
        // hashes of 40 random characters reveal no key, so the package need not be a Pulumi secret.
        const apiKeys = gatewayApiKeys(name, g.keys, this);
        const hashes = pulumi.unsecret(keyHashes(apiKeys));

        // The authorizer: small, its own role (its log only), off the path the Bedrock stack trusts.
        const authName = `${name}-authorizer`;
        const authLogs = logGroupFor(authName, args.logRetentionDays, this);
        this.authorizerRole = new aws.iam.Role(
            authName,
            {
                name: stackResourceName(authName, { max: 64, global: true }),
                description: "bedrock-bridge gateway authorizer: writes its logs, nothing else",
                assumeRolePolicy: serviceTrust("lambda.amazonaws.com", args.accountId),
            },
            { parent: this },
        );
        const authPolicy = new aws.iam.RolePolicy(
            authName,
            {
                role: this.authorizerRole.id,
                name: "bedrock-bridge",
                policy: policyJson([logWriteStatement(authLogs.arn)]),
            },
            { parent: this },
        );
        this.authorizerFunction = nodeFunction(
            authName,
            {
                callbackFactory: () => createAuthorizerHandler(process.env, hashes.get()) as unknown as LambdaHandler,
                role: this.authorizerRole,
                logGroup: authLogs,
                description: "bedrock-bridge gateway authorizer: API key -> key name and usage identifier",
                memorySize: 128,
                timeout: 10,
                // It runs for every request, bad keys included: a flood is bounded here, not in the account's pool.
                reservedConcurrency: authorizerConcurrency(g),
            },
            this,
            [authPolicy],
        );
        this.monitored = [
            fn.monitored,
            {
                name: `${SERVICES.gateway}-authorizer`,
                // Its errors are its own failures: a refused key is a Deny policy, not an error.
                functionName: this.authorizerFunction.name,
            },
        ];

        this.api = gatewayRestApi(
            name,
            {
                accountId: args.accountId,
                logRetentionDays: args.logRetentionDays,
                gatewayFunction: this.function,
                authorizerFunction: this.authorizerFunction,
                timeoutSeconds: g.timeoutSeconds,
                throttle: stageThrottle(g),
                accessLogs: args.accessLogs,
            },
            this,
        );
        if (g.waf) gatewayWaf(name, { stageArn: this.api.stage.arn, ...g.waf }, this);
        this.keys = gatewayUsagePlans(
            name,
            g.keys,
            apiKeys,
            { restApi: this.api.restApi.id, stageName: this.api.stage.stageName },
            this,
        );
        this.url = this.api.baseUrl;
        this.keyValues = keyValues(apiKeys);
        this.registerOutputs({
            url: this.url,
            functionName: this.function.name,
            tableName: this.table.name,
            keyValues: this.keyValues,
        });
    }
}
