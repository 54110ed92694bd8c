// Streaming chat relay Lambda: ConverseStream in the Bedrock account through its role, deltas relayed to the
// user's AppSync Events channel. The handler composes named steps: begin, reject, streamAnswer, finish.
// No Pulumi imports: this file runs inside Lambda.
import { ConverseStreamCommand, type Message, type SystemContentBlock } from "@aws-sdk/client-bedrock-runtime";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { createAppSyncSender } from "./appsyncPublisher";
import { toBridgeError, type BridgeErrorCode } from "../errors";
import { pooledClients } from "../invoker";
import { maxTokensProblem } from "../bedrock/limits";
import { createMetricsRecorder, type MetricsRecorder } from "../metrics";
import { watchPublishes } from "./publishWatch";
import { createRelay, type Usage } from "./relay";
import { callerAccountOf, requestMetadata } from "../bedrock/requestMetadata";
import { recordRelay } from "../metrics/requestMetrics";
import { readTargets } from "../bedrock/targets";
import { guardrailStreamConfig, targetModelId } from "../bedrock/tenantRoute";

/** What the API Gateway mapping template hands over: the validated body, the verified sub, the request id. */
export interface ChatEvent {
    body?: { prompt?: unknown; sessionid?: unknown; history?: unknown };
    sub?: unknown;
    requestId?: unknown;
}

export interface ChatLimits {
    minPromptChars: number;
    maxPromptChars: number;
    maxPriorTurns: number;
    maxTurnChars: number;
    maxTokens: number;
}

export interface ChatResult {
    requestId: string;
    outcome: "done" | "error" | "publishFailed" | "rejected";
    code?: string;
    events?: number;
    publishRequests?: number;
}

/**
 * Every channel segment the relay builds (sub, session id) follows the one rule AWS documents for AppSync Events
 * names, the namespace rule: letters, digits and hyphens, 1..50 characters (Cognito subs and UUIDs fit). Anything
 * with "/" or "*" would change the channel, so nothing else is accepted.
 */
export const CHANNEL_SEGMENT = /^[A-Za-z0-9-]{1,50}$/;
export const SESSION_ID = CHANNEL_SEGMENT;
export const SUB = CHANNEL_SEGMENT;

/** Messages for the person in the chat window: no ARNs, regions or account ids (those go to the log). */
const USER_MESSAGES: Partial<Record<BridgeErrorCode | "Timeout" | "DeliveryFailed", string>> = {
    Throttled: "The model is busy right now. Please try again in a moment.",
    AllThrottled: "The model is busy right now. Please try again in a moment.",
    QuotaExceeded: "The model is busy right now. Please try again in a moment.",
    ModelNotEnabled: "The model is not available to this service (model access denied).",
    AccessDenied: "The model is not available to this service (model access denied).",
    AssumeRoleDenied: "The model is not available to this service (model access denied).",
    ModelNotFound: "The model is not available to this service.",
    InputTooLong: "The conversation is too long for the model. Shorten the prompt or start a new session.",
    ValidationError: "The model could not process this request.",
    ServiceUnavailable: "The model is temporarily unavailable. Please try again shortly.",
    InvalidRequest: "The request is not valid.",
    Timeout: "The answer took too long and was cut off.",
    DeliveryFailed: "The answer could not be delivered. Please try again.",
};

/** Time kept back from the function's timeout: the model stream is cut this long before it, so the last text
 * and the terminal event can still be published (retries included) and the handler can log and return. */
const TERMINAL_RESERVE_MS = 5000;
/** Of that, kept for logging and returning: every publish has ended this long before the timeout. */
const RETURN_MARGIN_MS = 1000;
/** Publishing down this long (no event accepted) ends the request: bedrock-bridge:chat.publishOutageSeconds. */
const DEFAULT_OUTAGE_SECONDS = 20;
/** Time assumed when the runtime gives none (in-process use, the benchmark). */
const DEFAULT_REMAINING_MS = 60_000;

export function userMessage(code: string): string {
    return (
        USER_MESSAGES[code as keyof typeof USER_MESSAGES] ??
        "Something went wrong while generating the answer. Please try again."
    );
}

export function readLimits(env: NodeJS.ProcessEnv): ChatLimits {
    const raw = (env.CHAT_LIMITS ? JSON.parse(env.CHAT_LIMITS) : {}) as Partial<ChatLimits>;
    const limits: ChatLimits = {
        minPromptChars: 1,
        maxPromptChars: 8000,
        maxPriorTurns: 10,
        maxTurnChars: 8000,
        maxTokens: 4096,
        ...raw,
    };
    // Every ConverseStream carries this maxTokens: Bedrock reserves it against the token quota up front.
    const problem = maxTokensProblem(limits.maxTokens);
    if (problem)
        throw new Error(
            `CHAT_LIMITS.maxTokens ${problem} (bedrock-bridge:chat.maxTokens), got ${JSON.stringify(limits.maxTokens)}`,
        );
    return limits;
}

/** Defence in depth: the gateway validated the body already; this is the contract the relay relies on. */
/** A request that passed the checks. */
export interface ParsedChat {
    prompt: string;
    sessionid: string;
    sub: string;
    history: Message[];
}

/** What the relay reads of Lambda's context. */
export interface HandlerContext {
    awsRequestId?: string;
    invokedFunctionArn?: string;
    getRemainingTimeInMillis?: () => number;
}

export function parseChatEvent(
    event: ChatEvent,
    limits: ChatLimits,
): ParsedChat | { problem: string; channelSafe: boolean } {
    const sub = event?.sub;
    const sessionid = event?.body?.sessionid;
    if (typeof sub !== "string" || !SUB.test(sub))
        return { problem: "sub is missing or malformed", channelSafe: false };
    if (typeof sessionid !== "string" || !SESSION_ID.test(sessionid))
        return { problem: "sessionid is missing or malformed", channelSafe: false };
    const prompt = event.body?.prompt;
    if (
        typeof prompt !== "string" ||
        !prompt.trim() ||
        prompt.length < limits.minPromptChars ||
        prompt.length > limits.maxPromptChars
    ) {
        return {
            problem: `prompt must be ${limits.minPromptChars}..${limits.maxPromptChars} characters`,
            channelSafe: true,
        };
    }
    const h = event.body?.history ?? [];
    if (!Array.isArray(h) || h.length > limits.maxPriorTurns * 2)
        return { problem: `history may hold at most ${limits.maxPriorTurns} prior turns`, channelSafe: true };
    const history: Message[] = [];
    for (const [i, m] of (h as ({ role?: unknown; content?: unknown } | null)[]).entries()) {
        const role = i % 2 === 0 ? "user" : "assistant";
        if (
            !m ||
            m.role !== role ||
            typeof m.content !== "string" ||
            !m.content.trim() ||
            m.content.length > limits.maxTurnChars
        ) {
            return {
                problem: `history[${i}] must be {role:"${role}", content: 1..${limits.maxTurnChars} characters}`,
                channelSafe: true,
            };
        }
        history.push({ role, content: [{ text: m.content }] });
    }
    if (history.length % 2 !== 0) return { problem: "history must end with an assistant turn", channelSafe: true };
    return { prompt, sessionid, sub, history };
}

function log(level: "info" | "error", fields: Record<string, unknown>): void {
    // Codes, counts and ids only: never the prompt, the answer or credentials.
    (level === "error" ? console.error : console.log)(JSON.stringify({ level, ...fields }));
}

const MODELED_EXCEPTIONS = [
    "internalServerException",
    "modelStreamErrorException",
    "validationException",
    "throttlingException",
    "serviceUnavailableException",
];

export interface HandlerDeps {
    /** One publish attempt (channel, events, timeoutMs): resolves with {failed: indices} or rejects (retryable?). */
    publish?: (channel: string, events: string[], timeoutMs: number) => Promise<unknown>;
    /** Where the request's metrics go (default: EMF records on stdout through Powertools). */
    metrics?: MetricsRecorder;
}

/** Builds the handler once per container: configuration read, clients and the keep-alive publisher created once. */
export function createStreamingChatHandler(env: NodeJS.ProcessEnv = process.env, deps: HandlerDeps = {}) {
    const targets = readTargets(env);
    const modelId = env.CHAT_MODEL_ID || targets[0].models[0];
    if (!targets.some(t => t.models.includes(modelId)))
        throw new Error(`CHAT_MODEL_ID ${modelId} is not allowed by any Bedrock target`);
    const namespace = env.CHAT_NAMESPACE || "bedrock-stream-response";
    const limits = readLimits(env);
    const tenant = targets[0].tenant;
    const system: SystemContentBlock[] | undefined = env.CHAT_SYSTEM_PROMPT
        ? [{ text: env.CHAT_SYSTEM_PROMPT }]
        : undefined;
    const num = (v: string | undefined) => (v ? Number(v) : undefined);
    const relayTuning = {
        windowMs: Number(env.CHAT_COALESCE_MS ?? 200),
        maxBytes: num(env.CHAT_COALESCE_BYTES),
        requestTimeoutMs: num(env.CHAT_PUBLISH_TIMEOUT_MS),
        // Optional: a count on top of the time budget (unset: retry transient failures while time allows).
        maxAttempts: num(env.CHAT_PUBLISH_ATTEMPTS),
        // bedrock-bridge:chat.publishOutageSeconds: no accepted publish for this long ends the request (model cancelled).
        outageMs: (num(env.CHAT_PUBLISH_OUTAGE_SECONDS) ?? DEFAULT_OUTAGE_SECONDS) * 1000,
        outageEvent: { code: "DeliveryFailed", message: userMessage("DeliveryFailed") },
    };
    // Throttled at the start, the next account of the pool takes over; once text flows there is no switching.
    const { pool, client } = pooledClients(targets, env);
    const endpoint = env.APPSYNC_HTTP_ENDPOINT;
    if (!deps.publish && !endpoint) throw new Error("APPSYNC_HTTP_ENDPOINT is not set");
    // Publishing uses the function's own role (appsync:EventPublish on its namespace), not the Bedrock role.
    const publish =
        deps.publish ??
        createAppSyncSender({
            endpoint: endpoint!,
            region: env.APPSYNC_REGION || env.AWS_REGION || targets[0].region,
            credentials: defaultProvider(),
        });

    // Metrics as EMF records on stdout (functions/metrics.ts): one set per request, written before the handler returns.
    const metrics = deps.metrics ?? createMetricsRecorder("relay");

    type Relay = ReturnType<typeof createRelay>;
    /** One request's time budget, cancellation and publishing (the relay for a channel, and how long to wait on it). */
    interface Request {
        requestId: string;
        started: number;
        remaining: number;
        ac: AbortController;
        watch: ReturnType<typeof watchPublishes>;
        relayTo(channel: string): Relay;
        settled(relay: Relay): Promise<Awaited<Relay["finished"]>>;
    }
    /** What the model stream left for the log and the metrics. */
    interface StreamFacts {
        stopReason?: string;
        usage: Usage | null;
        servedBy?: { accountId: string };
        failovers?: { accountId: string; error: string }[];
        errorCode?: string;
        /** Cleared once publishing has settled: until then it may still cut a stream that runs into the reserve. */
        deadline: NodeJS.Timeout;
    }

    function begin(event: ChatEvent, context: HandlerContext | undefined): Request {
        const requestId =
            typeof event?.requestId === "string" && event.requestId
                ? event.requestId.slice(0, 128)
                : (context?.awsRequestId ?? "unknown");
        const started = Date.now();
        const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
        // Every publish, retries included, ends by endBy; the model stream is cut TERMINAL_RESERVE_MS before the timeout.
        const endBy = started + remaining - RETURN_MARGIN_MS;
        const ac = new AbortController();
        const watch = watchPublishes(started);
        const relayTo = (ch: string) =>
            createRelay({
                requestId,
                ...relayTuning,
                endBy,
                terminalReserveMs: TERMINAL_RESERVE_MS - RETURN_MARGIN_MS,
                publish: (events, timeoutMs) => watch.send(events, () => publish(ch, events, timeoutMs)),
                onFailure: () => ac.abort(),
            });
        /** Whatever AppSync does, the relay is given up shortly after endBy, so the handler logs and returns. */
        const settled = async (relay: Relay) => {
            const guard = setTimeout(
                () => relay.abandon(new Error("publishing did not end by the function's deadline")),
                Math.max(0, endBy - Date.now() + 200),
            );
            try {
                return await relay.finished;
            } finally {
                clearTimeout(guard);
            }
        };
        return { requestId, started, remaining, ac, watch, relayTo, settled };
    }

    /** A bad request: its error goes to the asker's channel when the channel itself is sound, else only to the log. */
    async function reject(req: Request, event: ChatEvent, problem: string, channelSafe: boolean): Promise<ChatResult> {
        const { requestId, watch } = req;
        log("error", { msg: "rejected request", requestId, problem });
        if (!channelSafe) {
            recordRelay(metrics, {
                modelId,
                errorCode: "InvalidRequest",
                outcome: "rejected",
                publishRequests: 0,
                publishRetries: 0,
                eventsResent: 0,
            });
            return { requestId, outcome: "rejected", code: "InvalidRequest" };
        }
        const ch = `/${namespace}/${event.sub as string}/${event.body!.sessionid as string}`;
        const r = req.relayTo(ch);
        void r.error("InvalidRequest", `${userMessage("InvalidRequest")} (${problem})`); // settled() awaits it
        const s = await req.settled(r);
        if (!s.ok)
            log("error", {
                msg: "relay finished",
                requestId,
                outcome: "publishFailed",
                code: "InvalidRequest",
                publishError: (s.error as Error)?.message,
            });
        recordRelay(metrics, {
            modelId,
            errorCode: "InvalidRequest",
            outcome: s.ok ? "error" : "publishFailed",
            publishRequests: s.batches,
            publishRetries: s.retries,
            ...watch.facts(),
        });
        return {
            requestId,
            outcome: s.ok ? "error" : "publishFailed",
            code: "InvalidRequest",
            events: s.events,
            publishRequests: s.batches,
        };
    }

    /** ConverseStream into the relay until the model stops, fails, or the deadline's reserve begins. */
    async function streamAnswer(
        req: Request,
        relay: Relay,
        parsed: ParsedChat,
        context: HandlerContext | undefined,
    ): Promise<StreamFacts> {
        const { requestId, ac, watch } = req;
        const account = callerAccountOf(context?.invokedFunctionArn, env);
        // Stop reading before Lambda kills the function, so the subscriber still gets its terminal event.
        let timedOut = false;
        const deadline = setTimeout(
            () => {
                timedOut = true;
                ac.abort();
            },
            Math.max(0, req.remaining - TERMINAL_RESERVE_MS),
        );
        const facts: StreamFacts = { usage: null, deadline };
        // The abort signal reaches Bedrock's HTTP request, not an AssumeRole still in flight: race it too.
        const untilAborted = new Promise<never>((_, reject) =>
            ac.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }),
        );
        untilAborted.catch(() => undefined);
        try {
            const starting = pool.run(modelId, t =>
                client(t).send(
                    new ConverseStreamCommand({
                        // The tenant's application inference profile and guardrail; an intervention ends as done + its stopReason.
                        modelId: targetModelId(t, modelId),
                        guardrailConfig: guardrailStreamConfig(t),
                        messages: [...parsed.history, { role: "user", content: [{ text: parsed.prompt }] }],
                        system,
                        inferenceConfig: { maxTokens: limits.maxTokens },
                        // Who asks, for the Bedrock account's invocation logs (no prompt text): function, account, tenant, user.
                        requestMetadata: requestMetadata({
                            caller: "relay",
                            account,
                            tenant: t.tenant,
                            user: parsed.sub,
                        }),
                    }),
                    { abortSignal: ac.signal },
                ),
            );
            starting.catch(() => undefined); // its outcome after an abort does not matter
            const { result: out, target, failovers: skipped } = await Promise.race([starting, untilAborted]);
            facts.servedBy = target;
            facts.failovers = skipped;
            for await (const ev of out.stream ?? []) {
                if (relay.failed) break;
                const text = ev.contentBlockDelta?.delta?.text;
                if (text) {
                    watch.token();
                    relay.delta(text);
                } else if (ev.messageStop) {
                    facts.stopReason = ev.messageStop.stopReason ?? "end_turn";
                    relay.hold();
                } else if (ev.metadata) {
                    facts.usage = { ...(ev.metadata.usage ?? {}) };
                    if (facts.stopReason) break;
                } else {
                    const key = MODELED_EXCEPTIONS.find(k => (ev as unknown as Record<string, unknown>)[k]);
                    if (key)
                        throw Object.assign(
                            new Error(
                                String((ev as unknown as Record<string, { message?: string }>)[key]?.message ?? key),
                            ),
                            {
                                name: key[0].toUpperCase() + key.slice(1),
                            },
                        );
                }
            }
            // An abort may end the stream quietly instead of throwing.
            if (timedOut) throw new Error("deadline");
            if (!relay.failed) {
                // The terminal event's outcome is awaited once, through settled(relay) in finish().
                if (facts.stopReason) void relay.done(facts.stopReason, facts.usage);
                else {
                    facts.errorCode = "InternalError";
                    void relay.error("InternalError", userMessage("InternalError"));
                }
            }
        } catch (err) {
            facts.failovers ??= (err as { failovers?: StreamFacts["failovers"] }).failovers;
            facts.servedBy ??= (err as { servedBy?: StreamFacts["servedBy"] }).servedBy;
            if (timedOut && !relay.failed) {
                log("error", { msg: "model stream cut at the function's deadline", requestId, modelId });
                facts.errorCode = "Timeout";
                void relay.error("Timeout", userMessage("Timeout"));
            } else if (!relay.failed) {
                const mapped = toBridgeError(err, { modelId });
                facts.errorCode = mapped.code;
                log("error", {
                    msg: "model stream failed",
                    requestId,
                    code: mapped.code,
                    sdkError: (err as Error)?.name,
                    modelId,
                });
                void relay.error(mapped.code, userMessage(mapped.code));
            }
        }
        return facts;
    }

    /** Waits for publishing to settle, then logs the outcome (no text) and records the request's metrics. */
    async function finish(req: Request, relay: Relay, facts: StreamFacts): Promise<ChatResult> {
        const { requestId, watch } = req;
        const s = await req.settled(relay);
        clearTimeout(facts.deadline);
        // A failed publish aborts the model stream; the stream may still be draining, which is fine: nothing more is sent.
        const outcome: ChatResult["outcome"] = !s.ok ? "publishFailed" : s.terminal === "done" ? "done" : "error";
        const fields = {
            msg: "relay finished",
            requestId,
            outcome,
            modelId,
            ...(tenant ? { tenant } : {}),
            ...(facts.stopReason ? { stopReason: facts.stopReason } : {}),
            deltas: s.deltas,
            events: s.events,
            publishRequests: s.batches,
            publishRetries: s.retries,
            ms: Date.now() - req.started,
        };
        // An outage: the model stream was cancelled, and the terminal error event tried once more (lastTry).
        if (!s.ok)
            log("error", {
                ...fields,
                publishError: (s.error as Error)?.message,
                ...(s.outage ? { publishOutage: true, lastTry: s.outage.lastTry } : {}),
            });
        else log("info", fields);
        recordRelay(metrics, {
            modelId,
            servedBy: facts.servedBy,
            failovers: facts.failovers,
            errorCode: facts.errorCode,
            usage: facts.usage,
            outcome,
            publishRequests: s.batches,
            publishRetries: s.retries,
            ...watch.facts(),
        });
        return { requestId, outcome, events: s.events, publishRequests: s.batches };
    }

    // The handler: check the request, stream the answer into the asker's channel, settle, log and count.
    return async (event: ChatEvent, context?: HandlerContext): Promise<ChatResult> => {
        const parsed = parseChatEvent(event, limits);
        const req = begin(event, context);
        if ("problem" in parsed) return reject(req, event, parsed.problem, parsed.channelSafe);
        const relay = req.relayTo(`/${namespace}/${parsed.sub}/${parsed.sessionid}`);
        const facts = await streamAnswer(req, relay, parsed, context);
        return finish(req, relay, facts);
    };
}
