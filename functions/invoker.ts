// Cross-account invoker (seed 001, done right): Converse in the Bedrock account through its role.
// No Pulumi imports: this file is serialized into the Lambda package.
import {
    BedrockRuntimeClient,
    ConverseCommand,
    type ContentBlock,
    type Message,
    type SystemContentBlock,
} from "@aws-sdk/client-bedrock-runtime";
import { shortTermKeyClient } from "./bedrock/bearer";
import { assumedRoleProvider, sessionNameFor } from "./bedrock/credentials";
import { bridgeError, toBridgeError } from "./errors";
import {
    DEFAULT_MAX_TOKENS,
    DEFAULT_MAX_TOKENS_LIMIT,
    maxTokensProblem,
    MODEL_MAX_OUTPUT_TOKENS,
} from "./bedrock/limits";
import { createMetricsRecorder, type MetricsRecorder } from "./metrics";
import { createPool, type Failover } from "./bedrock/pool";
import { callerAccountOf, requestMetadata } from "./bedrock/requestMetadata";
import { recordInvoker } from "./metrics/requestMetrics";
import { allowedModels, readTargets, type BedrockTarget } from "./bedrock/targets";
import { GUARDRAIL_INTERVENED, guardrailConfig, servedBy as servedByOf, targetModelId } from "./bedrock/tenantRoute";

export interface ChatMessage {
    role: "user" | "assistant";
    content: string | { text: string }[];
}

export interface InvokerEvent {
    prompt?: string;
    messages?: ChatMessage[];
    system?: string | { text: string }[];
    inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
    modelId?: string;
}

export interface InvokerResult {
    text: string;
    stopReason: string;
    usage: {
        inputTokens: number;
        outputTokens: number;
        totalTokens: number;
        cacheReadInputTokens?: number;
        cacheWriteInputTokens?: number;
    };
    latencyMs: number;
    modelId: string;
    servedBy: { accountId: string; region: string; tenant?: string };
    /** True when the tenant's guardrail blocked the input or withheld the answer (text is its blocked message). */
    guardrailIntervened?: boolean;
    /** Members skipped for throttling before this one answered (pool of several Bedrock accounts). */
    failovers?: Failover[];
}

export const LIMITS = { promptChars: 100_000, messages: 50, systemChars: 20_000, stopSequences: 4 };

/** maxTokens sent when an event gives none, and the largest an event may ask for. */
export interface TokenBounds {
    maxTokens: number;
    maxTokensLimit: number;
}

/** MAX_TOKENS and MAX_TOKENS_LIMIT as the component sets them; a bad value stops the container at start. */
export function readTokenBounds(env: NodeJS.ProcessEnv): TokenBounds {
    const b = {
        maxTokens: Number(env.MAX_TOKENS ?? DEFAULT_MAX_TOKENS),
        maxTokensLimit: Number(env.MAX_TOKENS_LIMIT ?? DEFAULT_MAX_TOKENS_LIMIT),
    };
    const problem = maxTokensProblem(b.maxTokensLimit) ?? maxTokensProblem(b.maxTokens, b.maxTokensLimit);
    if (problem)
        throw new Error(
            `MAX_TOKENS (${env.MAX_TOKENS}) and MAX_TOKENS_LIMIT (${env.MAX_TOKENS_LIMIT}) must be whole numbers with 1 <= MAX_TOKENS <= MAX_TOKENS_LIMIT <= ${MODEL_MAX_OUTPUT_TOKENS} (bedrock-bridge:invoker.maxTokens, maxTokensLimit)`,
        );
    return b;
}

function invalid(msg: string): never {
    throw bridgeError("InvalidRequest", msg);
}

function textBlocks(content: unknown, where: string): ContentBlock[] {
    if (typeof content === "string") {
        if (!content.trim()) invalid(`${where} is empty`);
        if (content.length > LIMITS.promptChars) invalid(`${where} is longer than ${LIMITS.promptChars} characters`);
        return [{ text: content }];
    }
    if (!Array.isArray(content) || !content.length) invalid(`${where} must be a string or a non-empty list of {text}`);
    return (content as ({ text?: unknown } | null)[]).map((b, i) => {
        if (!b || typeof b.text !== "string" || !b.text.trim())
            invalid(`${where}[${i}].text must be a non-empty string`);
        if (b.text.length > LIMITS.promptChars)
            invalid(`${where}[${i}].text is longer than ${LIMITS.promptChars} characters`);
        return { text: b.text };
    });
}

/** Validates an event and turns it into Converse input (messages, system, inference config, model). */
export function parseInvokerEvent(
    event: InvokerEvent,
    allowed: string[],
    defaultModelId: string,
    tokens: TokenBounds = { maxTokens: DEFAULT_MAX_TOKENS, maxTokensLimit: DEFAULT_MAX_TOKENS_LIMIT },
) {
    if (!event || typeof event !== "object") invalid("the event must be an object with `prompt` or `messages`");
    if (event.prompt !== undefined && event.messages !== undefined)
        invalid("give either `prompt` or `messages`, not both");
    let messages: Message[];
    if (event.messages !== undefined) {
        if (!Array.isArray(event.messages) || !event.messages.length) invalid("`messages` must be a non-empty list");
        if (event.messages.length > LIMITS.messages) invalid(`\`messages\` may hold at most ${LIMITS.messages} turns`);
        messages = event.messages.map((m, i) => {
            if (!m || (m.role !== "user" && m.role !== "assistant"))
                invalid(`messages[${i}].role must be "user" or "assistant"`);
            return { role: m.role, content: textBlocks(m.content, `messages[${i}].content`) };
        });
        if (messages[0].role !== "user") invalid("the first message must come from the user");
        if (messages[messages.length - 1].role !== "user") invalid("the last message must come from the user");
        messages.forEach((m, i) => {
            if (i && m.role === messages[i - 1].role)
                invalid(`messages[${i}] has the same role as the turn before it; turns must alternate`);
        });
    } else {
        if (typeof event.prompt !== "string") invalid("`prompt` (a string) or `messages` is required");
        messages = [{ role: "user", content: textBlocks(event.prompt, "prompt") }];
    }
    let system: SystemContentBlock[] | undefined;
    if (event.system !== undefined) {
        system = textBlocks(event.system, "system") as SystemContentBlock[];
        if (system.reduce((n, b) => n + (b as { text: string }).text.length, 0) > LIMITS.systemChars)
            invalid(`system is longer than ${LIMITS.systemChars} characters`);
    }
    const ic = event.inferenceConfig;
    // Always an explicit maxTokens: Bedrock reserves it against the token quota when the request starts.
    let inferenceConfig: InvokerEvent["inferenceConfig"] & { maxTokens: number } = { maxTokens: tokens.maxTokens };
    if (ic !== undefined) {
        if (typeof ic !== "object" || ic === null) invalid("inferenceConfig must be an object");
        const known = ["maxTokens", "temperature", "topP", "stopSequences"];
        const unknown = Object.keys(ic).filter(k => !known.includes(k));
        if (unknown.length) invalid(`inferenceConfig has unknown keys ${unknown.join(", ")}`);
        if (ic.maxTokens !== undefined && maxTokensProblem(ic.maxTokens, tokens.maxTokensLimit))
            invalid(
                `inferenceConfig.maxTokens ${maxTokensProblem(ic.maxTokens, tokens.maxTokensLimit)} (this function's limit, bedrock-bridge:invoker.maxTokensLimit)`,
            );
        if (
            ic.temperature !== undefined &&
            (typeof ic.temperature !== "number" || ic.temperature < 0 || ic.temperature > 1)
        )
            invalid("inferenceConfig.temperature must be from 0 to 1");
        if (ic.topP !== undefined && (typeof ic.topP !== "number" || ic.topP < 0 || ic.topP > 1))
            invalid("inferenceConfig.topP must be from 0 to 1");
        if (
            ic.stopSequences !== undefined &&
            (!Array.isArray(ic.stopSequences) ||
                ic.stopSequences.length > LIMITS.stopSequences ||
                ic.stopSequences.some(s => typeof s !== "string" || !s))
        )
            invalid(`inferenceConfig.stopSequences must be at most ${LIMITS.stopSequences} non-empty strings`);
        inferenceConfig = { ...ic, maxTokens: ic.maxTokens ?? tokens.maxTokens };
    }
    const modelId = event.modelId ?? defaultModelId;
    if (typeof modelId !== "string" || !allowed.includes(modelId)) {
        invalid(`modelId "${String(modelId)}" is not allowed; allowed: ${allowed.join(", ")}`);
    }
    return { modelId, messages, system, inferenceConfig };
}

export interface ClientOptions {
    /** SigV4 with the assumed role (default), or short-term API keys made from it; defaults to BEDROCK_AUTH. */
    auth?: "sigv4" | "shortTermKey";
    /** SDK attempts per call (default 2). A pool of accounts uses 1: failing over beats backing off. */
    maxAttempts?: number;
}

/** One Bedrock Runtime client per target, credentials (and short-term keys) cached per container. */
export function clientFor(
    target: BedrockTarget,
    functionName = process.env.AWS_LAMBDA_FUNCTION_NAME,
    options: ClientOptions = {},
): BedrockRuntimeClient {
    const refresh = Number(process.env.BEDROCK_CREDENTIALS_REFRESH_SECONDS ?? 300);
    const credentials = assumedRoleProvider({
        roleArn: target.roleArn,
        externalId: target.externalId,
        sessionName: sessionNameFor(functionName),
        refreshBeforeSeconds: refresh,
    });
    if ((options.auth ?? process.env.BEDROCK_AUTH) === "shortTermKey")
        return shortTermKeyClient(target.region, credentials, refresh);
    return new BedrockRuntimeClient({ region: target.region, credentials, maxAttempts: options.maxAttempts ?? 2 });
}

/**
 * The pool of Bedrock targets and one client per member, made lazily and kept for the container. With several
 * members the SDK does not retry first: failing over beats backing off.
 */
export function pooledClients(targets: BedrockTarget[], env: NodeJS.ProcessEnv = process.env) {
    const pool = createPool(targets, { cooldownMs: Number(env.BEDROCK_COOLDOWN_SECONDS ?? 60) * 1000 });
    const clients = new Map<BedrockTarget, BedrockRuntimeClient>();
    const client = (t: BedrockTarget) => {
        let c = clients.get(t);
        if (!c) clients.set(t, (c = clientFor(t, undefined, { maxAttempts: targets.length > 1 ? 1 : 2 })));
        return c;
    };
    return { pool, client };
}

/** Builds the handler once per container: configuration is read and clients created at cold start. */
export function createInvokerHandler(
    env: NodeJS.ProcessEnv = process.env,
    metrics: MetricsRecorder = createMetricsRecorder("invoker"),
) {
    const targets = readTargets(env);
    const allowed = allowedModels(targets);
    const defaultModelId = env.DEFAULT_MODEL_ID || allowed[0];
    const tokens = readTokenBounds(env);
    const { pool, client } = pooledClients(targets, env);

    return async (event: InvokerEvent, context?: { invokedFunctionArn?: string }): Promise<InvokerResult> => {
        const started = Date.now();
        let req: ReturnType<typeof parseInvokerEvent>;
        try {
            req = parseInvokerEvent(event, allowed, defaultModelId, tokens);
        } catch (err) {
            recordInvoker(metrics, {
                modelId: defaultModelId,
                errorCode: (err as { code?: string }).code ?? "InvalidRequest",
                latencyMs: Date.now() - started,
            });
            throw err;
        }
        const account = callerAccountOf(context?.invokedFunctionArn, env);
        try {
            const {
                result: out,
                target,
                failovers,
            } = await pool.run(req.modelId, t =>
                client(t).send(
                    new ConverseCommand({
                        // The tenant's application inference profile for this model, and its enforced guardrail.
                        modelId: targetModelId(t, req.modelId),
                        guardrailConfig: guardrailConfig(t),
                        messages: req.messages,
                        system: req.system,
                        inferenceConfig: req.inferenceConfig,
                        // Who asks, for the Bedrock account's invocation logs (no prompt text).
                        requestMetadata: requestMetadata({ caller: "invoker", account, tenant: t.tenant }),
                    }),
                ),
            );
            recordInvoker(metrics, {
                modelId: req.modelId,
                servedBy: target,
                failovers,
                usage: out.usage,
                latencyMs: Date.now() - started,
            });
            const text = (out.output?.message?.content ?? []).map(b => b.text ?? "").join("");
            return {
                text,
                stopReason: out.stopReason ?? "unknown",
                usage: {
                    inputTokens: out.usage?.inputTokens ?? 0,
                    outputTokens: out.usage?.outputTokens ?? 0,
                    totalTokens: out.usage?.totalTokens ?? 0,
                    cacheReadInputTokens: out.usage?.cacheReadInputTokens,
                    cacheWriteInputTokens: out.usage?.cacheWriteInputTokens,
                },
                latencyMs: out.metrics?.latencyMs ?? Date.now() - started,
                modelId: req.modelId,
                servedBy: servedByOf(target),
                ...(out.stopReason === GUARDRAIL_INTERVENED ? { guardrailIntervened: true } : {}),
                ...(failovers.length ? { failovers } : {}),
            };
        } catch (err) {
            const mapped = toBridgeError(err, { modelId: req.modelId });
            const servedBy = (err as { servedBy?: { accountId: string; region: string } }).servedBy;
            recordInvoker(metrics, {
                modelId: req.modelId,
                servedBy,
                failovers: (err as { failovers?: Failover[] }).failovers,
                errorCode: mapped.code,
                latencyMs: Date.now() - started,
            });
            // Log the code and the SDK's error name only: never prompts, tokens or credentials.
            console.error(
                JSON.stringify({
                    level: "error",
                    code: mapped.code,
                    modelId: req.modelId,
                    region: servedBy?.region,
                    tenant: targets[0].tenant,
                }),
            );
            throw mapped;
        }
    };
}
