// OpenAI Chat Completions <-> Bedrock Converse / ConverseStream, both directions, as pure functions.
// Request: messages (system/developer, user with text and base64 images, assistant with tool_calls, tool results),
// tools and tool_choice, max_tokens / max_completion_tokens, temperature, top_p, stop, stream, stream_options.
// Fields Bedrock cannot honour (n > 1, logprobs, penalties, seed, JSON modes, audio) are a 400, never ignored.
// No Pulumi imports.
import type {
    ContentBlock,
    ConverseOutput,
    ConverseStreamOutput,
    ImageFormat,
    InferenceConfiguration,
    Message,
    SystemContentBlock,
    Tool,
    ToolChoice,
    ToolConfiguration,
    TokenUsage,
} from "@aws-sdk/client-bedrock-runtime";
import { invalidRequest } from "./errors";
import { estimateTokens } from "./limiter";

/** Converse input without the model and the per-target parts (profile, guardrail, metadata). */
export interface ConverseRequest {
    messages: Message[];
    system?: SystemContentBlock[];
    inferenceConfig: InferenceConfiguration & { maxTokens: number };
    toolConfig?: ToolConfiguration;
}

export interface ParsedChatRequest {
    /** The model name as the client wrote it (an id or an alias). */
    model: string;
    stream: boolean;
    includeUsage: boolean;
    converse: ConverseRequest;
}

export interface ChatLimits {
    /** maxTokens when the request gives none. */
    defaultMaxTokens: number;
    /** The largest max_tokens a request may ask for. */
    maxTokensLimit: number;
}

/** Fields Bedrock cannot honour: a clear 400 naming the field (`ok` tells which values are harmless). */
const UNSUPPORTED: Record<string, { ok: (v: unknown) => boolean; why: string }> = {
    n: {
        ok: v => v === 1,
        why: "Bedrock returns one choice per request; send n = 1 (or omit it) and make several requests",
    },
    logprobs: { ok: v => v === false, why: "Bedrock does not return log probabilities" },
    top_logprobs: { ok: () => false, why: "Bedrock does not return log probabilities" },
    logit_bias: { ok: v => !!v && typeof v === "object" && !Object.keys(v).length, why: "Bedrock has no logit bias" },
    presence_penalty: { ok: v => v === 0, why: "Bedrock Converse has no presence penalty" },
    frequency_penalty: { ok: v => v === 0, why: "Bedrock Converse has no frequency penalty" },
    seed: { ok: () => false, why: "Bedrock Converse takes no seed" },
    audio: { ok: () => false, why: "the gateway serves text (and images in), not audio" },
    modalities: {
        ok: v => Array.isArray(v) && v.every(m => m === "text"),
        why: "the gateway answers with text only",
    },
    prediction: { ok: () => false, why: "Bedrock has no predicted outputs" },
    web_search_options: { ok: () => false, why: "Bedrock Converse has no web search" },
    functions: { ok: () => false, why: "use `tools` instead of the deprecated `functions`" },
    function_call: { ok: () => false, why: "use `tool_choice` instead of the deprecated `function_call`" },
    response_format: {
        ok: v => !!v && (v as { type?: string }).type === "text",
        why: "JSON modes are not supported through Converse; describe the format in the prompt or use a tool",
    },
    // Converse has no field for either: its toolChoice has no parallel switch, and its reasoning settings are
    // model-specific additionalModelRequestFields (Anthropic's `thinking`) whose thinking blocks an OpenAI client
    // does not send back, which Bedrock requires on the next tool-use turn. Anthropic's own Messages API takes both
    // (`tool_choice.disable_parallel_tool_use`, `thinking`) and this gateway passes them to Bedrock as they are.
    parallel_tool_calls: {
        ok: v => v === true,
        why: "Bedrock Converse cannot turn parallel tool calls off; for Anthropic models use POST /v1/messages with tool_choice.disable_parallel_tool_use",
    },
    reasoning_effort: {
        ok: v => v === "none",
        why: "Bedrock Converse takes no reasoning effort; for Anthropic models use POST /v1/messages with thinking.budget_tokens",
    },
};

const MAX_STOP = 4;
const IMAGE_FORMATS: ImageFormat[] = ["png", "jpeg", "gif", "webp"];

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function textOf(content: unknown, where: string): string {
    if (typeof content === "string") return content;
    if (Array.isArray(content))
        return content
            .map((p, i) => {
                if (!isObj(p) || p.type !== "text" || typeof p.text !== "string")
                    throw invalidRequest(`${where}[${i}] must be {type: "text", text}`, where);
                return p.text;
            })
            .join("");
    throw invalidRequest(`${where} must be a string or a list of text parts`, where);
}

function imageBlock(part: Record<string, unknown>, where: string): ContentBlock {
    const url = isObj(part.image_url) ? part.image_url.url : undefined;
    const m = typeof url === "string" ? /^data:image\/(png|jpeg|jpg|gif|webp);base64,(.+)$/s.exec(url) : null;
    if (!m)
        throw invalidRequest(
            `${where}.image_url.url must be a data URL (data:image/png|jpeg|gif|webp;base64,...): Converse takes image bytes, not links`,
            where,
        );
    const format = (m[1] === "jpg" ? "jpeg" : m[1]) as ImageFormat;
    if (!IMAGE_FORMATS.includes(format)) throw invalidRequest(`${where}: unsupported image format`, where);
    return { image: { format, source: { bytes: Buffer.from(m[2], "base64") } } };
}

function userContent(content: unknown, where: string): ContentBlock[] {
    if (typeof content === "string") {
        if (!content) throw invalidRequest(`${where} is empty`, where);
        return [{ text: content }];
    }
    if (!Array.isArray(content) || !content.length)
        throw invalidRequest(`${where} must be a string or a non-empty list of parts`, where);
    return content.map((p, i): ContentBlock => {
        const at = `${where}[${i}]`;
        if (isObj(p) && p.type === "text" && typeof p.text === "string") return { text: p.text };
        if (isObj(p) && p.type === "image_url") return imageBlock(p, at);
        throw invalidRequest(`${at} must be a text or image_url part (files and audio are not supported)`, at);
    });
}

function parseArguments(args: unknown, where: string): Record<string, unknown> {
    if (typeof args !== "string") throw invalidRequest(`${where}.function.arguments must be a JSON string`, where);
    try {
        const v: unknown = args.trim() ? JSON.parse(args) : {};
        if (isObj(v)) return v;
    } catch {
        /* answered below */
    }
    throw invalidRequest(`${where}.function.arguments must be a JSON object`, where);
}

/** Appends content to the conversation, merging turns of one role (Converse requires alternating roles). */
function push(messages: Message[], role: "user" | "assistant", content: ContentBlock[]): void {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content = [...(last.content ?? []), ...content];
    else messages.push({ role, content });
}

function num(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
        throw invalidRequest(`${key} must be a number from ${min} to ${max} (Bedrock's range)`, key);
    return v;
}

function tools(body: Record<string, unknown>): ToolConfiguration | undefined {
    const list = body.tools;
    const choice = body.tool_choice;
    if (list === undefined || list === null) {
        if (choice !== undefined && choice !== null && choice !== "none" && choice !== "auto")
            throw invalidRequest("tool_choice needs tools", "tool_choice");
        return undefined;
    }
    if (!Array.isArray(list) || !list.length) throw invalidRequest("tools must be a non-empty list", "tools");
    const converted = list.map((t, i): Tool => {
        const f = isObj(t) && t.type === "function" && isObj(t.function) ? t.function : undefined;
        if (!f || typeof f.name !== "string" || !f.name)
            throw invalidRequest(`tools[${i}] must be {type: "function", function: {name, parameters}}`, "tools");
        const parameters = isObj(f.parameters) ? f.parameters : { type: "object", properties: {} };
        return {
            toolSpec: {
                name: f.name,
                ...(typeof f.description === "string" && f.description ? { description: f.description } : {}),
                inputSchema: { json: parameters as never },
            },
        };
    });
    let toolChoice: ToolChoice | undefined;
    if (choice === undefined || choice === null || choice === "auto") toolChoice = undefined;
    else if (choice === "required") toolChoice = { any: {} };
    else if (choice === "none")
        throw invalidRequest(
            'tool_choice "none" is not supported by Bedrock Converse: leave out tools for a turn without tool calls',
            "tool_choice",
        );
    else if (
        isObj(choice) &&
        choice.type === "function" &&
        isObj(choice.function) &&
        typeof choice.function.name === "string"
    )
        toolChoice = { tool: { name: choice.function.name } };
    else
        throw invalidRequest(
            'tool_choice must be "auto", "required" or {type: "function", function: {name}}',
            "tool_choice",
        );
    return { tools: converted, ...(toolChoice ? { toolChoice } : {}) };
}

/** Validates a Chat Completions body and turns it into Converse input. Throws a 400 GatewayError. */
export function parseChatRequest(raw: unknown, limits: ChatLimits): ParsedChatRequest {
    if (!isObj(raw)) throw invalidRequest("the body must be a JSON object");
    const body = raw;
    if (typeof body.model !== "string" || !body.model) throw invalidRequest("model is required", "model");
    for (const [k, rule] of Object.entries(UNSUPPORTED))
        if (body[k] !== undefined && body[k] !== null && !rule.ok(body[k]))
            throw invalidRequest(`${k} is not supported: ${rule.why}`, k);
    if (!Array.isArray(body.messages) || !body.messages.length)
        throw invalidRequest("messages must be a non-empty list", "messages");

    const system: SystemContentBlock[] = [];
    const messages: Message[] = [];
    body.messages.forEach((m: unknown, i: number) => {
        const at = `messages[${i}]`;
        if (!isObj(m)) throw invalidRequest(`${at} must be an object`, "messages");
        switch (m.role) {
            case "system":
            case "developer": {
                const text = textOf(m.content, `${at}.content`);
                if (text) system.push({ text });
                break;
            }
            case "user":
                push(messages, "user", userContent(m.content, `${at}.content`));
                break;
            case "assistant": {
                const content: ContentBlock[] = [];
                if (m.content !== undefined && m.content !== null) {
                    const text = textOf(m.content, `${at}.content`);
                    if (text) content.push({ text });
                }
                if (m.tool_calls !== undefined && m.tool_calls !== null) {
                    if (!Array.isArray(m.tool_calls))
                        throw invalidRequest(`${at}.tool_calls must be a list`, "messages");
                    m.tool_calls.forEach((c: unknown, j: number) => {
                        const w = `${at}.tool_calls[${j}]`;
                        if (
                            !isObj(c) ||
                            typeof c.id !== "string" ||
                            !isObj(c.function) ||
                            typeof c.function.name !== "string"
                        )
                            throw invalidRequest(
                                `${w} must be {id, type: "function", function: {name, arguments}}`,
                                "messages",
                            );
                        content.push({
                            toolUse: {
                                toolUseId: c.id,
                                name: c.function.name,
                                input: parseArguments(c.function.arguments, w) as never,
                            },
                        });
                    });
                }
                if (!content.length) throw invalidRequest(`${at} has neither content nor tool_calls`, "messages");
                push(messages, "assistant", content);
                break;
            }
            case "tool": {
                if (typeof m.tool_call_id !== "string" || !m.tool_call_id)
                    throw invalidRequest(`${at}.tool_call_id is required`, "messages");
                const text = textOf(m.content ?? "", `${at}.content`);
                push(messages, "user", [
                    { toolResult: { toolUseId: m.tool_call_id, content: [{ text: text || "(empty)" }] } },
                ]);
                break;
            }
            default:
                throw invalidRequest(`${at}.role must be system, developer, user, assistant or tool`, "messages");
        }
    });
    if (!messages.length) throw invalidRequest("messages needs at least one user message", "messages");
    if (messages[0].role !== "user")
        throw invalidRequest("the first non-system message must come from the user", "messages");

    const asked = body.max_completion_tokens ?? body.max_tokens;
    if (
        asked !== undefined &&
        asked !== null &&
        (typeof asked !== "number" || !Number.isInteger(asked) || asked < 1 || asked > limits.maxTokensLimit)
    )
        throw invalidRequest(
            `max_tokens must be a whole number from 1 to ${limits.maxTokensLimit} (this gateway's limit)`,
            body.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens",
        );
    const inferenceConfig: ConverseRequest["inferenceConfig"] = {
        maxTokens: typeof asked === "number" ? asked : limits.defaultMaxTokens,
    };
    const temperature = num(body, "temperature", 0, 1);
    if (temperature !== undefined) inferenceConfig.temperature = temperature;
    const topP = num(body, "top_p", 0, 1);
    if (topP !== undefined) inferenceConfig.topP = topP;
    if (body.stop !== undefined && body.stop !== null) {
        const stop = typeof body.stop === "string" ? [body.stop] : body.stop;
        if (!Array.isArray(stop) || stop.length > MAX_STOP || stop.some(s => typeof s !== "string" || !s))
            throw invalidRequest(`stop must be a string or at most ${MAX_STOP} non-empty strings`, "stop");
        inferenceConfig.stopSequences = stop as string[];
    }
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
        throw invalidRequest("stream must be true or false", "stream");
    const so = body.stream_options;
    const toolConfig = tools(body);
    return {
        model: body.model,
        stream: body.stream === true,
        includeUsage: isObj(so) && so.include_usage === true,
        converse: {
            messages,
            ...(system.length ? { system } : {}),
            inferenceConfig,
            ...(toolConfig ? { toolConfig } : {}),
        },
    };
}

/** Converse's stopReason as OpenAI's finish_reason. */
export function finishReason(stopReason: string | undefined): "stop" | "length" | "tool_calls" | "content_filter" {
    switch (stopReason) {
        case "max_tokens":
        case "model_context_window_exceeded":
            return "length";
        case "tool_use":
            return "tool_calls";
        case "guardrail_intervened":
        case "content_filtered":
            return "content_filter";
        default:
            return "stop";
    }
}

export interface OpenAiUsage {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details?: { cached_tokens: number };
}

export function openAiUsage(u: TokenUsage | undefined): OpenAiUsage {
    const prompt = (u?.inputTokens ?? 0) + (u?.cacheReadInputTokens ?? 0) + (u?.cacheWriteInputTokens ?? 0);
    const completion = u?.outputTokens ?? 0;
    return {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        ...(u?.cacheReadInputTokens ? { prompt_tokens_details: { cached_tokens: u.cacheReadInputTokens } } : {}),
    };
}

export interface ToolCall {
    id: string;
    type: "function";
    function: { name: string; arguments: string };
}

/** A Converse answer as a chat.completion object. */
export function chatCompletion(
    out: { output?: ConverseOutput; stopReason?: string; usage?: TokenUsage },
    model: string,
    id: string,
    created: number,
) {
    const blocks = out.output?.message?.content ?? [];
    const text = blocks.map(b => b.text ?? "").join("");
    const toolCalls: ToolCall[] = blocks
        .filter(b => b.toolUse)
        .map(b => ({
            id: b.toolUse!.toolUseId ?? "",
            type: "function",
            function: { name: b.toolUse!.name ?? "", arguments: JSON.stringify(b.toolUse!.input ?? {}) },
        }));
    return {
        id,
        object: "chat.completion" as const,
        created,
        model,
        choices: [
            {
                index: 0,
                message: {
                    role: "assistant" as const,
                    content: text || (toolCalls.length ? null : ""),
                    refusal: null,
                    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
                },
                logprobs: null,
                finish_reason: finishReason(out.stopReason),
            },
        ],
        usage: openAiUsage(out.usage),
    };
}

/**
 * ConverseStream events -> chat.completion.chunk objects, in order. One translator per request: it numbers the
 * tool calls (OpenAI's `index`) and holds the finish reason until the usage arrives (metadata comes after
 * messageStop), so with include_usage the last chunk carries `usage` and empty `choices`, as OpenAI sends it.
 */
export function createChunkTranslator(o: { id: string; model: string; created: number; includeUsage: boolean }) {
    const base = { id: o.id, object: "chat.completion.chunk" as const, created: o.created, model: o.model };
    const toolIndex = new Map<number, number>();
    let usage: TokenUsage | undefined;
    let stopReason: string | undefined;
    // Output tokens estimated from the deltas read so far (Converse reports usage only in its last event).
    let streamedOutput = 0;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    return {
        /** The chunks one Converse stream event becomes (often one, sometimes none). */
        event(e: ConverseStreamOutput): Record<string, unknown>[] {
            if (e.messageStart) return [chunk({ role: "assistant", content: "" })];
            if (e.contentBlockStart?.start?.toolUse) {
                const i = e.contentBlockStart.contentBlockIndex ?? 0;
                const n = toolIndex.size;
                toolIndex.set(i, n);
                const t = e.contentBlockStart.start.toolUse;
                return [
                    chunk({
                        tool_calls: [
                            { index: n, id: t.toolUseId, type: "function", function: { name: t.name, arguments: "" } },
                        ],
                    }),
                ];
            }
            if (e.contentBlockDelta?.delta) {
                const d = e.contentBlockDelta.delta;
                const piece = d.text ?? d.toolUse?.input ?? d.reasoningContent?.text;
                if (piece) streamedOutput += estimateTokens(piece);
                if (d.text !== undefined) return d.text ? [chunk({ content: d.text })] : [];
                if (d.toolUse) {
                    const n = toolIndex.get(e.contentBlockDelta.contentBlockIndex ?? 0) ?? 0;
                    return [chunk({ tool_calls: [{ index: n, function: { arguments: d.toolUse.input ?? "" } }] })];
                }
                return [];
            }
            if (e.messageStop) {
                stopReason = e.messageStop.stopReason;
                return [chunk({}, finishReason(stopReason))];
            }
            if (e.metadata) {
                usage = e.metadata.usage;
                return o.includeUsage ? [{ ...base, choices: [], usage: openAiUsage(usage) }] : [];
            }
            return [];
        },
        get usage() {
            return usage;
        },
        get stopReason() {
            return stopReason;
        },
        /** Output tokens so far: Bedrock's count once the metadata came, else the estimate of the deltas read. */
        get outputSoFar() {
            return Math.max(usage?.outputTokens ?? 0, streamedOutput);
        },
    };
}
