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
import { createGatewayHandler } from "../../functions/gateway/handler";
import { createAuthorizerHandler } from "../../functions/gateway/authorizer";
import { SERVICES } from "../../functions/metrics/metricCatalog";
import type { BedrockAuth, BedrockTargetRef } from "../caller/bedrockTargets";
import { CallerFunction } from "../caller/callerFunction";
import type { MonitoredFunction } from "../caller/callerMonitoring";
import { logWriteStatement, policyJson, serviceTrust } from "../shared/iam";
import { logGroupFor, nodeFunction } from "../shared/nodeFunction";
import { gatewayApiKeys, GatewayKeyPlan, gatewayUsagePlans, keyHashes, keyValues } from "./gatewayKeys";
import { gatewayRestApi, GatewayRestApi } from "./gatewayRestApi";

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

/** The function's view of the keys: GATEWAY_KEYS, with aliases in a key's models resolved to model ids. */
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
                billingMode: "PAY_PER_REQUEST",
                hashKey: "pk",
                attributes: [{ name: "pk", type: "S" }],
                ttl: { attributeName: "expiresAt", enabled: true },
                // Counters of minutes and days: nothing worth restoring.
                pointInTimeRecovery: { enabled: false },
            },
            { parent: this },
        );

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
                callbackFactory: () => createGatewayHandler() as unknown as LambdaHandler,
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
                    GATEWAY_KEYS: JSON.stringify(keySettings(g)),
                    GATEWAY_ALIASES: JSON.stringify(g.aliases),
                    GATEWAY_MODELS: allowedModels,
                    MAX_TOKENS: String(g.maxTokens),
                    MAX_TOKENS_LIMIT: String(g.maxTokensLimit),
                },
                environmentSources: {
                    GATEWAY_KEYS: "bedrock-bridge:gateway.keys",
                    GATEWAY_ALIASES: "bedrock-bridge:gateway.aliases",
                    GATEWAY_MODELS: "bedrock-bridge:bedrockStacks (the models they allow)",
                },
            },
            { parent: this },
        );
        this.function = fn.function;
        this.role = fn.role;

        // The keys: values generated by API Gateway; the authorizer knows only their SHA-256.
        const apiKeys = gatewayApiKeys(name, g.keys, this);

        // The authorizer: small, its own role (its log only), off the path the Bedrock stack trusts.
        const authName = `${name}-authorizer`;
        const authLogs = logGroupFor(authName, args.logRetentionDays, this);
        this.authorizerRole = new aws.iam.Role(
            authName,
            {
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
                callbackFactory: () => createAuthorizerHandler() as unknown as LambdaHandler,
                role: this.authorizerRole,
                logGroup: authLogs,
                description: "bedrock-bridge gateway authorizer: API key -> key name and usage identifier",
                memorySize: 128,
                timeout: 10,
                environment: { GATEWAY_KEY_HASHES: keyHashes(apiKeys) },
                environmentSources: { GATEWAY_KEY_HASHES: "bedrock-bridge:gateway.keys (one hash per key)" },
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
                accessLogs: args.accessLogs,
            },
            this,
        );
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
