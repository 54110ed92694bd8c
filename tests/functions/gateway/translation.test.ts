// The translation both ways, in process: OpenAI Chat Completions <-> Converse, Anthropic Messages <-> Bedrock's
// Anthropic body and stream events; model resolution; the error shapes.
import { strict as assert } from "assert";
import {
    createEventTranslator,
    messageResponse,
    parseCountTokensRequest,
    parseMessagesRequest,
} from "../../../functions/gateway/anthropic";
import { foundationModelId } from "../../../functions/bedrock/modelIds";
import { errorBody, errorHeaders, gatewayError, toGatewayError } from "../../../functions/gateway/errors";
import { bridgeError } from "../../../functions/errors";
import { modelList, readGatewaySettings, resolveModel } from "../../../functions/gateway/models";
import { chatCompletion, createChunkTranslator, parseChatRequest } from "../../../functions/gateway/openai";

const LIMITS = { defaultMaxTokens: 4096, maxTokensLimit: 8192 };
const status = (f: () => unknown) => {
    try {
        f();
    } catch (e) {
        return (e as { status?: number }).status;
    }
    return 200;
};

describe("gateway translation: OpenAI Chat Completions -> Converse", () => {
    it("maps system, turns, tool calls and tool results, merging tool results into one user turn", () => {
        const r = parseChatRequest(
            {
                model: "m",
                max_completion_tokens: 100,
                temperature: 0.5,
                top_p: 0.9,
                stop: "END",
                messages: [
                    { role: "system", content: "sys" },
                    { role: "developer", content: [{ type: "text", text: "dev" }] },
                    { role: "user", content: "hi" },
                    {
                        role: "assistant",
                        content: null,
                        tool_calls: [
                            { id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } },
                            { id: "b", type: "function", function: { name: "g", arguments: "" } },
                        ],
                    },
                    { role: "tool", tool_call_id: "a", content: "one" },
                    { role: "tool", tool_call_id: "b", content: "two" },
                    {
                        role: "user",
                        content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAEC" } }],
                    },
                ],
                tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
                tool_choice: "required",
            },
            LIMITS,
        );
        assert.deepEqual(r.converse.system, [{ text: "sys" }, { text: "dev" }]);
        assert.deepEqual(r.converse.inferenceConfig, {
            maxTokens: 100,
            temperature: 0.5,
            topP: 0.9,
            stopSequences: ["END"],
        });
        assert.deepEqual(
            r.converse.messages.map(m => m.role),
            ["user", "assistant", "user"],
        );
        assert.deepEqual(r.converse.messages[1].content, [
            { toolUse: { toolUseId: "a", name: "f", input: { x: 1 } } },
            { toolUse: { toolUseId: "b", name: "g", input: {} } },
        ]);
        const last = r.converse.messages[2].content!;
        assert.deepEqual(last[0], { toolResult: { toolUseId: "a", content: [{ text: "one" }] } });
        assert.deepEqual(last[1], { toolResult: { toolUseId: "b", content: [{ text: "two" }] } });
        assert.equal(last[2].image?.format, "png");
        assert.deepEqual([...(last[2].image?.source?.bytes ?? [])], [0, 1, 2]);
        assert.deepEqual(r.converse.toolConfig, {
            tools: [{ toolSpec: { name: "f", inputSchema: { json: { type: "object" } } } }],
            toolChoice: { any: {} },
        });
        assert.equal(r.stream, false);
    });

    it("uses the default maxTokens, and reads stream and include_usage", () => {
        const r = parseChatRequest(
            {
                model: "m",
                stream: true,
                stream_options: { include_usage: true },
                messages: [{ role: "user", content: "x" }],
            },
            LIMITS,
        );
        assert.equal(r.converse.inferenceConfig.maxTokens, 4096);
        assert.equal(r.stream, true);
        assert.equal(r.includeUsage, true);
    });

    it("refuses with 400 what Bedrock cannot honour", () => {
        const m = [{ role: "user", content: "x" }];
        for (const extra of [
            { n: 2 },
            { logprobs: true },
            { presence_penalty: 0.5 },
            { seed: 1 },
            { response_format: { type: "json_object" } },
            { temperature: 1.5 },
            { max_tokens: 9000 },
            { stop: ["a", "b", "c", "d", "e"] },
            { tool_choice: "none", tools: [{ type: "function", function: { name: "f" } }] },
        ])
            assert.equal(
                status(() => parseChatRequest({ model: "m", messages: m, ...extra }, LIMITS)),
                400,
                JSON.stringify(extra),
            );
        assert.equal(
            status(() => parseChatRequest({ model: "m", messages: m, n: 1, logprobs: false }, LIMITS)),
            200,
        );
        const link = [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }];
        assert.equal(
            status(() => parseChatRequest({ model: "m", messages: link }, LIMITS)),
            400,
        );
        assert.equal(
            status(() => parseChatRequest({ model: "m", messages: [{ role: "assistant", content: "x" }] }, LIMITS)),
            400,
        );
    });
});

describe("gateway translation: Converse -> OpenAI", () => {
    it("turns a Converse answer into a chat.completion with tool calls, finish_reason and usage", () => {
        const c = chatCompletion(
            {
                output: {
                    message: {
                        role: "assistant",
                        content: [{ text: "ok" }, { toolUse: { toolUseId: "t1", name: "f", input: { a: 1 } } }],
                    },
                },
                stopReason: "tool_use",
                usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
            },
            "alias",
            "chatcmpl-1",
            1,
        );
        assert.equal(c.model, "alias");
        assert.equal(c.choices[0].finish_reason, "tool_calls");
        assert.equal(c.choices[0].message.content, "ok");
        assert.deepEqual(c.choices[0].message.tool_calls, [
            { id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
        ]);
        assert.deepEqual(c.usage, { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
        for (const [stop, finish] of [
            ["end_turn", "stop"],
            ["stop_sequence", "stop"],
            ["max_tokens", "length"],
            ["guardrail_intervened", "content_filter"],
        ])
            assert.equal(chatCompletion({ stopReason: stop }, "m", "i", 1).choices[0].finish_reason, finish);
    });

    it("turns ConverseStream events into chunks: role, text, tool call pieces by index, finish, usage last", () => {
        const t = createChunkTranslator({ id: "i", model: "m", created: 1, includeUsage: true });
        const out = [
            { messageStart: { role: "assistant" as const } },
            { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hel" } } },
            { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "lo" } } },
            { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t", name: "f" } } } },
            { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"a"' } } } },
            { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: ":1}" } } } },
            { messageStop: { stopReason: "tool_use" as const } },
            { metadata: { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, metrics: { latencyMs: 1 } } },
        ].flatMap(e => t.event(e as never)) as {
            choices: { delta: any; finish_reason: string | null }[];
            usage?: unknown;
        }[];
        assert.deepEqual(out[0].choices[0].delta, { role: "assistant", content: "" });
        assert.equal(out[1].choices[0].delta.content + out[2].choices[0].delta.content, "Hello");
        assert.deepEqual(out[3].choices[0].delta.tool_calls, [
            { index: 0, id: "t", type: "function", function: { name: "f", arguments: "" } },
        ]);
        assert.equal(
            out[4].choices[0].delta.tool_calls[0].function.arguments +
                out[5].choices[0].delta.tool_calls[0].function.arguments,
            '{"a":1}',
        );
        assert.equal(out[6].choices[0].finish_reason, "tool_calls");
        assert.deepEqual(out[7].choices, []);
        assert.deepEqual(out[7].usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
        const quiet = createChunkTranslator({ id: "i", model: "m", created: 1, includeUsage: false });
        assert.deepEqual(
            quiet.event({ metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } } } as never),
            [],
        );
        assert.equal(quiet.usage?.outputTokens, 1);
    });
});

describe("gateway translation: Anthropic Messages <-> Bedrock", () => {
    it("builds Bedrock's body: anthropic_version, no model or stream, passes tools and sampling", () => {
        const r = parseMessagesRequest(
            {
                model: "claude",
                max_tokens: 50,
                stream: true,
                system: "s",
                metadata: { user_id: "u" },
                temperature: 0.2,
                stop_sequences: ["X"],
                tools: [{ name: "f", input_schema: { type: "object" } }],
                messages: [{ role: "user", content: "hi" }],
            },
            { maxTokensLimit: 8192 },
        );
        assert.deepEqual(r.bedrockBody, {
            anthropic_version: "bedrock-2023-05-31",
            messages: [{ role: "user", content: "hi" }],
            system: "s",
            max_tokens: 50,
            temperature: 0.2,
            stop_sequences: ["X"],
            tools: [{ name: "f", input_schema: { type: "object" } }],
        });
        assert.equal(r.stream, true);
        assert.equal(
            status(() =>
                parseMessagesRequest(
                    { model: "c", messages: [{ role: "user", content: "x" }] },
                    { maxTokensLimit: 10 },
                ),
            ),
            400,
        );
        // Fields the gateway does not know go to Bedrock, which refuses what it does not take (a 400 naming it).
        const ctx = { edits: [{ type: "clear_thinking_20251015", keep: "all" }] };
        assert.deepEqual(
            parseMessagesRequest(
                { model: "c", max_tokens: 1, context_management: ctx, messages: [{ role: "user", content: "x" }] },
                { maxTokensLimit: 10 },
            ).bedrockBody.context_management,
            ctx,
        );
        assert.equal(
            status(() =>
                parseMessagesRequest(
                    { model: "c", max_tokens: 1, messages: [{ role: "system", content: "x" }] },
                    { maxTokensLimit: 10 },
                ),
            ),
            400,
        );
    });

    it("forwards beta flags: the anthropic-beta header and the body's anthropic_beta, merged once each", () => {
        const msg = { model: "c", max_tokens: 5, messages: [{ role: "user", content: "x" }] };
        const r = parseMessagesRequest({ ...msg, anthropic_beta: ["a-1"] }, { maxTokensLimit: 10 }, "b-2, a-1,c-3");
        assert.deepEqual(r.bedrockBody.anthropic_beta, ["a-1", "b-2", "c-3"]);
        assert.equal(parseMessagesRequest(msg, { maxTokensLimit: 10 }, " ").bedrockBody.anthropic_beta, undefined);
        assert.equal(
            status(() => parseMessagesRequest({ ...msg, anthropic_beta: "a-1" }, { maxTokensLimit: 10 })),
            400,
        );
    });

    it("builds the CountTokens body: the message's input fields, max_tokens 1 or above the thinking budget", () => {
        const messages = [{ role: "user", content: "count" }];
        const plain = parseCountTokensRequest({ model: "c", system: "s", messages }, "b-1");
        assert.deepEqual(plain, {
            model: "c",
            bedrockBody: {
                anthropic_version: "bedrock-2023-05-31",
                max_tokens: 1,
                messages,
                system: "s",
                anthropic_beta: ["b-1"],
            },
        });
        const thinking = { type: "enabled", budget_tokens: 2048 };
        assert.equal(parseCountTokensRequest({ model: "c", thinking, messages }).bedrockBody.max_tokens, 2049);
        // The client's max_tokens is not input: replaced; stream and metadata never reach Bedrock.
        const other = parseCountTokensRequest({ model: "c", messages, max_tokens: 5, stream: true, metadata: {} });
        assert.deepEqual(Object.keys(other.bedrockBody).sort(), ["anthropic_version", "max_tokens", "messages"]);
        assert.equal(other.bedrockBody.max_tokens, 1);
        assert.equal(
            status(() => parseCountTokensRequest({ model: "c", messages: [] })),
            400,
        );
    });

    it("counts for the foundation model behind a cross-region profile", () => {
        assert.equal(foundationModelId("jp.anthropic.claude-x-v1:0"), "anthropic.claude-x-v1:0");
        assert.equal(foundationModelId("global.anthropic.claude-x-v1:0"), "anthropic.claude-x-v1:0");
        assert.equal(foundationModelId("us-gov.anthropic.claude-x-v1:0"), "anthropic.claude-x-v1:0");
        assert.equal(foundationModelId("anthropic.claude-x-v1:0"), "anthropic.claude-x-v1:0");
    });

    it("turns Bedrock's chunks into Anthropic's events, renaming the model and dropping Bedrock's metrics", () => {
        const t = createEventTranslator("alias");
        const sse = [
            {
                type: "message_start",
                message: { id: "m", model: "anthropic.x", usage: { input_tokens: 9, output_tokens: 1 } },
            },
            { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } },
            { type: "message_delta", delta: { stop_reason: "max_tokens" }, usage: { output_tokens: 4 } },
            { type: "message_stop", "amazon-bedrock-invocationMetrics": { inputTokenCount: 9, outputTokenCount: 4 } },
        ].map(e => t.chunk(JSON.stringify(e)));
        assert.ok(sse[0].startsWith("event: message_start\ndata: "));
        assert.equal(JSON.parse(sse[0].split("data: ")[1]).message.model, "alias");
        assert.equal(sse[3], 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
        assert.deepEqual(t.usage, { inputTokens: 9, outputTokens: 4 });
        assert.equal(t.stopReason, "max_tokens");
        assert.deepEqual(messageResponse({ id: "m", model: "anthropic.x", content: [] }, "alias"), {
            id: "m",
            model: "alias",
            content: [],
        });
    });
});

describe("gateway models and errors", () => {
    const s = readGatewaySettings(
        {
            GATEWAY_KEYS: JSON.stringify({ all: {}, one: { models: ["fast"] } }),
            GATEWAY_ALIASES: JSON.stringify({ fast: "b" }),
            GATEWAY_MODELS: JSON.stringify(["a", "b"]),
        },
        [],
    );

    it("resolves ids and aliases per key: 404 unknown, 403 not allowed", () => {
        assert.equal(resolveModel(s, s.keys.all, "all", "fast"), "b");
        assert.equal(resolveModel(s, s.keys.one, "one", "b"), "b");
        assert.equal(
            status(() => resolveModel(s, s.keys.one, "one", "a")),
            403,
        );
        assert.equal(
            status(() => resolveModel(s, s.keys.all, "all", "zzz")),
            404,
        );
        assert.deepEqual(
            modelList(s, s.keys.one).data.map(m => m.id),
            ["b", "fast"],
        );
        assert.deepEqual(modelList(s, s.keys.one, "anthropic"), {
            data: [
                { type: "model", id: "b", display_name: "b", created_at: "1970-01-01T00:00:00Z" },
                { type: "model", id: "fast", display_name: "fast", created_at: "1970-01-01T00:00:00Z" },
            ],
            has_more: false,
            first_id: "b",
            last_id: "fast",
        });
        assert.throws(
            () => readGatewaySettings({ GATEWAY_ALIASES: '{"x":"nope"}', GATEWAY_MODELS: '["a"]' }, []),
            /alias x/,
        );
    });

    it("writes each API's error shape, retry-after on 429, and hides Bedrock's details", () => {
        const e = gatewayError("rate_limit", "slow down", { retryAfterSeconds: 2.2 });
        assert.deepEqual(errorBody("anthropic", e), {
            type: "error",
            error: { type: "rate_limit_error", message: "slow down" },
        });
        assert.deepEqual(errorBody("openai", e), {
            error: { message: "slow down", type: "rate_limit_error", param: null, code: null },
        });
        assert.equal(errorHeaders(e)["retry-after"], "3");
        const denied = toGatewayError(bridgeError("AccessDenied", "role arn:aws:iam::123456789012:role/x may not"));
        assert.equal(denied.status, 500);
        assert.doesNotMatch(denied.message, /arn:|123456789012/);
        const all = toGatewayError(Object.assign(bridgeError("AllThrottled", "x", true), { retryAfterSeconds: 7 }));
        assert.equal(all.status, 429);
        assert.equal(all.retryAfterSeconds, 7);
        assert.equal(toGatewayError(new TypeError("boom at line 3")).status, 500);
        assert.doesNotMatch(toGatewayError(new TypeError("boom at line 3")).message, /boom/);
    });
});
