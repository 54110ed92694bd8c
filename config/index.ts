// One place that reads and validates the stack's configuration, against the declarative description in
// config/schema.ts. Every error names the key (down to the entry) and the fix, and all problems of a stack are
// reported together, so a preview fails once with the whole list. program.ts adds the problems that need the
// referenced stacks' outputs (cross-stack trust, allowed models) to the same list before anything is created.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    type ConfigValues,
    API_KEY_STATUSES,
    AWS_KEYS,
    KeyDef,
    KEYS,
    kindOf,
    LOG_RETENTION_DAYS,
    PROFILE_PREFIXES,
    PROJECT,
    ROLE_ARN,
    STATE_MACHINE_ARN,
} from "./schema";
import { closest, didYouMean, distance, messages, regionalExamples } from "./messages";
import * as schema from "./schema";
import { GovernanceConfig, governanceFrom } from "./governance";
import { isInferenceProfileId } from "../functions/bedrock/modelIds";

export { API_KEY_STATUSES, LOG_RETENTION_DAYS, PROFILE_PREFIXES, PROJECT };

export interface CommonConfig {
    side: "bedrock" | "caller";
    accountId: string;
    region: string;
    logRetentionDays: number;
    /** Dashboards and alarms (bedrock-bridge:monitoring); undefined when switched off. */
    monitoring?: MonitoringConfig;
    /** Boundary of every role the stack creates: its own (true), an existing policy's ARN, or none (false). */
    permissionsBoundary?: boolean | string;
}

export interface MonitoringConfig {
    dashboard: boolean;
    /** Where the alarm topic sends e-mail (the recipient confirms the subscription once). */
    alarmEmail?: string;
}

export interface InvocationLoggingConfig {
    retentionDays: number;
    /** Content delivered besides metadata and token counts; all false unless the stack says otherwise. */
    delivery: { text: boolean; image: boolean; embedding: boolean; video: boolean };
}

export interface BedrockSideConfig extends CommonConfig {
    side: "bedrock";
    /** Accounts whose workloads may assume the execution role. */
    callerAccountIds: string[];
    /** IAM path under which caller-side roles live; trusted as arn:aws:iam::<caller>:role<path>*. */
    callerRolePath: string;
    /** Exact caller role ARNs; when set, these replace the path pattern. */
    trustedPrincipalArns?: string[];
    models: string[];
    /** Explicit execution role name; by default one unique per stack and region (IAM names are account-global). */
    roleName?: string;
    externalId?: pulumi.Output<string>;
    /**
     * Caller state machines trusted with their own ARN as the external id: Step Functions sends the state machine's
     * ARN as sts:ExternalId when a Task assumes Credentials.RoleArn, and cannot send any other.
     */
    trustedStateMachineArns: string[];
    maxSessionDurationSeconds: number;
    allowMarketplace: boolean;
    /** Long-term Bedrock API keys (an IAM user with a service-specific credential each). */
    apiKeys: ApiKeyConfig[];
    /** Whether the execution role may present its session as a short-term API key (bearer token). */
    shortTermKeys: boolean;
    denyLongTermBearerTokens: boolean;
    auditTrail?: AuditTrailConfig;
    /** Bedrock model invocation logging (metadata only by default); undefined when absent. */
    invocationLogging?: InvocationLoggingConfig;
    /** Tenants, their guardrails and budgets (config/governance.ts); undefined: the one stack-wide role. */
    governance?: GovernanceConfig;
}

export interface ApiKeyConfig {
    name: string;
    /** Days until the key expires (1..36600); undefined only with `never: true`. */
    expiryDays?: number;
    status: (typeof API_KEY_STATUSES)[number];
    /** Attach AWS's AmazonBedrockLimitedAccess instead of the least-privilege model policy. */
    managedPolicy: boolean;
    /** The stack accepts that managedPolicy allows every model (the user is tagged; the policy pack checks it). */
    allModels: boolean;
    marketplace: boolean;
}

export interface AuditTrailConfig {
    retentionDays: number;
    multiRegion: boolean;
}

export interface InvokerConfig {
    enabled: boolean;
    memorySize: number;
    timeoutSeconds: number;
    /** maxTokens sent when an event gives none, and the largest an event may ask for. */
    maxTokens: number;
    maxTokensLimit: number;
}

export interface StepFunctionsConfig {
    enabled: boolean;
    type: "STANDARD" | "EXPRESS";
    logLevel: "ALL" | "ERROR" | "FATAL" | "OFF";
    includeExecutionData: boolean;
    tracing: boolean;
    /** InferenceConfig defaults when the execution input gives none. */
    maxTokens: number;
    /** The largest maxTokens an execution input may ask for. */
    maxTokensLimit: number;
    temperature: number;
    retry: { maxAttempts: number; intervalSeconds: number; backoffRate: number; maxDelaySeconds: number };
}

export interface CallerSideConfig extends CommonConfig {
    side: "caller";
    /** Fully qualified (org/project/stack) or bare stack names of the Bedrock stacks, in priority order. */
    bedrockStacks: string[];
    rolePath: string;
    defaultModelId?: string;
    invoker: InvokerConfig;
    stepFunctions: StepFunctionsConfig;
    /** How functions authenticate to Bedrock: SigV4 with the assumed role, or a short-term API key minted from it. */
    auth: "sigv4" | "shortTermKey";
    /** Streaming chat backend (seed 003); undefined when bedrock-bridge:chat is absent or disabled. */
    chat?: ChatConfig;
    /**
     * The region's API Gateway account setting (CloudWatch Logs role, account-wide): "manage" creates it here,
     * "existing" says the account already has one, "none" (default) leaves REST access logs off so a fresh account deploys.
     */
    apiGatewayAccount: "manage" | "existing" | "none";
    /** The tenant of the referenced Bedrock stacks this caller belongs to (bedrock-bridge:tenant). */
    tenant?: string;
    /** The OpenAI- and Anthropic-compatible gateway (bedrock-bridge:gateway); undefined when absent or disabled. */
    gateway?: GatewayConfig;
    /** Existing roles of this account granted sts:AssumeRole on the Bedrock roles (bedrock-bridge:workloadRoles). */
    workloadRoles: string[];
    /** The stack attaches the grant to those roles (workloadRoles.attach); else their owners do. */
    workloadRolesAttach: boolean;
}

export interface GatewayKeyConfig {
    name: string;
    /** Model ids or aliases this key may use; undefined: every allowed model. */
    models?: string[];
    tokensPerMinute?: number;
    tokensPerDay?: number;
    /** Usage plan throttle, enforced by API Gateway before the function runs. */
    requestsPerSecond: number;
    burst: number;
}

export interface GatewayConfig {
    keys: GatewayKeyConfig[];
    /** Alias -> model id. */
    aliases: Record<string, string>;
    memorySize: number;
    timeoutSeconds: number;
    /** max_tokens when an OpenAI request gives none, and the most any request may ask for. */
    maxTokens: number;
    maxTokensLimit: number;
    /** The stage throttle over every request; undefined: the sum of the keys' plans. */
    throttle?: { requestsPerSecond: number; burst: number };
    /** A WAF web ACL with a rate-based rule per client IP on the stage; undefined: none. */
    waf?: { requestsPerIp: number; windowSeconds: 60 | 120 | 300 | 600 };
    /** The authorizer's reserved concurrency; undefined: derived from the stage throttle. */
    authorizerConcurrency?: number | "unreserved";
}

export interface ChatConfig {
    /** AppSync Events channel namespace; channels are /<namespace>/<cognito sub>/<sessionid>. */
    namespace: string;
    /** Browser origins allowed by CORS (exact https origins). */
    allowedOrigins: string[];
    /** An existing Cognito user pool (and its app client) instead of a new one. */
    userPoolId?: string;
    userPoolClientId?: string;
    selfSignUp: boolean;
    /** REST resource path and stage name. */
    path: string;
    stageName: string;
    modelId?: string;
    minPromptChars: number;
    maxPromptChars: number;
    systemPrompt?: string;
    maxPriorTurns: number;
    maxTurnChars: number;
    maxTokens: number;
    throttling: { rateLimit: number; burstLimit: number };
    maxEventAgeSeconds: number;
    timeoutSeconds: number;
    memorySize: number;
    /** Longest coalescing window of the relay (it starts at 50 ms and doubles up to this). */
    coalesceMs: number;
    /** Seconds without an accepted publish after which the relay cancels the model stream and ends. */
    publishOutageSeconds: number;
}

export type StackConfig = BedrockSideConfig | CallerSideConfig;

// The schema's output must stay what the components take: a field added to one and not the other fails tsc.
function typesAgree(
    o: {
        invoker: z.output<typeof schema.invoker>;
        stepFunctions: z.output<typeof schema.stepFunctions>;
        chat: Omit<z.output<typeof schema.chat>, "enabled">;
        auditTrail: z.output<typeof schema.auditTrailMap>;
        apiKey: Omit<z.output<typeof schema.apiKey>, "never">;
        gateway: Omit<z.output<typeof schema.gateway>, "enabled">;
    },
    c: {
        invoker: InvokerConfig;
        stepFunctions: StepFunctionsConfig;
        chat: ChatConfig;
        auditTrail: AuditTrailConfig;
        apiKey: ApiKeyConfig;
        gateway: GatewayConfig;
    },
): void {
    o = c;
    c = o;
}
void typesAgree;

export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`bedrock-bridge configuration is invalid:\n${problems.map(p => `  - ${p}`).join("\n")}`);
    }
}

export { isInferenceProfileId };

/** A problem with a model id's form that AWS would only report at deploy or at the first call. */
export function modelIdProblem(key: string, modelId: string): string | undefined {
    const parts = modelId.split(".");
    // <profile prefix>.<provider>.<model>: a third part means a cross-region profile, whose prefix must be one AWS has.
    if (parts.length >= 3 && !PROFILE_PREFIXES.includes(parts[0])) {
        const dym = didYouMean(parts[0], PROFILE_PREFIXES);
        return `${key} "${modelId}" has the unknown inference profile prefix "${parts[0]}."${dym ? ` (${dym})` : ""}: cross-region profiles start with ${PROFILE_PREFIXES.map(p => `${p}.`).join(", ")}; a model id in one region has none (e.g. anthropic.claude-sonnet-4-5-20250929-v1:0). List them with aws bedrock list-inference-profiles`;
    }
    return undefined;
}

/** The stack's raw config (every namespace), as the Pulumi engine hands it to the program. */
function rawConfig(): Record<string, string> {
    return pulumi.runtime.allConfig();
}

/** Known `aws:` provider keys: every setting of the installed AWS provider (its config module lists them). */
function awsProviderKeys(): string[] {
    return Object.keys(require("@pulumi/aws/config/vars") as object);
}

/**
 * Top-level values arrive as strings; structured ones (lists, maps, and numbers or booleans typed in YAML) as
 * their JSON. A string key takes the text as it is; any other is decoded, and text that is not JSON stays text.
 */
function decode(def: KeyDef, raw: string): { value: unknown; unparsed: boolean } {
    if (["string", "enum"].includes(kindOf(def.schema))) return { value: raw, unparsed: false };
    try {
        return { value: JSON.parse(raw), unparsed: false };
    } catch {
        return { value: raw, unparsed: true };
    }
}

export interface ConfigRead {
    /** The parsed values of keys that are valid (defaults filled in), by key name without namespace. */
    values: ConfigValues;
    /** The aws: keys this program reads (AWS_KEYS), parsed. */
    aws: { region?: string; allowedAccountIds?: string[] };
    problems: string[];
    side?: "bedrock" | "caller";
    /** The bedrock-bridge: keys the stack sets (valid or not), without namespace. */
    present: string[];
}

/** Parses and checks every key of both namespaces; never throws, collects problems. */
export function readConfig(all: Record<string, string> = rawConfig()): ConfigRead {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const aws: Record<string, unknown> = {};
    const parse = (ns: string, name: string, def: KeyDef, into: Record<string, unknown>) => {
        const fullKey = `${ns}:${name}`;
        const raw = all[fullKey];
        const { value, unparsed } =
            raw === undefined || raw === "" ? { value: undefined, unparsed: false } : decode(def, raw);
        const onSide = def.side === "both" || def.side === values.side;
        if (value === undefined && def.required) {
            // Not needed where another key takes its place (callerAccountIds beside tenants).
            if (def.requiredUnless?.some(other => all[`${ns}:${other}`] !== undefined)) return;
            if (onSide) problems.push(`${fullKey} is required: ${def.required}`);
            return;
        }
        // A key of the other side is reported as such below; what its value would be does not matter.
        if (!onSide && values.side) return;
        const r = def.schema.safeParse(value, { reportInput: true });
        if (r.success) into[name] = r.data;
        else problems.push(...messages(fullKey, def, value, r.error.issues, unparsed));
    };

    for (const [name, def] of Object.entries(KEYS)) parse(PROJECT, name, def, values);
    for (const [name, def] of Object.entries(AWS_KEYS)) parse("aws", name, def, aws);
    const side = values.side as ConfigRead["side"];

    // Every key of our namespace must be one we know; common aws: slips are caught the same way.
    const providerKeys = awsProviderKeys();
    for (const fullKey of Object.keys(all).sort()) {
        const [ns, ...rest] = fullKey.split(":");
        const name = rest.join(":");
        if (ns === PROJECT && !(name in KEYS)) {
            // Prefer a key of this stack's side; a near miss of the other side's key says whose it is.
            const mine = Object.keys(KEYS).filter(k => !side || [side, "both"].includes(KEYS[k].side));
            const near = closest(name, mine) ?? closest(name, Object.keys(KEYS));
            const whose = near && !mine.includes(near) ? ` (a ${KEYS[near].side}-side key; this stack is ${side})` : "";
            problems.push(
                `${fullKey} is not a ${PROJECT} setting${near ? `: did you mean ${PROJECT}:${near}?${whose}` : ""} (known: ${mine.join(", ")})`,
            );
        } else if (ns !== PROJECT && ns !== "aws" && rest.length && distance(ns, PROJECT) <= 3) {
            // A slip in the namespace (bedrock-brigde:auditTrail) would leave the feature silently off.
            const near = name in KEYS ? name : closest(name, Object.keys(KEYS));
            problems.push(
                `${fullKey} is in the namespace "${ns}", which this program does not read${near ? `: did you mean ${PROJECT}:${near}?` : `: the namespace is ${PROJECT}`}`,
            );
        } else if (ns === "aws" && !providerKeys.includes(name)) {
            const dym = didYouMean(name, providerKeys, "aws:");
            problems.push(`${fullKey} is not an AWS provider setting${dym ? `: ${dym}` : ""}`);
        }
    }

    // Keys of the other side are a contradiction, not something to ignore silently.
    if (side) {
        for (const [name, def] of Object.entries(KEYS)) {
            if (def.side !== "both" && def.side !== side && all[`${PROJECT}:${name}`] !== undefined) {
                problems.push(
                    `${PROJECT}:${name} belongs to the ${def.side} side, but ${PROJECT}:side is "${side}": remove it or change the side`,
                );
            }
        }
    }
    const present = Object.keys(all)
        .filter(key => key.startsWith(`${PROJECT}:`))
        .map(key => key.slice(PROJECT.length + 1));
    // Each value passed its key's schema above, so it has that schema's output type.
    // Examples in the messages follow the stack's Region (the schema's name the example stacks' Tokyo profiles).
    const local = regionalExamples(typeof aws.region === "string" ? aws.region : undefined);
    return { values: values, aws: aws, problems: problems.map(local), side, present };
}

/** What readConfig found, as the typed config of the stack's side (undefined while there are problems). */
export function toStackConfig(read: ConfigRead): StackConfig | undefined {
    const { values: v, aws, problems, side } = read;
    // Below, `!` marks keys of this side that are present once read.problems is empty: required, or defaulted.
    const accountId: string | undefined = aws.allowedAccountIds?.[0];
    const mon: { enabled?: boolean; dashboard?: boolean; alarmEmail?: string } | false | undefined =
        v.monitoring === true ? {} : v.monitoring;
    const monitoring: MonitoringConfig | undefined =
        mon === false || mon === undefined || mon.enabled === false
            ? undefined
            : { dashboard: mon.dashboard ?? true, alarmEmail: mon.alarmEmail };
    const common = {
        accountId: accountId ?? "",
        region: aws.region ?? "",
        logRetentionDays: v.logRetentionDays!,
        monitoring,
        permissionsBoundary: v.permissionsBoundary as boolean | string,
    };
    problems.push(...boundaryProblems(v.permissionsBoundary, accountId));
    let result: StackConfig | undefined;
    if (side === "bedrock") {
        const callerAccountIds: string[] = v.callerAccountIds ?? [];
        for (const arn of v.trustedPrincipalArns ?? []) {
            const acct = ROLE_ARN.exec(arn)?.[1];
            if (acct && v.callerAccountIds && !callerAccountIds.includes(acct)) {
                problems.push(
                    `${PROJECT}:trustedPrincipalArns names ${arn}, whose account ${acct} is not in ${PROJECT}:callerAccountIds`,
                );
            }
        }
        if (accountId && callerAccountIds.includes(accountId)) {
            problems.push(
                `${PROJECT}:callerAccountIds contains this stack's own account ${accountId}: cross-account trust is for other accounts`,
            );
        }
        for (const arn of v.trustedStateMachineArns ?? []) {
            const acct = STATE_MACHINE_ARN.exec(arn)?.[2];
            if (acct && v.callerAccountIds && !callerAccountIds.includes(acct)) {
                problems.push(
                    `${PROJECT}:trustedStateMachineArns names ${arn}, whose account ${acct} is not in ${PROJECT}:callerAccountIds`,
                );
            }
        }
        // The trust policy adds the state machines only beside an external id (without one, a role under the caller
        // path needs none): the list alone would silently change nothing.
        if (v.trustedStateMachineArns?.length && v.externalId === undefined)
            problems.push(
                `${PROJECT}:trustedStateMachineArns has no effect without ${PROJECT}:externalId: the state machines' roles under ${PROJECT}:callerRolePath are trusted already; remove ${PROJECT}:trustedStateMachineArns, or set ${PROJECT}:externalId (pulumi config set --secret ${PROJECT}:externalId <value>) so that only the listed state machines may skip it`,
            );
        for (const m of v.models ?? []) {
            const p = modelIdProblem(`${PROJECT}:models`, m);
            if (p) problems.push(p);
        }
        const externalId =
            v.externalId === undefined ? undefined : new pulumi.Config(PROJECT).requireSecret("externalId");
        const trail = v.auditTrail;
        const gov = governanceFrom(v, name => read.present.includes(name), accountId);
        problems.push(...gov.problems);
        result = {
            side,
            ...common,
            callerAccountIds,
            callerRolePath: v.callerRolePath!,
            trustedPrincipalArns: v.trustedPrincipalArns,
            models: v.models ?? [],
            roleName: v.roleName,
            externalId,
            trustedStateMachineArns: v.trustedStateMachineArns ?? [],
            maxSessionDurationSeconds: v.maxSessionDurationSeconds!,
            allowMarketplace: v.allowMarketplace!,
            apiKeys: (v.apiKeys ?? []).map(apiKey),
            shortTermKeys: v.shortTermKeys!,
            denyLongTermBearerTokens: v.denyLongTermBearerTokens!,
            auditTrail: trail === true ? { retentionDays: 365, multiRegion: true } : trail || undefined,
            invocationLogging: invocationLogging(v.invocationLogging, v.logRetentionDays!),
            ...(gov.value ? { governance: gov.value } : {}),
        };
    } else if (side === "caller") {
        for (const [key, id] of [
            ["defaultModelId", v.defaultModelId],
            ["chat.modelId", v.chat?.modelId],
        ] as const) {
            const p = id && modelIdProblem(`${PROJECT}:${key}`, id);
            if (p) problems.push(p);
        }
        const { enabled: chatEnabled, ...chat } = v.chat ?? { enabled: false };
        const { enabled: gatewayEnabled, ...gateway } = v.gateway ?? { enabled: false };
        if (v.gateway && gatewayEnabled) problems.push(...gatewayLimitProblems(v.gateway.keys));
        for (const arn of schema.workloadRoleArns(v.workloadRoles)) {
            const acct = ROLE_ARN.exec(arn)?.[1];
            if (accountId && acct && acct !== accountId)
                problems.push(
                    `${PROJECT}:workloadRoles names ${arn}, a role of account ${acct}; this stack deploys into ${accountId} (aws:allowedAccountIds) and can grant only its own roles: list roles of ${accountId}, or grant that account's roles from its own caller stack`,
                );
        }
        result = {
            side,
            ...common,
            bedrockStacks: v.bedrockStacks ?? [],
            rolePath: v.rolePath!,
            defaultModelId: v.defaultModelId,
            invoker: v.invoker!,
            stepFunctions: v.stepFunctions!,
            auth: v.auth!,
            ...(v.chat && chatEnabled ? { chat: chat as ChatConfig } : {}),
            apiGatewayAccount: v.apiGatewayAccount!,
            ...(v.tenant ? { tenant: v.tenant } : {}),
            ...(v.gateway && gatewayEnabled ? { gateway: gateway as GatewayConfig } : {}),
            workloadRoles: schema.workloadRoleArns(v.workloadRoles),
            workloadRolesAttach: !Array.isArray(v.workloadRoles) && !!v.workloadRoles?.attach,
        };
    }
    return problems.length ? undefined : result;
}

/**
 * Limits of one gateway key that contradict each other, which the schema (one field at a time) cannot see: they
 * would deploy and silently behave as the smaller one says.
 */
export function gatewayLimitProblems(keys: NonNullable<ConfigValues["gateway"]>["keys"]): string[] {
    const problems: string[] = [];
    for (const k of keys) {
        const where = `${PROJECT}:gateway.keys "${k.name}"`;
        if (k.tokensPerMinute !== undefined && k.tokensPerDay !== undefined && k.tokensPerDay < k.tokensPerMinute)
            problems.push(
                `${where}.tokensPerDay ${k.tokensPerDay} is below its tokensPerMinute ${k.tokensPerMinute}: the day's window would be spent before one minute's is, so tokensPerMinute could never be reached. Set tokensPerDay to at least ${k.tokensPerMinute} (a whole day at the minute's rate is ${k.tokensPerMinute * 1440}), or lower tokensPerMinute`,
            );
        // API Gateway's burst is the bucket that lets more requests through than the steady rate for a moment
        // (ThrottleSettings.burstLimit, https://docs.aws.amazon.com/apigateway/latest/api/API_ThrottleSettings.html).
        if (k.burst < k.requestsPerSecond)
            problems.push(
                `${where}.burst ${k.burst} is below its requestsPerSecond ${k.requestsPerSecond}: the burst is the bucket that lets requests through above the steady rate, so a smaller one refuses with 429 what the rate allows. Set burst to at least ${Math.ceil(k.requestsPerSecond)}, or lower requestsPerSecond`,
            );
    }
    return problems;
}

/**
 * bedrock-bridge:permissionsBoundary naming a policy that cannot bound this stack's roles: another account's (IAM
 * refuses it on CreateRole), or an AWS managed one (it allows far more than these roles do, and the budget cut-off
 * needs a boundary whose statement names the boundary itself).
 */
function boundaryProblems(b: ConfigValues["permissionsBoundary"], accountId: string | undefined): string[] {
    if (typeof b !== "string") return [];
    const acct = b.split(":")[4];
    const fix = `create the stack's own once with \`npm run boundary -- ${pulumi.getStack()}\` and set ${PROJECT}:permissionsBoundary to the ARN it prints (or true: the stack creates it, for deploys by an admin)`;
    if (acct === "aws")
        return [
            `${PROJECT}:permissionsBoundary names the AWS managed policy ${b}, which allows far more than this stack's roles do and cannot hold the budget cut-off's statement: ${fix}`,
        ];
    if (accountId && acct !== accountId)
        return [
            `${PROJECT}:permissionsBoundary names ${b}, a policy of account ${acct}; this stack's roles are in ${accountId} (aws:allowedAccountIds) and IAM takes only a boundary of their own account: ${fix}`,
        ];
    return [];
}

function invocationLogging(
    raw: ConfigValues["invocationLogging"],
    defaultRetention: number,
): InvocationLoggingConfig | undefined {
    const c: Exclude<ConfigValues["invocationLogging"], true> | Record<string, never> = raw === true ? {} : raw;
    if (c === false || c === undefined || c.enabled === false) return undefined;
    const delivery = {
        text: !!c.textDelivery,
        image: !!c.imageDelivery,
        embedding: !!c.embeddingDelivery,
        video: !!c.videoDelivery,
    };
    const retentionDays = c.retentionDays ?? defaultRetention;
    if (delivery.text)
        void pulumi.log.warn(
            `${PROJECT}:invocationLogging.textDelivery is true: Bedrock will copy every prompt and answer into the log group for ${retentionDays} days`,
        );
    return { retentionDays, delivery };
}

function apiKey(k: NonNullable<ConfigValues["apiKeys"]>[number]): ApiKeyConfig {
    const where = `${PROJECT}:apiKeys "${k.name}"`;
    if (k.never)
        void pulumi.log.warn(
            `${where} NEVER EXPIRES: a leaked long-term key stays valid until someone disables it. Prefer expiryDays (30..90) or short-term keys (npm run token).`,
        );
    else if ((k.expiryDays ?? 0) > 90)
        void pulumi.log.warn(
            `${where} is valid for ${k.expiryDays} days (more than 90): AWS recommends long-term keys only for exploration; prefer a short expiry or short-term keys.`,
        );
    return {
        name: k.name,
        expiryDays: k.expiryDays,
        status: k.status,
        managedPolicy: k.managedPolicy,
        allModels: k.allModels,
        marketplace: k.marketplace,
    };
}

/** Reads and validates the whole stack configuration; throws a ConfigError listing every problem. */
export function loadConfig(): StackConfig {
    const read = readConfig();
    const cfg = toStackConfig(read);
    if (!cfg) throw new ConfigError(read.problems);
    return cfg;
}
