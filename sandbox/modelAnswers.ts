// What the sandbox's local model answers, for every operation the caller side uses: Converse, ConverseStream, and
// InvokeModel / InvokeModelWithResponseStream with an Anthropic Messages body (the gateway's /v1/messages).
// Deterministic: the text is answerFor(prompt); it honours maxTokens (stop reason max_tokens), stop sequences
// (stop_sequence), calls the first tool when tools are offered and the last turn is not a tool result, answers a
// tool result by quoting it, and reports usage (input: a quarter of the messages' JSON length; output: a quarter
// of the text's length, so never more than maxTokens). CountTokens answers the input tokens the same request would
// report, for foundation model ids only (Bedrock refuses a profile id there).
import { bedrockError, BedrockAnswer, BedrockRequest, invokeChunk, StreamStep } from "../emulation/fakes";
import { isInferenceProfileId } from "../functions/bedrock/modelIds";
import { SANDBOX_PROMPTS } from "./index";

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === "object" && !Array.isArray(v);

/** The request in one shape, whichever API it came through. */
interface Normalized {
    anthropic: boolean;
    prompt: string;
    toolResult?: string;
    tool?: { name: string; schema: any };
    maxTokens?: number;
    stop: string[];
    inputTokens: number;
}

function normalize(req: BedrockRequest): Normalized {
    const b = req.body ?? {};
    const anthropic = req.op === "invoke" || req.op === "invoke-stream";
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : [];
    const last = msgs[msgs.length - 1];
    const blocks: any[] =
        typeof last?.content === "string" ? [{ type: "text", text: last.content }] : (last?.content ?? []);
    const text = (x: any) => (anthropic ? (x.type === "text" ? x.text : "") : (x.text ?? ""));
    const prompt = blocks.map(text).join("");
    let toolResult: string | undefined;
    for (const x of blocks) {
        if (anthropic && x.type === "tool_result")
            toolResult =
                typeof x.content === "string" ? x.content : (x.content ?? []).map((c: any) => c.text ?? "").join("");
        if (!anthropic && x.toolResult)
            toolResult = (x.toolResult.content ?? []).map((c: any) => c.text ?? "").join("");
    }
    const tools: any[] = anthropic ? (b.tools ?? []) : (b.toolConfig?.tools ?? []);
    const t = tools[0];
    const tool = t
        ? anthropic
            ? { name: t.name, schema: t.input_schema }
            : { name: t.toolSpec?.name, schema: t.toolSpec?.inputSchema?.json }
        : undefined;
    return {
        anthropic,
        prompt,
        toolResult,
        tool,
        maxTokens: anthropic ? b.max_tokens : b.inferenceConfig?.maxTokens,
        stop: (anthropic ? b.stop_sequences : b.inferenceConfig?.stopSequences) ?? [],
        inputTokens: Math.ceil(JSON.stringify(msgs).length / 4),
    };
}

/** Arguments that satisfy the tool's schema as far as the sandbox cares: its required properties, typed. */
function toolInput(schema: any): Record<string, unknown> {
    const props = isObj(schema?.properties) ? schema.properties : {};
    const out: Record<string, unknown> = {};
    for (const k of (schema?.required as string[]) ?? Object.keys(props)) {
        const type = props[k]?.type;
        out[k] = type === "number" || type === "integer" ? 1 : type === "boolean" ? true : "sandbox";
    }
    return out;
}

interface Plan {
    text?: string;
    toolUse?: { id: string; name: string; input: Record<string, unknown> };
    stopReason: "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";
    stopSequence?: string;
    usage: { inputTokens: number; outputTokens: number; totalTokens: number };
}

let toolCalls = 0;

function plan(n: Normalized, answerFor: (prompt: string) => string): Plan {
    const usage = (out: number) => ({
        inputTokens: n.inputTokens,
        outputTokens: out,
        totalTokens: n.inputTokens + out,
    });
    if (n.tool && n.toolResult === undefined) {
        const input = toolInput(n.tool.schema);
        return {
            toolUse: { id: `tooluse_sandbox_${++toolCalls}`, name: n.tool.name, input },
            stopReason: "tool_use",
            usage: usage(Math.ceil(JSON.stringify(input).length / 4)),
        };
    }
    let text = n.toolResult !== undefined ? `The tool answered: "${n.toolResult}".` : answerFor(n.prompt);
    let stopReason: Plan["stopReason"] = "end_turn";
    let stopSequence: string | undefined;
    for (const s of n.stop) {
        const at = text.indexOf(s);
        if (at >= 0 && (stopSequence === undefined || at < text.indexOf(stopSequence))) stopSequence = s;
    }
    if (stopSequence !== undefined) {
        text = text.slice(0, text.indexOf(stopSequence));
        stopReason = "stop_sequence";
    }
    const chars = Array.from(text);
    if (n.maxTokens !== undefined && Math.ceil(chars.length / 4) > n.maxTokens) {
        text = chars.slice(0, n.maxTokens * 4).join("");
        stopReason = "max_tokens";
        stopSequence = undefined;
    }
    return { text, stopReason, stopSequence, usage: usage(Math.ceil(Array.from(text).length / 4)) };
}

/** CountTokens: `input.invokeModel.body` (base64 of the InvokeModel body) or `input.converse` (messages, system). */
function countTokens(req: BedrockRequest): BedrockAnswer {
    if (isInferenceProfileId(req.modelId))
        return bedrockError("ValidationException", "The provided model doesn't support counting tokens.");
    const input = req.body?.input ?? {};
    const inner: BedrockRequest = input.invokeModel
        ? { ...req, op: "invoke", body: JSON.parse(Buffer.from(input.invokeModel.body, "base64").toString("utf8")) }
        : { ...req, op: "converse", body: input.converse ?? {} };
    return { json: { inputTokens: normalize(inner).inputTokens } };
}

/** The local model's answer to one request (see the top of this file). */
export function modelAnswer(
    req: BedrockRequest,
    o: { delayMs: number; answerFor: (prompt: string) => string; chunks: (text: string) => string[] },
): BedrockAnswer {
    if (req.op === "count-tokens") return countTokens(req);
    const n = normalize(req);
    if (n.prompt.includes(SANDBOX_PROMPTS.throttle))
        return bedrockError("ThrottlingException", "Too many requests, please wait before trying again.");
    const p = plan(n, o.answerFor);
    const stream = req.op === "converse-stream" || req.op === "invoke-stream";
    const parts = p.text !== undefined ? o.chunks(p.text) : [];
    const cut = n.prompt.includes(SANDBOX_PROMPTS.midStreamError) ? Math.ceil(parts.length / 2) : parts.length;
    const argJson = p.toolUse ? JSON.stringify(p.toolUse.input) : "";
    const argParts = [argJson.slice(0, Math.ceil(argJson.length / 2)), argJson.slice(Math.ceil(argJson.length / 2))];
    const delay = (): StreamStep[] => (o.delayMs ? [{ delayMs: o.delayMs }] : []);

    if (!n.anthropic) {
        if (!stream)
            return {
                json: {
                    output: {
                        message: {
                            role: "assistant",
                            content: p.toolUse
                                ? [
                                      {
                                          toolUse: {
                                              toolUseId: p.toolUse.id,
                                              name: p.toolUse.name,
                                              input: p.toolUse.input,
                                          },
                                      },
                                  ]
                                : [{ text: p.text }],
                        },
                    },
                    stopReason: p.stopReason,
                    usage: p.usage,
                    metrics: { latencyMs: 2203 },
                },
            };
        const steps: StreamStep[] = [{ event: "messageStart", payload: { role: "assistant" } }];
        if (p.toolUse) {
            steps.push({
                event: "contentBlockStart",
                payload: {
                    contentBlockIndex: 0,
                    start: { toolUse: { toolUseId: p.toolUse.id, name: p.toolUse.name } },
                },
            });
            for (const a of argParts)
                steps.push(...delay(), {
                    event: "contentBlockDelta",
                    payload: { contentBlockIndex: 0, delta: { toolUse: { input: a } } },
                });
        }
        for (const t of parts.slice(0, cut))
            steps.push(...delay(), {
                event: "contentBlockDelta",
                payload: { contentBlockIndex: 0, delta: { text: t } },
            });
        if (cut < parts.length) {
            steps.push({ exception: "modelStreamErrorException", message: "The model stream failed (sandbox fault)." });
            return { stream: steps };
        }
        steps.push({ event: "contentBlockStop", payload: { contentBlockIndex: 0 } });
        steps.push({ event: "messageStop", payload: { stopReason: p.stopReason } });
        steps.push({
            event: "metadata",
            payload: { usage: p.usage, metrics: { latencyMs: o.delayMs * parts.length } },
        });
        return { stream: steps };
    }

    const id = `msg_sandbox_${Date.now().toString(36)}`;
    const content = p.toolUse
        ? [{ type: "tool_use", id: p.toolUse.id, name: p.toolUse.name, input: p.toolUse.input }]
        : [{ type: "text", text: p.text }];
    const usage = { input_tokens: p.usage.inputTokens, output_tokens: p.usage.outputTokens };
    if (!stream)
        return {
            json: {
                id,
                type: "message",
                role: "assistant",
                model: req.modelId,
                content,
                stop_reason: p.stopReason,
                stop_sequence: p.stopSequence ?? null,
                usage,
            },
        };
    const steps: StreamStep[] = [
        invokeChunk({
            type: "message_start",
            message: {
                id,
                type: "message",
                role: "assistant",
                model: req.modelId,
                content: [],
                stop_reason: null,
                stop_sequence: null,
                usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
            },
        }),
        invokeChunk({
            type: "content_block_start",
            index: 0,
            content_block: p.toolUse
                ? { type: "tool_use", id: p.toolUse.id, name: p.toolUse.name, input: {} }
                : { type: "text", text: "" },
        }),
    ];
    if (p.toolUse)
        for (const a of argParts)
            steps.push(
                ...delay(),
                invokeChunk({
                    type: "content_block_delta",
                    index: 0,
                    delta: { type: "input_json_delta", partial_json: a },
                }),
            );
    for (const t of parts.slice(0, cut))
        steps.push(
            ...delay(),
            invokeChunk({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } }),
        );
    if (cut < parts.length) {
        steps.push({ exception: "modelStreamErrorException", message: "The model stream failed (sandbox fault)." });
        return { stream: steps };
    }
    steps.push(
        invokeChunk({ type: "content_block_stop", index: 0 }),
        invokeChunk({
            type: "message_delta",
            delta: { stop_reason: p.stopReason, stop_sequence: p.stopSequence ?? null },
            usage: { output_tokens: usage.output_tokens },
        }),
        invokeChunk({
            type: "message_stop",
            "amazon-bedrock-invocationMetrics": {
                inputTokenCount: usage.input_tokens,
                outputTokenCount: usage.output_tokens,
                invocationLatency: o.delayMs * parts.length,
                firstByteLatency: o.delayMs,
            },
        }),
    );
    return { stream: steps };
}
