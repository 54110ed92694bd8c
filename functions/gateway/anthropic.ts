// Anthropic Messages API -> Bedrock InvokeModel / InvokeModelWithResponseStream with Bedrock's Anthropic body, and
// Bedrock's streamed chunks -> Anthropic's server-sent events, so Anthropic's SDK (and Claude Code through its
// gateway settings) work unchanged. Bedrock's body is Anthropic's Messages body without `model` and `stream`, plus
// `anthropic_version: "bedrock-2023-05-31"` (Bedrock user guide, "Anthropic Claude Messages API"); each streamed
// `chunk` carries one of Anthropic's stream events as JSON, the last (message_stop) with Bedrock's
// `amazon-bedrock-invocationMetrics`, which we take out. No Pulumi imports.
import { invalidRequest } from "./errors";
import { estimateTokens } from "./limiter";
import { sseEvent } from "./sse";

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/**
 * Fields that do not reach Bedrock: the model goes in the path, the stream mode in the operation; `metadata` (an
 * end-user id for Anthropic's abuse detection) and `service_tier` have no Bedrock counterpart and change no answer.
 * Every other field goes to Bedrock as it is. Bedrock's body follows Anthropic's Messages API and Bedrock refuses a
 * field it does not take with a ValidationException ("extraneous key [...] is not permitted"), which the client gets
 * as a 400 with that text: never silence, and a field Anthropic adds (Claude Code sends `context_management`, for
 * one) works through the gateway as soon as Bedrock takes it, without a gateway release.
 */
const DROPPED = ["model", "stream", "metadata", "service_tier"];

/** The body for Bedrock: the request's fields but the dropped ones, Bedrock's version, the merged beta flags. */
function bedrockBodyOf(raw: Record<string, unknown>, betaHeader: string | undefined, drop: string[]) {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (!drop.includes(k) && v !== undefined) body[k] = v;
    body.anthropic_version = BEDROCK_ANTHROPIC_VERSION;
    const betas = betaFlags(raw, betaHeader);
    if (betas) body.anthropic_beta = betas;
    else delete body.anthropic_beta;
    return body;
}

export interface ParsedMessagesRequest {
    model: string;
    stream: boolean;
    maxTokens: number;
    /** The body for InvokeModel*, as JSON-ready data. */
    bedrockBody: Record<string, unknown>;
    /** The prompt parts (messages, system, tools) as JSON: what the limiter estimates the input tokens of. */
    inputText: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * The beta flags of a request: the `anthropic-beta` header (comma-separated, what Anthropic's SDK and Claude Code send)
 * and the body's `anthropic_beta`, in Bedrock's place for them: the body (Bedrock user guide, "Anthropic Claude
 * Messages API": `anthropic_beta`). Claude Code's gateway requirements ask a gateway to forward this header.
 */
export function betaFlags(raw: Record<string, unknown>, header: string | undefined): string[] | undefined {
    const body = raw.anthropic_beta;
    if (body !== undefined && (!Array.isArray(body) || !body.every(b => typeof b === "string" && b)))
        throw invalidRequest("anthropic_beta: must be a list of beta names");
    const fromHeader = (header ?? "")
        .split(",")
        .map(b => b.trim())
        .filter(Boolean);
    const all = [...new Set([...((body as string[] | undefined) ?? []), ...fromHeader])];
    return all.length ? all : undefined;
}

export function parseMessagesRequest(
    raw: unknown,
    limits: { maxTokensLimit: number },
    betaHeader?: string,
): ParsedMessagesRequest {
    if (!isObj(raw)) throw invalidRequest("the body must be a JSON object");
    if (typeof raw.model !== "string" || !raw.model) throw invalidRequest("model: Field required");
    const mt = raw.max_tokens;
    if (typeof mt !== "number" || !Number.isInteger(mt) || mt < 1 || mt > limits.maxTokensLimit)
        throw invalidRequest(
            `max_tokens: a whole number from 1 to ${limits.maxTokensLimit} is required (this gateway's limit)`,
        );
    if (!Array.isArray(raw.messages) || !raw.messages.length)
        throw invalidRequest("messages: a non-empty list is required");
    raw.messages.forEach((m: unknown, i: number) => {
        if (!isObj(m) || (m.role !== "user" && m.role !== "assistant"))
            throw invalidRequest(`messages.${i}.role: must be "user" or "assistant"`);
        if (typeof m.content !== "string" && !Array.isArray(m.content))
            throw invalidRequest(`messages.${i}.content: must be a string or a list of content blocks`);
    });
    if (raw.stream !== undefined && typeof raw.stream !== "boolean") throw invalidRequest("stream: must be a boolean");
    const bedrockBody = bedrockBodyOf(raw, betaHeader, DROPPED);
    const inputText = JSON.stringify([raw.messages, raw.system ?? null, raw.tools ?? null]);
    return { model: raw.model, stream: raw.stream === true, maxTokens: mt, bedrockBody, inputText };
}

/**
 * POST /v1/messages/count_tokens -> Bedrock CountTokens with the InvokeModel body the same message would send (the
 * same fields pass, the same are dropped). That body needs `max_tokens`, which a count request has none of and which
 * is not input: 1, or just above a thinking budget (Bedrock requires max_tokens > thinking.budget_tokens).
 */
export function parseCountTokensRequest(
    raw: unknown,
    betaHeader?: string,
): { model: string; bedrockBody: Record<string, unknown> } {
    if (!isObj(raw)) throw invalidRequest("the body must be a JSON object");
    if (typeof raw.model !== "string" || !raw.model) throw invalidRequest("model: Field required");
    if (!Array.isArray(raw.messages) || !raw.messages.length)
        throw invalidRequest("messages: a non-empty list is required");
    const budget =
        isObj(raw.thinking) && typeof raw.thinking.budget_tokens === "number" ? raw.thinking.budget_tokens : 0;
    // Any max_tokens of the client's is replaced: it is not input and does not change the count.
    const bedrockBody = { ...bedrockBodyOf(raw, betaHeader, DROPPED), max_tokens: budget + 1 };
    return { model: raw.model, bedrockBody };
}

export interface AnthropicUsage {
    inputTokens: number;
    outputTokens: number;
}

/** Usage of a whole (non-streamed) answer, input counting cache reads and writes. */
export function messageUsage(msg: unknown): AnthropicUsage {
    const u = isObj(msg) && isObj(msg.usage) ? msg.usage : {};
    const n = (k: string) => (typeof u[k] === "number" ? u[k] : 0);
    return {
        inputTokens: n("input_tokens") + n("cache_read_input_tokens") + n("cache_creation_input_tokens"),
        outputTokens: n("output_tokens"),
    };
}

/** InvokeModel's answer as the Messages API returns it: the model named as the client named it. */
export function messageResponse(bedrockAnswer: unknown, model: string): Record<string, unknown> {
    if (!isObj(bedrockAnswer)) throw new Error("Bedrock returned no message");
    const { ["amazon-bedrock-invocationMetrics"]: _metrics, ...rest } = bedrockAnswer;
    void _metrics;
    return { ...rest, model };
}

/**
 * Bedrock's streamed chunks (each one Anthropic stream event as JSON) -> Anthropic's SSE text, collecting usage:
 * input tokens from message_start, output tokens from message_delta (cumulative), Bedrock's invocation metrics
 * from message_stop as a fallback.
 */
export function createEventTranslator(model: string) {
    const usage: AnthropicUsage = { inputTokens: 0, outputTokens: 0 };
    let stopReason: string | undefined;
    let stopped = false;
    // Output tokens estimated from the deltas read so far: Bedrock reports the output count only at the end, so a
    // stream that ends early is settled with this.
    let streamedOutput = 0;
    return {
        /** The SSE text for one chunk's JSON (empty for an event without a type). */
        chunk(json: string): string {
            const e = JSON.parse(json) as Record<string, unknown>;
            if (typeof e.type !== "string") return "";
            const { ["amazon-bedrock-invocationMetrics"]: metrics, ...event } = e;
            if (event.type === "message_start" && isObj(event.message)) {
                usage.inputTokens = messageUsage(event.message).inputTokens;
                usage.outputTokens = messageUsage(event.message).outputTokens;
                event.message = { ...event.message, model };
            }
            if (event.type === "content_block_delta" && isObj(event.delta)) {
                const d = event.delta;
                for (const k of ["text", "partial_json", "thinking"])
                    if (typeof d[k] === "string") streamedOutput += estimateTokens(d[k]);
            }
            if (event.type === "message_stop") stopped = true;
            if (event.type === "message_delta") {
                if (isObj(event.usage) && typeof event.usage.output_tokens === "number")
                    usage.outputTokens = event.usage.output_tokens;
                if (isObj(event.delta) && typeof event.delta.stop_reason === "string")
                    stopReason = event.delta.stop_reason;
            }
            if (event.type === "message_stop" && isObj(metrics)) {
                if (!usage.inputTokens && typeof metrics.inputTokenCount === "number")
                    usage.inputTokens = metrics.inputTokenCount;
                if (!usage.outputTokens && typeof metrics.outputTokenCount === "number")
                    usage.outputTokens = metrics.outputTokenCount;
            }
            return sseEvent(event.type as string, event);
        },
        usage,
        get stopReason() {
            return stopReason;
        },
        /** True once message_stop came: the answer is whole and `usage` is Bedrock's count. */
        get complete() {
            return stopped;
        },
        /** Output tokens so far: Bedrock's count when it gave one, else the estimate of the deltas read. */
        get outputSoFar() {
            return Math.max(usage.outputTokens, streamedOutput);
        },
    };
}
