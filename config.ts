// One place that reads and validates the stack's configuration. Every error names the key to set,
// and all problems are reported together so a preview fails once with the whole list.
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "bedrock-bridge";

/** CloudWatch Logs accepts only these retention values. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Cross-region inference profile prefixes (geographic and global). */
export const PROFILE_PREFIXES = ["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"];

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
// e.g. anthropic.claude-sonnet-4-5-20250929-v1:0, amazon.nova-pro-v1:0, meta.llama3-70b-instruct-v1:0
const MODEL_ID = /^([a-z-]+\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/;
const ROLE_PATH = /^\/([\w+=,.@-]+\/)*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@\/-]+$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z]{2}(-gov)?-[a-z]+-\d:(\d{12}):stateMachine:[A-Za-z0-9_-]{1,80}$/;

export interface CommonConfig {
    side: "bedrock" | "caller";
    accountId: string;
    region: string;
    logRetentionDays: number;
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
}

/** Expired: AWS reports it after the expiry and it cannot be set; saying so keeps `pulumi up` from trying to change it. */
export const API_KEY_STATUSES = ["Active", "Inactive", "Expired"] as const;

export interface ApiKeyConfig {
    name: string;
    /** Days until the key expires (1..36600); undefined only with `never: true`. */
    expiryDays?: number;
    status: (typeof API_KEY_STATUSES)[number];
    /** Attach AWS's AmazonBedrockLimitedAccess instead of the least-privilege model policy. */
    managedPolicy: boolean;
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
}

export interface StepFunctionsConfig {
    enabled: boolean;
    type: "STANDARD" | "EXPRESS";
    logLevel: "ALL" | "ERROR" | "FATAL" | "OFF";
    includeExecutionData: boolean;
    tracing: boolean;
    /** InferenceConfig defaults when the execution input gives none. */
    maxTokens: number;
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
}

export type StackConfig = BedrockSideConfig | CallerSideConfig;

const BEDROCK_KEYS = ["callerAccountIds", "callerRolePath", "trustedPrincipalArns", "models", "roleName", "externalId", "trustedStateMachineArns", "maxSessionDurationSeconds", "allowMarketplace", "apiKeys", "shortTermKeys", "denyLongTermBearerTokens", "auditTrail"];
const CALLER_KEYS = ["bedrockStacks", "rolePath", "defaultModelId", "invoker", "stepFunctions", "auth", "chat", "apiGatewayAccount"];

export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`bedrock-bridge configuration is invalid:\n${problems.map(p => `  - ${p}`).join("\n")}`);
    }
}

/** A reader that collects problems instead of throwing on the first one. */
class Reader {
    readonly problems: string[] = [];
    private readonly cfg = new pulumi.Config(PROJECT);

    constructor(private readonly ns = PROJECT) {}

    key(name: string): string {
        return `${this.ns}:${name}`;
    }
    has(name: string): boolean {
        return this.cfg.get(name) !== undefined;
    }
    problem(msg: string): void {
        this.problems.push(msg);
    }
    str(name: string, opts: { required?: boolean; pattern?: RegExp; hint?: string; oneOf?: string[] } = {}): string | undefined {
        const v = this.cfg.get(name);
        if (v === undefined || v === "") {
            if (opts.required) this.problem(`${this.key(name)} is required${opts.hint ? `: ${opts.hint}` : ""}`);
            return undefined;
        }
        if (opts.oneOf && !opts.oneOf.includes(v)) {
            this.problem(`${this.key(name)} must be one of ${opts.oneOf.join(", ")} (got "${v}")`);
            return undefined;
        }
        if (opts.pattern && !opts.pattern.test(v)) {
            this.problem(`${this.key(name)} "${v}" is not valid${opts.hint ? `: ${opts.hint}` : ""}`);
            return undefined;
        }
        return v;
    }
    obj<T>(name: string): T | undefined {
        const raw = this.cfg.get(name);
        if (raw === undefined) return undefined;
        try {
            return JSON.parse(raw) as T;
        } catch {
            this.problem(`${this.key(name)} must be structured YAML (a list or map), got "${raw}"`);
            return undefined;
        }
    }
    list(name: string, opts: { required?: boolean; pattern?: RegExp; hint?: string } = {}): string[] {
        const raw = this.cfg.get(name);
        if (raw === undefined) {
            if (opts.required) this.problem(`${this.key(name)} is required${opts.hint ? `: ${opts.hint}` : ""}`);
            return [];
        }
        const v = this.obj<unknown>(name);
        if (v === undefined) return [];
        if (!Array.isArray(v) || v.some(x => typeof x !== "string")) {
            this.problem(`${this.key(name)} must be a list of strings`);
            return [];
        }
        if (opts.required && v.length === 0) this.problem(`${this.key(name)} must not be empty${opts.hint ? `: ${opts.hint}` : ""}`);
        const bad = opts.pattern ? v.filter(x => !opts.pattern!.test(x)) : [];
        if (bad.length) this.problem(`${this.key(name)} has invalid entries ${bad.map(b => `"${b}"`).join(", ")}${opts.hint ? `: ${opts.hint}` : ""}`);
        const dup = v.filter((x, i) => v.indexOf(x) !== i);
        if (dup.length) this.problem(`${this.key(name)} lists ${dup.map(d => `"${d}"`).join(", ")} more than once`);
        return v as string[];
    }
    int(name: string, def: number, min: number, max: number): number {
        const raw = this.cfg.get(name);
        if (raw === undefined) return def;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < min || n > max) {
            this.problem(`${this.key(name)} must be a whole number from ${min} to ${max} (got "${raw}")`);
            return def;
        }
        return n;
    }
    bool(name: string, def: boolean): boolean {
        const raw = this.cfg.get(name);
        if (raw === undefined) return def;
        if (raw !== "true" && raw !== "false") {
            this.problem(`${this.key(name)} must be true or false (got "${raw}")`);
            return def;
        }
        return raw === "true";
    }
    secret(name: string): pulumi.Output<string> | undefined {
        return this.cfg.get(name) === undefined ? undefined : this.cfg.requireSecret(name);
    }
}

export function isInferenceProfileId(modelId: string): boolean {
    const dot = modelId.indexOf(".");
    return dot > 0 && PROFILE_PREFIXES.includes(modelId.slice(0, dot)) && modelId.split(".").length >= 3;
}

/** Reads and validates the whole stack configuration; throws a ConfigError listing every problem. */
export function loadConfig(): StackConfig {
    const r = new Reader();
    const aws = new pulumi.Config("aws");

    const side = r.str("side", { required: true, oneOf: ["bedrock", "caller"], hint: 'set it to "bedrock" (the account that owns Bedrock) or "caller" (the account whose workloads call it)' }) as StackConfig["side"] | undefined;

    const region = aws.get("region");
    if (!region) r.problem("aws:region is required (the region this stack deploys to, e.g. ap-northeast-1)");
    else if (!REGION.test(region)) r.problem(`aws:region "${region}" is not a region name`);

    let accountId = "";
    const allowed = aws.get("allowedAccountIds");
    if (allowed === undefined) {
        r.problem("aws:allowedAccountIds is required: the one account this stack deploys to, so a wrong profile cannot deploy it elsewhere");
    } else {
        let ids: unknown;
        try { ids = JSON.parse(allowed); } catch { ids = undefined; }
        if (!Array.isArray(ids) || ids.length !== 1 || typeof ids[0] !== "string" || !ACCOUNT_ID.test(ids[0])) {
            r.problem(`aws:allowedAccountIds must list exactly one 12-digit account id as a string (got ${allowed})`);
        } else {
            accountId = ids[0];
        }
    }

    const logRetentionDays = r.int("logRetentionDays", 30, 1, 3653);
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        r.problem(`${r.key("logRetentionDays")} must be one of CloudWatch's values ${LOG_RETENTION_DAYS.join(", ")} (got ${logRetentionDays})`);
    }

    // Keys of the other side are a contradiction, not something to ignore silently.
    const foreign = side === "bedrock" ? CALLER_KEYS : side === "caller" ? BEDROCK_KEYS : [];
    for (const k of foreign.filter(k => r.has(k))) {
        r.problem(`${r.key(k)} belongs to the ${side === "bedrock" ? "caller" : "bedrock"} side, but ${r.key("side")} is "${side}": remove it or change the side`);
    }

    const common = { accountId, region: region ?? "", logRetentionDays };
    let result: StackConfig | undefined;
    if (side === "bedrock") result = bedrockSide(r, common);
    else if (side === "caller") result = callerSide(r, common);

    if (r.problems.length || !result) throw new ConfigError(r.problems);
    return result;
}

function bedrockSide(r: Reader, common: Omit<CommonConfig, "side">): BedrockSideConfig {
    const callerAccountIds = r.list("callerAccountIds", { required: true, pattern: ACCOUNT_ID, hint: "12-digit ids of the accounts whose workloads call Bedrock" });
    const callerRolePath = r.str("callerRolePath", { pattern: ROLE_PATH, hint: 'an IAM path such as "/bedrock-bridge/"' }) ?? "/bedrock-bridge/";
    let trustedPrincipalArns: string[] | undefined = r.list("trustedPrincipalArns", { pattern: ROLE_ARN, hint: "exact role ARNs, arn:aws:iam::<account>:role/<path><name>" });
    if (!r.has("trustedPrincipalArns")) trustedPrincipalArns = undefined;
    for (const arn of trustedPrincipalArns ?? []) {
        const acct = ROLE_ARN.exec(arn)?.[1];
        if (acct && !callerAccountIds.includes(acct)) {
            r.problem(`${r.key("trustedPrincipalArns")} names ${arn}, whose account ${acct} is not in ${r.key("callerAccountIds")}`);
        }
    }
    if (common.accountId && callerAccountIds.includes(common.accountId)) {
        r.problem(`${r.key("callerAccountIds")} contains this stack's own account ${common.accountId}: cross-account trust is for other accounts`);
    }
    const models = r.list("models", { required: true, pattern: MODEL_ID, hint: "Bedrock model or inference profile ids, e.g. jp.anthropic.claude-sonnet-4-5-20250929-v1:0" });
    const roleName = r.str("roleName", { pattern: /^[\w+=,.@-]{1,64}$/, hint: "an IAM role name" });
    const maxSessionDurationSeconds = r.int("maxSessionDurationSeconds", 3600, 3600, 43200);
    const allowMarketplace = r.bool("allowMarketplace", false);
    const externalId = r.secret("externalId");
    const trustedStateMachineArns = r.list("trustedStateMachineArns", { pattern: STATE_MACHINE_ARN, hint: "state machine ARNs, arn:aws:states:<region>:<account>:stateMachine:<name> (the caller stack's stateMachineArn output)" });
    for (const arn of trustedStateMachineArns) {
        const acct = STATE_MACHINE_ARN.exec(arn)?.[2];
        if (acct && !callerAccountIds.includes(acct)) r.problem(`${r.key("trustedStateMachineArns")} names ${arn}, whose account ${acct} is not in ${r.key("callerAccountIds")}`);
    }
    const apiKeys = apiKeysConfig(r);
    const shortTermKeys = r.bool("shortTermKeys", true);
    const denyLongTermBearerTokens = r.bool("denyLongTermBearerTokens", false);
    const auditTrail = auditTrailConfig(r);
    return { side: "bedrock", ...common, callerAccountIds, callerRolePath, trustedPrincipalArns, models, roleName, externalId, trustedStateMachineArns, maxSessionDurationSeconds, allowMarketplace, apiKeys, shortTermKeys, denyLongTermBearerTokens, auditTrail };
}

function callerSide(r: Reader, common: Omit<CommonConfig, "side">): CallerSideConfig {
    const bedrockStacks = r.list("bedrockStacks", {
        required: true,
        pattern: /^([\w.-]+\/){0,2}[\w.-]+$/,
        hint: 'the Bedrock stack(s) to reference, e.g. ["my-org/bedrock-bridge/bedrock"], deployed first with `pulumi up -s bedrock`',
    });
    const rolePath = r.str("rolePath", { pattern: ROLE_PATH, hint: 'an IAM path such as "/bedrock-bridge/", the one the Bedrock stack trusts' }) ?? "/bedrock-bridge/";
    const defaultModelId = r.str("defaultModelId", { pattern: MODEL_ID, hint: "one of the models the Bedrock stack allows" });
    const inv = r.obj<Record<string, unknown>>("invoker") ?? {};
    const invoker: InvokerConfig = { enabled: true, memorySize: 256, timeoutSeconds: 60 };
    for (const [k, v] of Object.entries(inv)) {
        if (k === "enabled" && typeof v === "boolean") invoker.enabled = v;
        else if (k === "memorySize" && Number.isInteger(v) && (v as number) >= 128 && (v as number) <= 10240) invoker.memorySize = v as number;
        else if (k === "timeoutSeconds" && Number.isInteger(v) && (v as number) >= 5 && (v as number) <= 900) invoker.timeoutSeconds = v as number;
        else r.problem(`${r.key("invoker")}.${k} is not valid (enabled: boolean, memorySize: 128..10240, timeoutSeconds: 5..900), got ${JSON.stringify(v)}`);
    }
    const stepFunctions = stepFunctionsConfig(r);
    const auth = (r.str("auth", { oneOf: ["sigv4", "shortTermKey"] }) ?? "sigv4") as CallerSideConfig["auth"];
    const chat = chatConfig(r);
    const apiGatewayAccount = (r.str("apiGatewayAccount", {
        oneOf: ["manage", "existing", "none"],
        hint: "manage (this stack sets the region's account-wide API Gateway CloudWatch role), existing (the account has one), none (no access logs)",
    }) ?? "none") as CallerSideConfig["apiGatewayAccount"];
    return { side: "caller", ...common, bedrockStacks, rolePath, defaultModelId, invoker, stepFunctions, auth, ...(chat ? { chat } : {}), apiGatewayAccount };
}

/** bedrock-bridge:stepFunctions, a map; unknown or invalid entries are problems naming the entry. */
function stepFunctionsConfig(r: Reader): StepFunctionsConfig {
    const key = r.key("stepFunctions");
    const sf: StepFunctionsConfig = {
        // ERROR without execution data: ALL with data would copy every prompt and answer into CloudWatch (opt-in).
        enabled: true, type: "STANDARD", logLevel: "ERROR", includeExecutionData: false, tracing: false, maxTokens: 1000, temperature: 0.7,
        retry: { maxAttempts: 3, intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 30 },
    };
    const raw = r.obj<unknown>("stepFunctions") ?? {};
    const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
    if (!isMap(raw)) {
        r.problem(`${key} must be a map such as {type: EXPRESS, tracing: true}`);
        return sf;
    }
    const num = (v: unknown, min: number, max: number, whole: boolean) => typeof v === "number" && v >= min && v <= max && (!whole || Number.isInteger(v));
    for (const [k, v] of Object.entries(raw)) {
        if (["enabled", "includeExecutionData", "tracing"].includes(k) && typeof v === "boolean") (sf as any)[k] = v;
        else if (k === "type" && (v === "STANDARD" || v === "EXPRESS")) sf.type = v;
        else if (k === "logLevel" && (v === "ALL" || v === "ERROR" || v === "FATAL" || v === "OFF")) sf.logLevel = v;
        else if (k === "maxTokens" && num(v, 1, 128000, true)) sf.maxTokens = v as number;
        else if (k === "temperature" && num(v, 0, 1, false)) sf.temperature = v as number;
        else if (k === "retry" && isMap(v)) {
            const limits: Record<string, [number, number, boolean]> = { maxAttempts: [0, 10, true], intervalSeconds: [1, 60, true], backoffRate: [1, 10, false], maxDelaySeconds: [1, 3600, true] };
            for (const [rk, rv] of Object.entries(v)) {
                const lim = limits[rk];
                if (lim && num(rv, ...lim)) (sf.retry as any)[rk] = rv;
                else r.problem(`${key}.retry.${rk} is not valid (maxAttempts: 0..10, intervalSeconds: 1..60, backoffRate: 1..10, maxDelaySeconds: 1..3600), got ${JSON.stringify(rv)}`);
            }
        } else {
            r.problem(`${key}.${k} is not valid (enabled, includeExecutionData, tracing: boolean; type: STANDARD | EXPRESS; logLevel: ALL | ERROR | FATAL | OFF; maxTokens: 1..128000; temperature: 0..1; retry: map), got ${JSON.stringify(v)}`);
        }
    }
    return sf;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** bedrock-bridge:apiKeys, a list of {name, expiryDays | never: true, status, managedPolicy, marketplace}. */
function apiKeysConfig(r: Reader): ApiKeyConfig[] {
    const key = r.key("apiKeys");
    const raw = r.obj<unknown>("apiKeys") ?? [];
    if (!Array.isArray(raw)) {
        r.problem(`${key} must be a list such as [{name: ci, expiryDays: 30}]`);
        return [];
    }
    const keys: ApiKeyConfig[] = [];
    raw.forEach((k, i) => {
        const at = `${key}[${i}]`;
        if (!isMap(k)) return r.problem(`${at} must be a map such as {name: ci, expiryDays: 30}`);
        // The IAM user is BedrockAPIKey-<name>-<stack>-<region> (the console's prefix; components/bedrockApiKeys.ts).
        if (typeof k.name !== "string" || !/^[\w+=,.@-]{1,50}$/.test(k.name)) return r.problem(`${at}.name must be 1..50 characters of letters, digits and +=,.@_- (got ${JSON.stringify(k.name)})`);
        const where = `${key} "${k.name}"`;
        const unknown = Object.keys(k).filter(f => !["name", "expiryDays", "never", "status", "managedPolicy", "marketplace"].includes(f));
        if (unknown.length) r.problem(`${where} has unknown fields ${unknown.join(", ")} (name, expiryDays, never, status, managedPolicy, marketplace)`);
        const status = k.status ?? "Active";
        if (!API_KEY_STATUSES.includes(status as ApiKeyConfig["status"])) r.problem(`${where}.status must be Active, Inactive or Expired (got ${JSON.stringify(k.status)})`);
        for (const f of ["never", "managedPolicy", "marketplace"]) {
            if (k[f] !== undefined && typeof k[f] !== "boolean") r.problem(`${where}.${f} must be true or false (got ${JSON.stringify(k[f])})`);
        }
        const never = k.never === true;
        let expiryDays: number | undefined;
        if (k.expiryDays !== undefined) {
            if (never) r.problem(`${where} sets both expiryDays and never: keep one`);
            else if (!Number.isInteger(k.expiryDays) || (k.expiryDays as number) < 1 || (k.expiryDays as number) > 36600) r.problem(`${where}.expiryDays must be a whole number from 1 to 36600 (got ${JSON.stringify(k.expiryDays)})`);
            else expiryDays = k.expiryDays as number;
        } else if (!never) {
            r.problem(`${where}.expiryDays is required (1..36600 days); a key that never expires must say never: true`);
        }
        if (never && k.expiryDays === undefined) pulumi.log.warn(`${where} NEVER EXPIRES: a leaked long-term key stays valid until someone disables it. Prefer expiryDays (30..90) or short-term keys (npm run token).`);
        else if (expiryDays && expiryDays > 90) pulumi.log.warn(`${where} is valid for ${expiryDays} days (more than 90): AWS recommends long-term keys only for exploration; prefer a short expiry or short-term keys.`);
        if (keys.some(x => x.name === k.name)) r.problem(`${key} names "${k.name}" more than once`);
        keys.push({ name: k.name, expiryDays, status: status as ApiKeyConfig["status"], managedPolicy: k.managedPolicy === true, marketplace: k.marketplace === true });
    });
    return keys;
}

/** bedrock-bridge:auditTrail: true, or {retentionDays, multiRegion}. */
function auditTrailConfig(r: Reader): AuditTrailConfig | undefined {
    const key = r.key("auditTrail");
    const raw = r.obj<unknown>("auditTrail");
    if (raw === undefined || raw === false) return undefined;
    const trail: AuditTrailConfig = { retentionDays: 365, multiRegion: true };
    if (raw === true) return trail;
    if (!isMap(raw)) {
        r.problem(`${key} must be true, false or a map such as {retentionDays: 365, multiRegion: true}`);
        return undefined;
    }
    for (const [k, v] of Object.entries(raw)) {
        if (k === "retentionDays" && Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 3653) trail.retentionDays = v as number;
        else if (k === "multiRegion" && typeof v === "boolean") trail.multiRegion = v;
        else r.problem(`${key}.${k} is not valid (retentionDays: 1..3653, multiRegion: boolean), got ${JSON.stringify(v)}`);
    }
    return trail;
}

/** bedrock-bridge:chat, a map; present means enabled unless it says enabled: false. */
function chatConfig(r: Reader): ChatConfig | undefined {
    const key = r.key("chat");
    const raw = r.obj<unknown>("chat");
    if (raw === undefined) return undefined;
    if (!isMap(raw)) {
        r.problem(`${key} must be a map such as {allowedOrigins: ["https://chat.example.com"]}`);
        return undefined;
    }
    const c: ChatConfig = {
        namespace: "bedrock-stream-response", allowedOrigins: [], selfSignUp: false, path: "chat", stageName: "prod",
        minPromptChars: 1, maxPromptChars: 8000, maxPriorTurns: 10, maxTurnChars: 8000, maxTokens: 4096,
        throttling: { rateLimit: 10, burstLimit: 20 }, maxEventAgeSeconds: 300, timeoutSeconds: 300, memorySize: 256, coalesceMs: 200,
    };
    const ints: Record<string, [number, number]> = {
        minPromptChars: [1, 100000], maxPromptChars: [1, 100000], maxPriorTurns: [0, 50], maxTurnChars: [1, 100000], maxTokens: [1, 64000],
        maxEventAgeSeconds: [60, 21600], timeoutSeconds: [10, 900], memorySize: [128, 10240], coalesceMs: [10, 1000],
    };
    const strs: Record<string, [RegExp, string]> = {
        // AppSync namespace names: letters, digits and hyphens, at most 50.
        namespace: [/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/, "letters, digits and hyphens, at most 50"],
        userPoolId: [/^[a-z]{2}(-gov)?-[a-z]+-\d_[A-Za-z0-9]+$/, "a user pool id such as ap-northeast-1_AbCdEf123"],
        userPoolClientId: [/^[a-z0-9]{1,128}$/, "an app client id"],
        path: [/^[A-Za-z0-9._-]{1,64}$/, "one path segment such as chat"],
        stageName: [/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -"],
        modelId: [MODEL_ID, "one of the models the Bedrock stack allows"],
    };
    let enabled = true;
    for (const [k, v] of Object.entries(raw)) {
        if (k === "enabled" && typeof v === "boolean") enabled = v;
        else if (k === "selfSignUp" && typeof v === "boolean") c.selfSignUp = v;
        else if (ints[k] && Number.isInteger(v) && (v as number) >= ints[k][0] && (v as number) <= ints[k][1]) (c as any)[k] = v;
        else if (ints[k]) r.problem(`${key}.${k} must be a whole number from ${ints[k][0]} to ${ints[k][1]} (got ${JSON.stringify(v)})`);
        else if (strs[k] && typeof v === "string" && strs[k][0].test(v)) (c as any)[k] = v;
        else if (strs[k]) r.problem(`${key}.${k} is not valid: ${strs[k][1]} (got ${JSON.stringify(v)})`);
        // It travels in the function's environment, which Lambda caps at 4 KB in total.
        else if (k === "systemPrompt" && typeof v === "string" && v.trim() && v.length <= 2000) c.systemPrompt = v;
        else if (k === "systemPrompt") r.problem(`${key}.systemPrompt must be a non-empty string of at most 2000 characters`);
        else if (k === "allowedOrigins" && Array.isArray(v) && v.every(o => typeof o === "string" && /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^http:\/\/localhost(:\d{1,5})?$/.test(o))) c.allowedOrigins = v as string[];
        else if (k === "allowedOrigins") r.problem(`${key}.allowedOrigins must list exact origins such as "https://chat.example.com" (no path, no wildcard; http only for localhost), got ${JSON.stringify(v)}`);
        else if (k === "throttling" && isMap(v) && Object.entries(v).every(([tk, tv]) => (tk === "rateLimit" || tk === "burstLimit") && typeof tv === "number" && tv > 0 && tv <= 10000)) c.throttling = { ...c.throttling, ...(v as object) };
        else if (k === "throttling") r.problem(`${key}.throttling must be {rateLimit, burstLimit} with positive numbers up to 10000, got ${JSON.stringify(v)}`);
        else r.problem(`${key}.${k} is not a chat setting (enabled, namespace, allowedOrigins, userPoolId, userPoolClientId, selfSignUp, path, stageName, modelId, systemPrompt, ${Object.keys(ints).join(", ")}, throttling)`);
    }
    if (!enabled) return undefined;
    if (!c.allowedOrigins.length) r.problem(`${key}.allowedOrigins is required: the browser origin(s) of the chat app, e.g. ["https://chat.example.com"]`);
    if ((c.userPoolId === undefined) !== (c.userPoolClientId === undefined)) r.problem(`${key}.userPoolId and ${key}.userPoolClientId go together: give both to use an existing pool, or neither to create one`);
    if (c.minPromptChars > c.maxPromptChars) r.problem(`${key}.minPromptChars (${c.minPromptChars}) is more than maxPromptChars (${c.maxPromptChars})`);
    return c;
}
