// The one declarative description of the stack configuration (zod): every key, its side, type, bounds, default
// and meaning. config.ts validates with it, the known-key list and "did you mean" come from it, and
// tools/configDocs.ts generates docs/configuration.md's table and Pulumi.yaml's `config:` block from it.
import { z } from "zod";
import { DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_LIMIT, MODEL_MAX_OUTPUT_TOKENS } from "../functions/bedrock/limits";
import { PROFILE_PREFIXES } from "../functions/bedrock/modelIds";
import { GUARDRAIL_NAME, guardrailsSchema, TENANT_NAME, tenantsSchema } from "./governance";

export const PROJECT = "bedrock-bridge";

/** CloudWatch Logs accepts only these retention values. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export { PROFILE_PREFIXES };

/** Expired: AWS reports it after the expiry and it cannot be set; saying so keeps `pulumi up` from trying to change it. */
export const API_KEY_STATUSES = ["Active", "Inactive", "Expired"] as const;

export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
// e.g. anthropic.claude-sonnet-4-5-20250929-v1:0, amazon.nova-pro-v1:0, meta.llama3-70b-instruct-v1:0
export const MODEL_ID = /^([a-z-]+\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/;
export const ROLE_PATH = /^\/([\w+=,.@-]+\/)*$/;
export const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@\/-]+$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@\/-]+$/;
export const STATE_MACHINE_ARN =
    /^arn:aws[a-z-]*:states:[a-z]{2}(-gov)?-[a-z]+-\d:(\d{12}):stateMachine:[A-Za-z0-9_-]{1,80}$/;
// org/project/stack, project/stack or stack (see docs/configuration.md: bare names get this org and project).
export const STACK_NAME = /^([\w.-]+\/){0,2}[\w.-]+$/;

/**
 * What the error messages and the generated docs need beyond zod's own checks. `expected` completes "must be …",
 * `message` replaces the whole predicate, `short` is the one-word form in a map's summary, `hint` follows a
 * pattern error, `required` follows "is required".
 */
export interface Meta {
    expected?: string;
    message?: string;
    short?: string;
    hint?: string;
    required?: string;
    description?: string;
    /** YAML-ish text of the default for the docs, when the schema's default is not the whole story. */
    defaultText?: string;
    /** Messages inside this map say "is not valid (<summary of its entries>)" (invoker, stepFunctions, auditTrail). */
    style?: "invalid";
    /** Unknown entries of this map: "is not a <label>" (default), or all at once as "has unknown fields". */
    label?: string;
    unknown?: "fields";
    /** Elements of this list are named in messages by this field (apiKeys "ci".expiryDays), else by index. */
    labelBy?: string;
    /** "a map such as {...}": an example shown when the value is not a map. */
    example?: string;
    /** Pulumi.yaml type; absent: the key is structured (a map, or a list of maps) and Pulumi cannot declare it. */
    pulumiType?: "string" | "boolean" | "integer" | "array";
}

const meta = <T extends z.ZodType>(s: T, m: Meta): T => s.meta(m as Record<string, unknown>);
export const metaOf = (s: z.ZodType): Meta => s.meta() ?? {};

// ---- leaf builders: each carries the words its error message and its docs use ----

export const int = (min: number, max: number, m: Meta = {}) =>
    meta(z.int().min(min).max(max), {
        expected: `a whole number from ${min} to ${max}`,
        short: `${min}..${max}`,
        pulumiType: "integer",
        ...m,
    });
export const num = (min: number, max: number, m: Meta = {}) =>
    meta(z.number().min(min).max(max), { expected: `a number from ${min} to ${max}`, short: `${min}..${max}`, ...m });
export const bool = (m: Meta = {}) =>
    meta(z.boolean(), { expected: "true or false", short: "boolean", pulumiType: "boolean", ...m });
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, m: Meta = {}) =>
    meta(z.enum(values), {
        expected: `one of ${values.join(", ")}`,
        short: values.join(" | "),
        pulumiType: "string",
        ...m,
    });
export const text = (pattern: RegExp, hint: string, m: Meta = {}) =>
    meta(z.string().regex(pattern), { hint, short: "string", pulumiType: "string", ...m });

/** A list of strings, each matching `pattern`, none twice. */
export const list = (pattern: RegExp, hint: string, m: Meta = {}, min = 0) =>
    meta(
        z
            .array(text(pattern, hint))
            .min(min)
            .superRefine((v, ctx) => {
                const dup = v.filter((x, i) => v.indexOf(x) !== i);
                if (dup.length)
                    ctx.addIssue({
                        code: "custom",
                        message: `lists ${[...new Set(dup)].map(d => `"${d}"`).join(", ")} more than once`,
                    });
            }),
        { expected: "a list of strings", hint, pulumiType: "array", ...m },
    );

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Every maxTokens is held to one bound (functions/bedrock/limits.ts): what current Claude models can produce. */
const tokens = () => int(1, MODEL_MAX_OUTPUT_TOKENS);

/** A map's default maxTokens must fit under the limit its requests are held to. */
const tokenBounds = (key: string) => (c: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (!isMap(c)) return;
    const d = c.maxTokens,
        l = c.maxTokensLimit ?? DEFAULT_MAX_TOKENS_LIMIT;
    // Out-of-range values have their own message already.
    if (
        typeof d === "number" &&
        typeof l === "number" &&
        d > l &&
        d <= MODEL_MAX_OUTPUT_TOKENS &&
        l <= MODEL_MAX_OUTPUT_TOKENS
    ) {
        ctx.addIssue({
            code: "custom",
            path: ["maxTokens"],
            message: `(${d}) is more than ${PROJECT}:${key}.maxTokensLimit (${l}): lower maxTokens or raise maxTokensLimit (at most ${MODEL_MAX_OUTPUT_TOKENS})`,
        });
    }
};

// ---- structured keys ----

export const invoker = meta(
    z
        .strictObject({
            enabled: bool().default(true),
            memorySize: int(128, 10240).default(256),
            timeoutSeconds: int(5, 900).default(60),
            /** Sent when an event gives none; Bedrock reserves it against the token quota up front. */
            maxTokens: tokens().default(DEFAULT_MAX_TOKENS),
            /** The most an event may ask for. */
            maxTokensLimit: tokens().default(DEFAULT_MAX_TOKENS_LIMIT),
        })
        .superRefine(tokenBounds("invoker"), { when: () => true }),
    { style: "invalid", expected: "a map such as {memorySize: 512}" },
);

const retry = meta(
    z.strictObject({
        maxAttempts: int(0, 10).default(3),
        intervalSeconds: int(1, 60).default(2),
        backoffRate: num(1, 10).default(2),
        maxDelaySeconds: int(1, 3600).default(30),
    }),
    { style: "invalid", short: "map", expected: "a map such as {maxAttempts: 3}" },
);

export const stepFunctions = meta(
    z
        .strictObject({
            enabled: bool().default(true),
            type: oneOf(["STANDARD", "EXPRESS"]).default("STANDARD"),
            // ERROR without execution data: ALL with data would copy every prompt and answer into CloudWatch (opt-in).
            logLevel: oneOf(["ALL", "ERROR", "FATAL", "OFF"]).default("ERROR"),
            includeExecutionData: bool().default(false),
            tracing: bool().default(false),
            maxTokens: tokens().default(1000),
            maxTokensLimit: tokens().default(DEFAULT_MAX_TOKENS_LIMIT),
            temperature: num(0, 1).default(0.7),
            retry: retry.prefault({}),
        })
        .superRefine(tokenBounds("stepFunctions"), { when: () => true }),
    {
        style: "invalid",
        expected: "a map such as {type: EXPRESS, tracing: true}",
        defaultText: "{enabled: true, type: STANDARD, logLevel: ERROR, includeExecutionData: false, …}",
    },
);

export const apiKey = meta(
    z
        .strictObject({
            // The IAM user is BedrockAPIKey-<name>-<stack>-<region>, cut with a hash at 64 (components/bedrock/bedrockApiKeys.ts).
            name: meta(z.string().regex(/^[\w+=,.@-]{1,50}$/), {
                expected: "1..50 characters of letters, digits and +=,.@_-",
                required: "1..50 characters of letters, digits and +=,.@_-",
            }),
            expiryDays: int(1, 36600).optional(),
            never: bool().default(false),
            status: oneOf(API_KEY_STATUSES, { expected: "Active, Inactive or Expired" }).default("Active"),
            managedPolicy: bool().default(false),
            // AmazonBedrockLimitedAccess allows every model: the policy pack flags managedPolicy unless this says so.
            allModels: bool().default(false),
            marketplace: bool().default(false),
        })
        .superRefine(
            (k, ctx) => {
                // Runs even when a field is wrong (when: below), so one preview lists every problem of a key.
                if (!isMap(k)) return;
                if (k.allModels === true && k.managedPolicy !== true)
                    ctx.addIssue({
                        code: "custom",
                        path: ["allModels"],
                        message:
                            "accepts what managedPolicy: true grants (every model): set managedPolicy: true too, or remove allModels",
                    });
                if (k.expiryDays !== undefined && k.never === true)
                    ctx.addIssue({ code: "custom", message: "sets both expiryDays and never: keep one" });
                else if (k.expiryDays === undefined && k.never !== true)
                    ctx.addIssue({
                        code: "custom",
                        path: ["expiryDays"],
                        message: "is required (1..36600 days); a key that never expires must say never: true",
                    });
            },
            { when: () => true },
        ),
    { unknown: "fields", expected: "a map such as {name: ci, expiryDays: 30}" },
);

const apiKeys = meta(
    z.array(apiKey).superRefine(
        (keys, ctx) => {
            if (!Array.isArray(keys)) return;
            const names = keys.map(k => (isMap(k) ? k.name : undefined)).filter(n => typeof n === "string");
            const dup = names.filter((n, i) => names.indexOf(n) !== i);
            for (const d of new Set(dup)) ctx.addIssue({ code: "custom", message: `names "${d}" more than once` });
        },
        { when: () => true },
    ),
    { labelBy: "name", expected: "a list such as [{name: ci, expiryDays: 30}]", defaultText: "–" },
);

export const auditTrailMap = meta(
    z.strictObject({
        retentionDays: int(1, 3653).default(365),
        multiRegion: bool().default(true),
    }),
    { style: "invalid" },
);
const auditTrail = meta(z.union([z.boolean(), auditTrailMap]), {
    expected: "true, false or a map such as {retentionDays: 365, multiRegion: true}",
    short: "true/false or a map",
    defaultText: "off",
});

// Model invocation logging (Bedrock side): metadata and token counts only unless a *Delivery says otherwise.
const invocationLoggingMap = meta(
    z.strictObject({
        enabled: bool().default(true),
        retentionDays: meta(
            z.int().refine(d => LOG_RETENTION_DAYS.includes(d), {
                message: `must be one of CloudWatch's values ${LOG_RETENTION_DAYS.join(", ")}`,
            }),
            { expected: "a whole number of days CloudWatch accepts" },
        ).optional(),
        textDelivery: bool().default(false),
        imageDelivery: bool().default(false),
        embeddingDelivery: bool().default(false),
        videoDelivery: bool().default(false),
    }),
    { style: "invalid" },
);
const invocationLogging = meta(z.union([z.boolean(), invocationLoggingMap]), {
    expected: "true, false or a map such as {retentionDays: 90}",
    short: "true/false or a map",
    defaultText: "off",
});

// Bring your own role (caller side): existing roles granted AssumeRole on the Bedrock roles, attached by their owners
// (a list) or by the stack ({roles, attach: true}); components/caller/workloadRoles.ts says what each delegates.
const workloadRoleList = () =>
    list(
        ROLE_ARN,
        "existing role ARNs of this account, arn:aws:iam::<account>:role/<path><name>, under a path the Bedrock stack trusts",
    );
const workloadRolesMap = meta(
    z.strictObject({
        roles: workloadRoleList().default([]),
        attach: bool().default(false),
    }),
    { style: "invalid" },
);
/** The role ARNs of bedrock-bridge:workloadRoles, in either form. */
export const workloadRoleArns = (v: ConfigValues["workloadRoles"]): string[] => (Array.isArray(v) ? v : v?.roles) ?? [];

// Dashboards and alarms (both sides), on unless switched off.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const monitoringMap = meta(
    z.strictObject({
        enabled: bool().default(true),
        dashboard: bool().default(true),
        alarmEmail: text(EMAIL, "an e-mail address such as ops@example.com").optional(),
    }),
    { style: "invalid" },
);
const monitoring = meta(z.union([z.boolean(), monitoringMap]), {
    expected: "true, false or a map such as {alarmEmail: ops@example.com}",
    short: "true/false or a map",
    defaultText: "on",
});

const ORIGIN = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^http:\/\/localhost(:\d{1,5})?$/;
const chatText = (pattern: RegExp, hint: string) => text(pattern, hint).optional();
export const chat = meta(
    z
        .strictObject({
            enabled: bool().default(true),
            // AppSync namespace names: letters, digits and hyphens, at most 50.
            namespace: text(
                /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/,
                "letters, digits and hyphens, at most 50",
            ).default("bedrock-stream-response"),
            allowedOrigins: meta(z.array(z.string().regex(ORIGIN)), {
                message:
                    'must list exact origins such as "https://chat.example.com" (no path, no wildcard; http only for localhost)',
            }).default([]),
            userPoolId: chatText(
                /^[a-z]{2}(-gov)?-[a-z]+-\d_[A-Za-z0-9]+$/,
                "a user pool id such as ap-northeast-1_AbCdEf123",
            ),
            userPoolClientId: chatText(/^[a-z0-9]{1,128}$/, "an app client id"),
            selfSignUp: bool().default(false),
            path: text(/^[A-Za-z0-9._-]{1,64}$/, "one path segment such as chat").default("chat"),
            stageName: text(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -").default("prod"),
            modelId: chatText(MODEL_ID, "one of the models the Bedrock stack allows"),
            // It travels in the function's environment, which Lambda caps at 4 KB in bytes: checked at preview (components/shared/nodeFunction.ts).
            systemPrompt: meta(
                z
                    .string()
                    .refine(s => s.trim().length > 0)
                    .max(2000),
                { expected: "a non-empty string of at most 2000 characters" },
            ).optional(),
            minPromptChars: int(1, 100000).default(1),
            maxPromptChars: int(1, 100000).default(8000),
            maxPriorTurns: int(0, 50).default(10),
            maxTurnChars: int(1, 100000).default(8000),
            maxTokens: tokens().default(DEFAULT_MAX_TOKENS),
            throttling: meta(
                z.strictObject({
                    rateLimit: meta(z.number().gt(0).max(10000), { expected: "a positive number up to 10000" }).default(
                        10,
                    ),
                    burstLimit: meta(z.number().gt(0).max(10000), {
                        expected: "a positive number up to 10000",
                    }).default(20),
                }),
                { label: "throttling setting (rateLimit, burstLimit)" },
            ).prefault({}),
            maxEventAgeSeconds: int(60, 21600).default(300),
            timeoutSeconds: int(10, 900).default(300),
            memorySize: int(128, 10240).default(256),
            /** Longest coalescing window of the relay (it starts at 50 ms and doubles up to this). */
            coalesceMs: int(10, 1000).default(200),
            /** No publish accepted for this long: the relay cancels the model stream and ends (docs/streaming-chat.md). */
            publishOutageSeconds: int(2, 600).default(20),
        })
        .superRefine(
            (c, ctx) => {
                if (!isMap(c)) return;
                if (c.enabled !== false && Array.isArray(c.allowedOrigins) && !c.allowedOrigins.length) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["allowedOrigins"],
                        message:
                            'is required: the browser origin(s) of the chat app, e.g. ["https://chat.example.com"]',
                    });
                }
                if ((c.userPoolId === undefined) !== (c.userPoolClientId === undefined)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["userPoolId"],
                        message: `and ${PROJECT}:chat.userPoolClientId go together: give both to use an existing pool, or neither to create one`,
                    });
                }
                const min = c.minPromptChars ?? 1,
                    max = c.maxPromptChars ?? 8000;
                if (typeof min === "number" && typeof max === "number" && min > max)
                    ctx.addIssue({
                        code: "custom",
                        path: ["minPromptChars"],
                        message: `(${min}) is more than maxPromptChars (${max})`,
                    });
            },
            { when: () => true },
        ),
    {
        label: "chat setting",
        expected: 'a map such as {allowedOrigins: ["https://chat.example.com"]}',
        defaultText: "off (the example stack sets it)",
    },
);

// The gateway (caller side, components/gateway/): keys per application, their limits, and model aliases.
// A key name travels as a Pulumi resource name, a CloudWatch dimension value, Bedrock requestMetadata and an STS
// session name part, so it keeps to what all of them accept.
export const GATEWAY_KEY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})$/;
// What clients send as `model` instead of a Bedrock id (Claude Code sends names such as claude-sonnet-4-5).
export const GATEWAY_ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,127}$/;
export const GATEWAY_DEFAULT_REQUESTS_PER_SECOND = 10;
export const GATEWAY_DEFAULT_BURST = 20;
/**
 * API Gateway's throttle per account and Region, over all its APIs: 10,000 requests per second with a burst of 5,000
 * ("Amazon API Gateway quotas"): no stage throttle passes more.
 */
export const GATEWAY_ACCOUNT_REQUESTS_PER_SECOND = 10_000;
export const GATEWAY_ACCOUNT_BURST = 5_000;

/** A key's burst when it names none: the default bucket, or one second of its rate when that is more. */
export const defaultBurst = (requestsPerSecond: number) =>
    Math.min(5000, Math.max(GATEWAY_DEFAULT_BURST, Math.ceil(requestsPerSecond)));

const gatewayKeyFields = z.strictObject({
    name: meta(z.string().regex(GATEWAY_KEY_NAME), {
        expected: "1..63 letters, digits, _ and -, starting with a letter or digit",
        required: "1..63 letters, digits, _ and -, e.g. orders-service",
    }),
    /** Model ids or aliases this key may use; absent: every model the Bedrock stack(s) allow. */
    models: meta(z.array(meta(z.string().min(1), { short: "string" })).min(1), {
        expected: "a non-empty list of model ids or aliases the Bedrock stack allows",
    }).optional(),
    tokensPerMinute: int(1, 100_000_000).optional(),
    tokensPerDay: int(1, 10_000_000_000).optional(),
    // API Gateway usage plan throttle: a steady rate (requests per second) and a bucket size.
    requestsPerSecond: meta(z.number().gt(0).max(10000), {
        expected: "a positive number of requests per second up to 10000",
    }).default(GATEWAY_DEFAULT_REQUESTS_PER_SECOND),
    burst: int(1, 5000, {
        defaultText: `${GATEWAY_DEFAULT_BURST}, or requestsPerSecond when that is higher`,
    }).optional(),
});

// A burst left out follows the key's rate (a bucket below the rate would refuse with 429 what the rate allows);
// overwrite keeps the object's shape, which the messages and the generated docs read.
export const gatewayKey = meta(
    gatewayKeyFields.overwrite(k => ({
        ...k,
        burst: k.burst ?? defaultBurst(k.requestsPerSecond),
    })) as unknown as z.ZodType<Omit<z.output<typeof gatewayKeyFields>, "burst"> & { burst: number }>,
    { unknown: "fields", expected: "a map such as {name: orders-service, tokensPerMinute: 100000}" },
);

export const gateway = meta(
    z
        .strictObject({
            enabled: bool().default(true),
            keys: meta(
                z.array(gatewayKey).superRefine(
                    (keys, ctx) => {
                        if (!Array.isArray(keys)) return;
                        const names = keys.map(k => (isMap(k) ? k.name : undefined)).filter(n => typeof n === "string");
                        // API Gateway key names, usage plans and metric dimensions are per name: case must not be the only difference.
                        const lower = names.map(n => n.toLowerCase());
                        const dup = names.filter((n, i) => lower.indexOf(n.toLowerCase()) !== i);
                        for (const d of new Set(dup))
                            ctx.addIssue({
                                code: "custom",
                                message: `names "${d}" more than once (names differing only in case count as one): give each application its own name`,
                            });
                    },
                    { when: () => true },
                ),
                { labelBy: "name", expected: "a list such as [{name: orders-service}]" },
            ).default([]),
            aliases: meta(
                z.record(
                    meta(z.string().regex(GATEWAY_ALIAS), { hint: "a model name such as claude-sonnet-4-5" }),
                    text(MODEL_ID, "a model id the Bedrock stack allows"),
                ),
                {
                    expected:
                        "a map of alias to model id such as {claude-sonnet-4-5: jp.anthropic.claude-sonnet-4-5-20250929-v1:0}",
                    label: "alias",
                },
            ).default({}),
            memorySize: int(128, 10240).default(512),
            // A streamed integration may last 15 minutes (integration timeout up to 900,000 ms with STREAM: API Gateway
            // developer guide, "Stream the integration response for your proxy integrations"); a long answer
            // (64,000 output tokens) takes 7-10 minutes.
            timeoutSeconds: int(10, 900).default(900),
            /** Sent when an OpenAI request gives no max_tokens; Bedrock and the token limits reserve it up front. */
            maxTokens: tokens().default(DEFAULT_MAX_TOKENS),
            /** The most a request may ask for (Anthropic clients such as Claude Code ask for large values). */
            maxTokensLimit: tokens().default(MODEL_MAX_OUTPUT_TOKENS),
            /**
             * The stage's throttle, over every request: a refused key reaches no usage plan, so only this bounds a
             * flood of bad keys (and the authorizer runs it pays for). Default: the sum of the keys' plans.
             */
            throttle: meta(
                z.strictObject({
                    requestsPerSecond: meta(z.number().gt(0).max(10000), {
                        expected: "a positive number of requests per second up to 10000",
                    }),
                    burst: int(1, 5000),
                }),
                {
                    unknown: "fields",
                    expected: "a map such as {requestsPerSecond: 100, burst: 200}",
                    defaultText: "the sum of the keys' requestsPerSecond and burst",
                },
            ).optional(),
            /** A WAF web ACL on the stage: a rate-based rule per client IP, answered 429 before the authorizer runs. */
            waf: meta(
                z.strictObject({
                    requestsPerIp: int(10, 2_000_000_000),
                    windowSeconds: meta(z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]), {
                        expected: "60, 120, 300 or 600",
                        short: "60 | 120 | 300 | 600",
                        pulumiType: "integer",
                    }).default(300),
                }),
                {
                    unknown: "fields",
                    expected: "a map such as {requestsPerIp: 3000, windowSeconds: 300}",
                    defaultText: "off",
                },
            ).optional(),
            /**
             * Reserved concurrency of the authorizer: it runs for every request, so a flood cannot take the
             * account's concurrency from other functions. `unreserved` where the account cannot spare it (Lambda keeps
             * 100 unreserved). Default: 1 per 20 requests per second of the stage throttle, at least 10.
             */
            authorizerConcurrency: meta(z.union([int(1, 1000), z.literal("unreserved")]), {
                expected: "a whole number from 1 to 1000, or unreserved",
                short: "1..1000 | unreserved",
                defaultText: "stage requestsPerSecond / 20, at least 10",
            }).optional(),
        })
        .superRefine(tokenBounds("gateway"), { when: () => true })
        .superRefine(
            (g, ctx) => {
                // A stage throttle under the plans' sum would throttle keys below what their plans promise.
                if (!isMap(g) || !isMap(g.throttle) || !Array.isArray(g.keys)) return;
                const field = (k: unknown, f: "requestsPerSecond" | "burst") => {
                    const v = isMap(k) ? k[f] : undefined;
                    return typeof v === "number" ? v : undefined;
                };
                const rateOf = (k: unknown) => field(k, "requestsPerSecond") ?? GATEWAY_DEFAULT_REQUESTS_PER_SECOND;
                const sum = (f: "requestsPerSecond" | "burst") =>
                    (g.keys as unknown[]).reduce<number>(
                        (n, k) => n + (field(k, f) ?? (f === "burst" ? defaultBurst(rateOf(k)) : rateOf(k))),
                        0,
                    );
                // Past the account's own throttle the sums promise nothing: compared up to it.
                const rps = Math.min(GATEWAY_ACCOUNT_REQUESTS_PER_SECOND, sum("requestsPerSecond"));
                const burst = Math.min(GATEWAY_ACCOUNT_BURST, sum("burst"));
                const t = g.throttle;
                for (const [f, total] of [
                    ["requestsPerSecond", rps],
                    ["burst", burst],
                ] as const)
                    if (typeof t[f] === "number" && t[f] < total)
                        ctx.addIssue({
                            code: "custom",
                            path: ["throttle", f],
                            message: `(${t[f]}) is below the sum of the keys' ${f} (${total}): the stage would throttle keys under their own plans; raise it to at least ${total}, or leave throttle out (it defaults to the sums)`,
                        });
            },
            { when: () => true },
        )
        .superRefine(
            (g, ctx) => {
                if (isMap(g) && g.enabled !== false && Array.isArray(g.keys) && !g.keys.length)
                    ctx.addIssue({
                        code: "custom",
                        path: ["keys"],
                        message:
                            "is required: at least one key, one per application, e.g. [{name: orders-service}] (or enabled: false)",
                    });
            },
            { when: () => true },
        ),
    {
        label: "gateway setting",
        expected: "a map such as {keys: [{name: orders-service}]}",
        defaultText: "off",
    },
);

export type Side = "bedrock" | "caller";

export interface KeyDef<S extends z.ZodType = z.ZodType> {
    /** Which stacks may set it. */
    side: "both" | Side;
    schema: S;
    description: string;
    /** Required on its side: the hint that follows "is required". */
    required?: string;
    /** Not required when one of these keys is set (callerAccountIds with tenants). */
    requiredUnless?: string[];
    /** A Pulumi secret (`pulumi config set --secret`). */
    secret?: boolean;
}

const k = <S extends z.ZodType>(
    side: KeyDef["side"],
    schema: S,
    description: string,
    extra: Pick<KeyDef, "required" | "requiredUnless" | "secret"> = {},
): KeyDef<S> => ({
    side,
    schema,
    description,
    ...extra,
});

/** Every `bedrock-bridge:` key, in the configuration table's order. */
const KEY_SCHEMAS = {
    side: k("both", oneOf(["bedrock", "caller"]), "`bedrock` or `caller`", {
        required:
            'set it to "bedrock" (the account that owns Bedrock) or "caller" (the account whose workloads call it)',
    }),
    logRetentionDays: k(
        "both",
        meta(
            z
                .int()
                .min(1)
                .max(3653)
                .refine(d => LOG_RETENTION_DAYS.includes(d), {
                    message: `must be one of CloudWatch's values ${LOG_RETENTION_DAYS.join(", ")}`,
                    params: { showInput: true },
                }),
            { expected: "a whole number from 1 to 3653", pulumiType: "integer" },
        ).default(30),
        "CloudWatch retention of every log group (a value CloudWatch accepts)",
    ),
    monitoring: k(
        "both",
        monitoring.default(true),
        '`false`, or `{dashboard, alarmEmail}`: dashboard, alarms and their SNS topic (with an e-mail subscription when `alarmEmail` is set), see "Observability"',
    ),
    permissionsBoundary: k(
        "both",
        meta(z.union([z.boolean(), z.string().regex(POLICY_ARN)]), {
            expected: "true, false or the ARN of an existing managed policy (arn:aws:iam::<account>:policy/<name>)",
            short: "true/false or a policy ARN",
            defaultText: "true",
        }).default(true),
        '`true`: the stack creates a permissions boundary policy and puts it on every role it creates (for deploys by an admin: a deploy role may create roles only with it, and may neither create nor change it); a policy ARN: that policy of this account, created once outside the stack with `npm run boundary -- <stack>` (for a CI deploy role); `false`: none. See "Deploying for real", step 0',
    ),
    callerAccountIds: k(
        "bedrock",
        list(ACCOUNT_ID, "12-digit ids of the accounts whose workloads call Bedrock", {}, 1),
        "accounts whose roles may assume the execution role",
        {
            required: "12-digit ids of the accounts whose workloads call Bedrock (or give bedrock-bridge:tenants)",
            requiredUnless: ["tenants"],
        },
    ),
    callerRolePath: k(
        "bedrock",
        text(ROLE_PATH, 'an IAM path such as "/bedrock-bridge/"').default("/bedrock-bridge/"),
        "IAM path of the trusted caller roles (`aws:PrincipalArn` condition)",
    ),
    trustedPrincipalArns: k(
        "bedrock",
        list(ROLE_ARN, "exact role ARNs, arn:aws:iam::<account>:role/<path><name>").optional(),
        "exact caller role ARNs instead of the path (each in `callerAccountIds`)",
    ),
    models: k(
        "bedrock",
        list(
            MODEL_ID,
            "Bedrock model or inference profile ids, e.g. jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            {},
            1,
        ),
        "model ids and inference profile ids (`jp.`, `apac.`, `us.`, `eu.`, `global.` …) to allow",
        {
            required: "Bedrock model or inference profile ids, e.g. jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
        },
    ),
    roleName: k(
        "bedrock",
        meta(text(/^[\w+=,.@-]{1,64}$/, "an IAM role name"), {
            defaultText: "`bedrock-bridge-execution-<stack>-<region>`",
        }).optional(),
        "name of the execution role. IAM names are account-global, so the default carries the stack and region (another Bedrock stack of the account, in another region, must not collide); over 64 characters it is cut and ends in a hash. An explicit name is used as given; the stack exports it as `roleName`",
    ),
    externalId: k(
        "bedrock",
        meta(z.string().min(1), { expected: "a non-empty string", pulumiType: "string" }).optional(),
        "optional `sts:ExternalId` (set with `pulumi config set --secret`)",
        { secret: true },
    ),
    trustedStateMachineArns: k(
        "bedrock",
        list(
            STATE_MACHINE_ARN,
            "state machine ARNs, arn:aws:states:<region>:<account>:stateMachine:<name> (the caller stack's stateMachineArn output)",
        ).default([]),
        'caller state machines trusted with their own ARN as external id (what Step Functions sends); needed only with `externalId`, see "Step Functions invoker"',
    ),
    maxSessionDurationSeconds: k("bedrock", int(3600, 43200).default(3600), "3600..43200"),
    allowMarketplace: k(
        "bedrock",
        bool().default(false),
        "allow `aws-marketplace:ViewSubscriptions`/`Subscribe` for third-party models' first use",
    ),
    apiKeys: k("bedrock", apiKeys.default([]), 'long-term Bedrock API keys, see "Bedrock API keys"'),
    shortTermKeys: k(
        "bedrock",
        bool().default(true),
        "the execution role's sessions may be used as short-term API keys",
    ),
    denyLongTermBearerTokens: k("bedrock", bool().default(false), "deny policy and SCP against long-term API keys"),
    auditTrail: k(
        "bedrock",
        auditTrail.default(false),
        "`true` or `{retentionDays, multiRegion}`: CloudTrail trail in the Bedrock account",
    ),
    invocationLogging: k(
        "bedrock",
        invocationLogging.default(false),
        '`true` or `{retentionDays, textDelivery, imageDelivery, embeddingDelivery, videoDelivery}`: Bedrock model invocation logging to CloudWatch Logs, metadata only unless a `*Delivery` is `true`, see "Observability"',
    ),
    tenants: k(
        "bedrock",
        tenantsSchema.optional(),
        'tenants with their own role, application inference profiles, budget and guardrail; replaces the stack-wide role, see "Governance"',
    ),
    guardrails: k(
        "bedrock",
        guardrailsSchema.optional(),
        'guardrails by name: `{id, version}` (existing) or `{contentFilters: {...}}` (created), see "Governance"',
    ),
    guardrail: k(
        "bedrock",
        text(GUARDRAIL_NAME, "a name from bedrock-bridge:guardrails").optional(),
        "name of the guardrail enforced on every tenant without its own",
    ),
    activateCostAllocationTags: k(
        "bedrock",
        bool().default(false),
        "activate the tenants' cost-allocation tags (only where this account is the payer account)",
    ),
    bedrockStacks: k(
        "caller",
        list(
            STACK_NAME,
            'the Bedrock stack(s) to reference, e.g. ["my-org/bedrock-bridge/bedrock"], deployed first with `pulumi up -s bedrock`',
            {},
            1,
        ),
        "Bedrock stack(s) to reference, in priority order: `org/project/stack`, `project/stack` or `stack` (bare names get this stack's organization and project)",
        {
            required:
                'the Bedrock stack(s) to reference, e.g. ["my-org/bedrock-bridge/bedrock"], deployed first with `pulumi up -s bedrock`',
        },
    ),
    rolePath: k(
        "caller",
        text(ROLE_PATH, 'an IAM path such as "/bedrock-bridge/", the one the Bedrock stack trusts').default(
            "/bedrock-bridge/",
        ),
        "IAM path of the caller roles; must be under the Bedrock side's `callerRolePath` (checked at preview)",
    ),
    defaultModelId: k(
        "caller",
        meta(text(MODEL_ID, "one of the models the Bedrock stack allows"), { defaultText: "first allowed" }).optional(),
        "must be allowed by a referenced Bedrock stack, or preview fails",
    ),
    invoker: k(
        "caller",
        invoker.prefault({}),
        'the cross-account invoker Lambda; `maxTokens` is sent when an event gives none, `maxTokensLimit` is the most an event may ask for (see "Output tokens")',
    ),
    auth: k(
        "caller",
        oneOf(["sigv4", "shortTermKey"]).default("sigv4"),
        "`shortTermKey`: functions call Bedrock with short-term API keys made from the assumed role",
    ),
    stepFunctions: k("caller", stepFunctions.prefault({}), 'the Step Functions invoker, see "Step Functions invoker"'),
    chat: k(
        "caller",
        chat.optional(),
        'the streaming chat backend: `{allowedOrigins: [...], …}`, see "Streaming chat backend"',
    ),
    apiGatewayAccount: k(
        "caller",
        oneOf(["manage", "existing", "none"]).default("none"),
        '`existing`: the region already has the API Gateway account setting (a CloudWatch Logs role), so the chat stage gets access logs; `manage`: this stack sets it (ACCOUNT-WIDE, one per region per account); `none`: no access logs, so a fresh account deploys. See "Deploying for real", step 3',
    ),
    tenant: k(
        "caller",
        text(
            TENANT_NAME,
            "1..32 lowercase letters, digits and hyphens, a tenant of the referenced Bedrock stacks",
        ).optional(),
        "the tenant of the referenced Bedrock stacks this account belongs to (required when they have tenants)",
    ),
    gateway: k(
        "caller",
        gateway.optional(),
        '`{keys: [{name, models?, tokensPerMinute?, tokensPerDay?, requestsPerSecond?, burst?}], aliases?, throttle?: {requestsPerSecond, burst}, waf?: {requestsPerIp, windowSeconds?}, authorizerConcurrency?, timeoutSeconds?}`: an OpenAI- and Anthropic-compatible streaming endpoint with a key per application, see "Use it from your workloads"',
    ),
    workloadRoles: k(
        "caller",
        meta(z.union([workloadRoleList(), workloadRolesMap]), {
            expected:
                "a list of role ARNs, or a map such as {roles: [arn:aws:iam::<account>:role/<path><name>], attach: true}",
            short: "a list or a map",
            defaultText: "[]",
        }).default([]),
        'existing roles of this account that may assume the Bedrock roles (bring your own role): the stack creates a managed policy allowing `sts:AssumeRole` on them (output `workloadPolicyArn`) and the roles\' owners attach it; `{roles, attach: true}`: the stack attaches it (the deploy role may then attach and detach that one policy on those roles). The Bedrock stack must trust them (checked at preview), see "Use it from your workloads"',
    ),
} satisfies Record<string, KeyDef>;
export const KEYS: Readonly<Record<string, KeyDef>> = KEY_SCHEMAS;

/** The parsed values of a stack's valid keys (defaults filled in), by key name without namespace. */
export type ConfigValues = { [K in keyof typeof KEY_SCHEMAS]?: z.output<(typeof KEY_SCHEMAS)[K]["schema"]> };

/** The `aws:` keys this program reads; any other `aws:` key must be one the AWS provider knows. */
export const AWS_KEYS: Record<string, KeyDef> = {
    region: k(
        "both",
        text(REGION, "a region name such as ap-northeast-1", { message: "is not a region name" }),
        "region of the stack",
        {
            required: "the region this stack deploys to, e.g. ap-northeast-1",
        },
    ),
    allowedAccountIds: k(
        "both",
        meta(z.array(z.string().regex(ACCOUNT_ID)).length(1), {
            message: "must list exactly one 12-digit account id as a string",
        }),
        "exactly one account id: the stack deploys only there",
        {
            required: "the one account this stack deploys to, so a wrong profile cannot deploy it elsewhere",
        },
    ),
};

/** The part of zod's internal definition these helpers read (zod 4 keeps it at `schema._zod.def`). */
interface ZodDef {
    type: string;
    innerType?: z.ZodType;
    in?: z.ZodType;
    shape?: Record<string, z.ZodType>;
    element?: z.ZodType;
    options?: z.ZodType[];
    valueType?: z.ZodType;
    keyType?: z.ZodType;
    entries?: Record<string, unknown>;
}
const defOf = (s: z.ZodType): ZodDef => (s as unknown as { _zod: { def: ZodDef } })._zod.def;
const WRAPPERS = ["optional", "default", "prefault", "nullable", "readonly", "catch"];

/** The schema a wrapper (optional/default/prefault/pipe...) wraps, or undefined for a schema that checks. */
function wrapped(s: z.ZodType): z.ZodType | undefined {
    const def = defOf(s);
    if (WRAPPERS.includes(def.type)) return def.innerType;
    return def.type === "pipe" ? def.in : undefined;
}

/** Unwraps optional/default/prefault/pipe wrappers down to the schema that does the checking. */
export function unwrap(s: z.ZodType): z.ZodType {
    for (let inner = wrapped(s); inner; inner = wrapped(s)) s = inner;
    return s;
}

/** Meta of a schema and everything it wraps (an outer .meta() wins). */
export function metaDeep(s: z.ZodType): Meta {
    const chain: z.ZodType[] = [];
    for (let cur: z.ZodType | undefined = s; cur; cur = wrapped(cur)) chain.push(cur);
    return Object.assign({}, ...chain.reverse().map(metaOf)) as Meta;
}

export const kindOf = (s: z.ZodType): string => defOf(unwrap(s)).type;
export const shapeOf = (s: z.ZodType): Record<string, z.ZodType> => defOf(unwrap(s)).shape ?? {};
export const elementOf = (s: z.ZodType): z.ZodType => defOf(unwrap(s)).element!;
export const optionsOf = (s: z.ZodType): z.ZodType[] => defOf(unwrap(s)).options ?? [];
export const valueTypeOf = (s: z.ZodType): z.ZodType | undefined => defOf(unwrap(s)).valueType;
export const keyTypeOf = (s: z.ZodType): z.ZodType | undefined => defOf(unwrap(s)).keyType;
/** An enum's entries (name -> value); undefined for any other schema. */
export const enumEntriesOf = (s: z.ZodType | undefined): Record<string, unknown> | undefined => s && defOf(s).entries;

/** The schema's default value (parsing `undefined`), or undefined when it has none. */
export function defaultOf(s: z.ZodType): unknown {
    const r = s.safeParse(undefined);
    return r.success ? r.data : undefined;
}
