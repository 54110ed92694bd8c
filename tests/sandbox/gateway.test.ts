// The sandbox's gateway driven by the official clients nobody here wrote: the `openai` and `@anthropic-ai/sdk`
// npm packages, against the gateway function streaming through the emulated API Gateway (authorizer, usage plan)
// with its token windows in dynalite.
import { strict as assert } from "assert";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Sandbox, SANDBOX_PROMPTS, startSandbox } from "../../sandbox";

const SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET_4 = "apac.anthropic.claude-sonnet-4-20250514-v1:0";

describe("sandbox gateway: official OpenAI and Anthropic clients", function () {
    this.timeout(120000);
    let sb: Sandbox;
    const openai = (key = "app", o: { maxRetries?: number } = {}) =>
        new OpenAI({
            apiKey: sb.outputs.gatewayKeys[key],
            baseURL: sb.outputs.gatewayUrl,
            maxRetries: o.maxRetries ?? 0,
        });
    const anthropic = (key = "app") =>
        new Anthropic({
            apiKey: sb.outputs.gatewayKeys[key],
            baseURL: sb.outputs.gatewayUrl.replace(/\/v1$/, ""),
            maxRetries: 0,
        });
    const rejection = async <T>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> => {
        try {
            await p;
        } catch (e) {
            if (e instanceof type) return e;
            throw new Error(`expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        }
        throw new Error(`expected ${type.name}, the call succeeded`);
    };

    before(async () => {
        sb = await startSandbox({
            modelDelayMs: 2,
            gateway: {
                keys: [
                    { name: "app" },
                    { name: "narrow", models: ["sonnet"] },
                    { name: "small", tokensPerMinute: 3000 },
                    { name: "slow", requestsPerSecond: 0.01, burst: 1 },
                ],
                aliases: { sonnet: SONNET_45 },
            },
        });
    });
    after(async () => {
        await sb?.stop();
    });

    it("writes gatewayUrl (ending in /v1) and gatewayKeys to the outputs", () => {
        assert.match(sb.outputs.gatewayUrl, /^http:\/\/127\.0\.0\.1:\d+\/.*\/v1$/);
        assert.deepEqual(Object.keys(sb.outputs.gatewayKeys).sort(), ["app", "narrow", "slow", "small"]);
    });

    describe("OpenAI Chat Completions", () => {
        it("lists the key's models and aliases", async () => {
            const all = (await openai().models.list()).data.map(m => m.id);
            assert.deepEqual(all, [SONNET_45, SONNET_4, "sonnet"]);
            const narrow = (await openai("narrow").models.list()).data.map(m => m.id);
            assert.deepEqual(narrow, [SONNET_45, "sonnet"]);
        });

        it("answers plainly, with usage and finish_reason stop", async () => {
            const r = await openai().chat.completions.create({
                model: "sonnet",
                messages: [{ role: "user", content: "hello gateway" }],
            });
            assert.equal(r.object, "chat.completion");
            assert.equal(r.model, "sonnet");
            assert.equal(r.choices[0].message.content, sb.answerFor("hello gateway"));
            assert.equal(r.choices[0].finish_reason, "stop");
            assert.ok(r.usage!.prompt_tokens > 0 && r.usage!.completion_tokens > 0);
            assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
        });

        it("streams the answer in several chunks, then usage when asked for", async () => {
            const stream = await openai().chat.completions.create({
                model: SONNET_45,
                messages: [{ role: "user", content: "stream please" }],
                stream: true,
                stream_options: { include_usage: true },
            });
            let text = "";
            let textChunks = 0;
            let finish: string | null = null;
            let usage: OpenAI.CompletionUsage | undefined | null;
            for await (const c of stream) {
                if (c.usage) usage = c.usage;
                const d = c.choices[0]?.delta?.content;
                if (d) {
                    text += d;
                    textChunks++;
                }
                finish = c.choices[0]?.finish_reason ?? finish;
            }
            assert.equal(text, sb.answerFor("stream please"));
            assert.ok(textChunks >= 3, `only ${textChunks} chunks`);
            assert.equal(finish, "stop");
            assert.ok(usage && usage.completion_tokens > 0);
        });

        it("carries a system prompt and earlier turns to the model", async () => {
            const r = await openai().chat.completions.create({
                model: SONNET_45,
                messages: [
                    { role: "system", content: "Be brief." },
                    { role: "user", content: "first" },
                    { role: "assistant", content: "an earlier answer" },
                    { role: "user", content: "second" },
                ],
            });
            assert.equal(r.choices[0].message.content, sb.answerFor("second"));
            const body = sb.lastModelRequest() as { system?: { text: string }[]; messages: { role: string }[] };
            assert.deepEqual(body.system, [{ text: "Be brief." }]);
            assert.deepEqual(
                body.messages.map(m => m.role),
                ["user", "assistant", "user"],
            );
            assert.equal((body as { requestMetadata?: Record<string, string> }).requestMetadata?.bb_key, "app");
        });

        it("round-trips a tool call (streamed and not)", async () => {
            const tools: OpenAI.ChatCompletionTool[] = [
                {
                    type: "function",
                    function: {
                        name: "get_weather",
                        description: "Weather of a city",
                        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
                    },
                },
            ];
            const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather in Tokyo?" }];
            const first = await openai().chat.completions.create({ model: SONNET_45, messages, tools });
            assert.equal(first.choices[0].finish_reason, "tool_calls");
            const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
            assert.equal(call.function.name, "get_weather");
            assert.deepEqual(JSON.parse(call.function.arguments), { city: "sandbox" });

            // The same call, streamed: the arguments arrive in pieces under one index.
            const stream = await openai().chat.completions.create({ model: SONNET_45, messages, tools, stream: true });
            let args = "";
            let name = "";
            let finish: string | null = null;
            for await (const c of stream) {
                for (const t of c.choices[0]?.delta?.tool_calls ?? []) {
                    assert.equal(t.index, 0);
                    name += t.function?.name ?? "";
                    args += t.function?.arguments ?? "";
                }
                finish = c.choices[0]?.finish_reason ?? finish;
            }
            assert.equal(name, "get_weather");
            assert.deepEqual(JSON.parse(args), { city: "sandbox" });
            assert.equal(finish, "tool_calls");

            const second = await openai().chat.completions.create({
                model: SONNET_45,
                tools,
                messages: [
                    ...messages,
                    first.choices[0].message,
                    { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" },
                ],
            });
            assert.equal(second.choices[0].message.content, 'The tool answered: "sunny, 21 C".');
            assert.equal(second.choices[0].finish_reason, "stop");
        });

        it("stops at max_tokens (finish_reason length) and at a stop sequence", async () => {
            const r = await openai().chat.completions.create({
                model: SONNET_45,
                max_tokens: 3,
                messages: [{ role: "user", content: "a long answer" }],
            });
            assert.equal(r.choices[0].finish_reason, "length");
            assert.ok(r.usage!.completion_tokens <= 3);
            assert.equal(r.choices[0].message.content, sb.answerFor("a long answer").slice(0, 12));
            const s = await openai().chat.completions.create({
                model: SONNET_45,
                stop: ["said"],
                messages: [{ role: "user", content: "stop early" }],
            });
            assert.equal(s.choices[0].message.content, "You ");
            assert.equal(s.choices[0].finish_reason, "stop");
        });

        it("answers each error as the SDK's own typed error", async () => {
            const bad = new OpenAI({ apiKey: "bbk-not-a-key", baseURL: sb.outputs.gatewayUrl, maxRetries: 0 });
            await rejection(bad.models.list(), OpenAI.AuthenticationError);
            const forbidden = await rejection(
                openai("narrow").chat.completions.create({
                    model: SONNET_4,
                    messages: [{ role: "user", content: "x" }],
                }),
                OpenAI.PermissionDeniedError,
            );
            assert.match(forbidden.message, /may not use the model/);
            await rejection(
                openai().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
                OpenAI.NotFoundError,
            );
            const n2 = await rejection(
                openai().chat.completions.create({
                    model: SONNET_45,
                    n: 2,
                    messages: [{ role: "user", content: "x" }],
                }),
                OpenAI.BadRequestError,
            );
            assert.match(n2.message, /\bn\b.*not supported/);
            const throttled = await rejection(
                openai().chat.completions.create({
                    model: SONNET_45,
                    messages: [{ role: "user", content: `busy ${SANDBOX_PROMPTS.throttle}` }],
                }),
                OpenAI.RateLimitError,
            );
            assert.ok(Number(throttled.headers?.get("retry-after")) >= 1);
        });

        it("refuses over the key's tokens per minute with 429 and retry-after, before calling the model", async () => {
            const ask = () =>
                openai("small").chat.completions.create({
                    model: SONNET_45,
                    max_tokens: 1000,
                    messages: [{ role: "user", content: "count my tokens" }],
                });
            await ask();
            await ask(); // reserved 1000 + input each, settled to the real usage (small): room remains
            const before = sb.modelRequests();
            const big = openai("small").chat.completions.create({
                model: SONNET_45,
                max_tokens: 2950,
                messages: [{ role: "user", content: "too much" }],
            });
            const e = await rejection(big, OpenAI.RateLimitError);
            const retryAfter = Number(e.headers?.get("retry-after"));
            assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
            assert.equal(sb.modelRequests(), before, "a refused request must not reach the model");
            // More than the window could ever hold: a 400 that says so, not a 429 to retry forever.
            await rejection(
                openai("small").chat.completions.create({
                    model: SONNET_45,
                    max_tokens: 5000,
                    messages: [{ role: "user", content: "x" }],
                }),
                OpenAI.BadRequestError,
            );
        });

        it("throttles requests per key as the usage plan does (429)", async () => {
            await openai("slow").models.list();
            await rejection(openai("slow").models.list(), OpenAI.RateLimitError);
        });

        it("ends a stream that fails mid-way with an error the SDK raises", async () => {
            const stream = await openai().chat.completions.create({
                model: SONNET_45,
                stream: true,
                messages: [{ role: "user", content: `cut ${SANDBOX_PROMPTS.midStreamError}` }],
            });
            let text = "";
            await assert.rejects(async () => {
                for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
            }, OpenAI.APIError);
            assert.ok(text.length > 0, "some text came before the error");
        });
    });

    describe("Anthropic Messages", () => {
        it("answers plainly with usage", async () => {
            const m = await anthropic().messages.create({
                model: "sonnet",
                max_tokens: 1024,
                messages: [{ role: "user", content: "hello claude" }],
            });
            assert.equal(m.model, "sonnet");
            assert.equal(m.stop_reason, "end_turn");
            assert.equal((m.content[0] as Anthropic.TextBlock).text, sb.answerFor("hello claude"));
            assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
            const req = sb.lastModelRequest() as Record<string, unknown>;
            assert.equal(req.anthropic_version, "bedrock-2023-05-31");
            assert.equal(req.model, undefined);
        });

        it("streams in several events with a system prompt and earlier turns", async () => {
            const stream = anthropic().messages.stream({
                model: SONNET_45,
                max_tokens: 1024,
                system: "Be brief.",
                messages: [
                    { role: "user", content: "first" },
                    { role: "assistant", content: "earlier" },
                    { role: "user", content: "second turn" },
                ],
            });
            let deltas = 0;
            stream.on("text", () => deltas++);
            const final = await stream.finalMessage();
            assert.equal((final.content[0] as Anthropic.TextBlock).text, sb.answerFor("second turn"));
            assert.ok(deltas >= 3, `only ${deltas} text events`);
            assert.equal(final.stop_reason, "end_turn");
            assert.ok(final.usage.output_tokens > 0 && final.usage.input_tokens > 0);
            assert.equal((sb.lastModelRequest() as { system?: string }).system, "Be brief.");
        });

        it("round-trips a tool use, and stops at max_tokens", async () => {
            const tools: Anthropic.Tool[] = [
                {
                    name: "get_weather",
                    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
                },
            ];
            const first = await anthropic()
                .messages.stream({
                    model: SONNET_45,
                    max_tokens: 512,
                    tools,
                    messages: [{ role: "user", content: "weather?" }],
                })
                .finalMessage();
            assert.equal(first.stop_reason, "tool_use");
            const use = first.content.find(b => b.type === "tool_use") as Anthropic.ToolUseBlock;
            assert.deepEqual(use.input, { city: "sandbox" });
            const second = await anthropic().messages.create({
                model: SONNET_45,
                max_tokens: 512,
                tools,
                messages: [
                    { role: "user", content: "weather?" },
                    { role: "assistant", content: first.content },
                    { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "rain" }] },
                ],
            });
            assert.equal((second.content[0] as Anthropic.TextBlock).text, 'The tool answered: "rain".');
            const cut = await anthropic().messages.create({
                model: SONNET_45,
                max_tokens: 2,
                messages: [{ role: "user", content: "long" }],
            });
            assert.equal(cut.stop_reason, "max_tokens");
            assert.ok(cut.usage.output_tokens <= 2);
        });

        it("counts tokens (POST /v1/messages/count_tokens) with Bedrock CountTokens on the foundation model, free of the token windows", async () => {
            const messages = [{ role: "user" as const, content: "count these words, please" }];
            const counted = await anthropic().messages.countTokens({ model: "sonnet", system: "Be brief.", messages });
            // CountTokens takes the foundation model, never the profile (Bedrock refuses a profile id there).
            assert.deepEqual(sb.lastModelCall(), {
                op: "count-tokens",
                modelId: SONNET_45.replace(/^jp\./, ""),
            });
            const answered = await anthropic().messages.create({
                model: "sonnet",
                max_tokens: 20,
                system: "Be brief.",
                messages,
            });
            assert.ok(counted.input_tokens > 0);
            assert.equal(counted.input_tokens, answered.usage.input_tokens);
            // A count larger than the key's whole minute budget (3000) is still answered: counting reserves nothing.
            const big = await anthropic("small").messages.countTokens({
                model: SONNET_45,
                messages: [{ role: "user", content: "word ".repeat(4000) }],
            });
            assert.ok(big.input_tokens > 3000, `${big.input_tokens}`);
            await rejection(
                anthropic("narrow").messages.countTokens({ model: SONNET_4, messages }),
                Anthropic.PermissionDeniedError,
            );
            await rejection(
                anthropic().messages.countTokens({ model: "claude-nope", messages }),
                Anthropic.NotFoundError,
            );
        });

        it("forwards the anthropic-beta header to Bedrock as anthropic_beta", async () => {
            await anthropic().beta.messages.create({
                model: "sonnet",
                max_tokens: 20,
                betas: ["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
                messages: [{ role: "user", content: "with betas" }],
            });
            assert.deepEqual(sb.lastModelRequest()?.anthropic_beta, [
                "interleaved-thinking-2025-05-14",
                "context-1m-2025-08-07",
            ]);
            await anthropic().messages.create({
                model: "sonnet",
                max_tokens: 20,
                messages: [{ role: "user", content: "without betas" }],
            });
            assert.equal(sb.lastModelRequest()?.anthropic_beta, undefined);
        });

        it("lists the key's models in Anthropic's shape for Anthropic's client", async () => {
            const page = await anthropic("narrow").models.list();
            assert.deepEqual(
                page.data.map(m => [m.type, m.id]),
                [
                    ["model", SONNET_45],
                    ["model", "sonnet"],
                ],
            );
        });

        it("answers a path or method the API does not declare with the stack's 404, before the authorizer", async () => {
            const base = sb.outputs.gatewayUrl;
            for (const [method, path, auth] of [
                ["POST", "/nothing", `Bearer ${sb.outputs.gatewayKeys.app}`],
                ["GET", "/messages", `Bearer ${sb.outputs.gatewayKeys.app}`],
                ["POST", "/messages/count", "Bearer not-a-key"],
            ]) {
                const r = await fetch(`${base}${path}`, { method, headers: { authorization: auth } });
                assert.equal(r.status, 404, `${method} ${path}`);
                const body = (await r.json()) as { type: string; error: { type: string; message: string } };
                assert.equal(body.error.type, "not_found_error");
                assert.match(body.error.message, /count_tokens/);
            }
        });

        it("answers each error as the SDK's own typed error", async () => {
            const bad = new Anthropic({
                apiKey: "nope",
                baseURL: sb.outputs.gatewayUrl.replace(/\/v1$/, ""),
                maxRetries: 0,
            });
            const msg = { max_tokens: 10, messages: [{ role: "user" as const, content: "x" }] };
            await rejection(bad.messages.create({ model: SONNET_45, ...msg }), Anthropic.AuthenticationError);
            await rejection(
                anthropic("narrow").messages.create({ model: SONNET_4, ...msg }),
                Anthropic.PermissionDeniedError,
            );
            await rejection(anthropic().messages.create({ model: "claude-nope", ...msg }), Anthropic.NotFoundError);
            const e = await rejection(
                anthropic().messages.create({
                    model: SONNET_45,
                    max_tokens: 10,
                    messages: [{ role: "user", content: `x ${SANDBOX_PROMPTS.throttle}` }],
                }),
                Anthropic.RateLimitError,
            );
            assert.ok(Number(e.headers?.get("retry-after")) >= 1);
            await rejection(
                anthropic().messages.create({ model: SONNET_45, max_tokens: 0, messages: msg.messages }),
                Anthropic.BadRequestError,
            );
        });
    });

    it("answers a request head over API Gateway's 10,240 bytes in the API's error shape, not a bare 431", async () => {
        // A 100 KB key: over API Gateway's quota on the request line and headers, and over Node's default 16 KB.
        const r = await fetch(`${sb.outputs.gatewayUrl}/models`, {
            headers: { authorization: `Bearer ${"k".repeat(100_000)}` },
        });
        assert.equal(r.status, 431);
        const body = (await r.json()) as { type: string; error: { message: string; type: string } };
        assert.equal(body.type, "error");
        assert.match(body.error.message, /Header Fields Too Large/);
        const e = await rejection(
            new OpenAI({ apiKey: "k".repeat(100_000), baseURL: sb.outputs.gatewayUrl, maxRetries: 0 }).models.list(),
            OpenAI.APIError,
        );
        assert.equal(e.status, 431);
        assert.match(e.message, /Header Fields Too Large/);
    });
});

describe("sandbox gateway: a client that leaves mid-stream", function () {
    this.timeout(120000);
    let sb: Sandbox;
    const lines: string[] = [];
    const log = console.log;
    // A slow model (100 ms a chunk) and a long answer: read to its end it would take 15 s.
    const prompt = `${SANDBOX_PROMPTS.echo} ${"word ".repeat(300)}`;

    before(async () => {
        // verbose: the function's log lines reach console.log, where this suite reads them.
        console.log = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
        sb = await startSandbox({
            modelDelayMs: 100,
            verbose: true,
            gateway: { keys: [{ name: "app", tokensPerMinute: 1_000_000 }] },
        });
    });
    after(async () => {
        console.log = log;
        await sb?.stop();
    });

    /** The function's summary line of the next request that ends (waits for it: the handler logs after settling). */
    const nextRequestLine = async (from: number) => {
        for (let i = 0; i < 600; i++) {
            const l = lines.slice(from).find(x => x.includes('"event":"gateway-request"'));
            if (l) return JSON.parse(l.slice(l.indexOf("{"))) as Record<string, unknown>;
            await new Promise(r => setTimeout(r, 50));
        }
        throw new Error("the gateway function logged no request line");
    };

    it("passes the disconnect to the function, which stops the model and settles what was read (OpenAI and Anthropic)", async () => {
        const key = sb.outputs.gatewayKeys.app;
        const from = lines.length;
        const openai = new OpenAI({ apiKey: key, baseURL: sb.outputs.gatewayUrl, maxRetries: 0 });
        const chat = await openai.chat.completions.create({
            model: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            stream: true,
            messages: [{ role: "user", content: prompt }],
        });
        let n = 0;
        // Leaving the loop aborts the SDK's request: the client goes away after 3 events.
        for await (const _ of chat) if (++n === 3) break;
        const line = await nextRequestLine(from);
        assert.equal(line.outcome, "clientGone", JSON.stringify(line));
        assert.ok((line.outputTokens as number) < 150, `settled ${String(line.outputTokens)} output tokens of ~300`);

        const from2 = lines.length;
        const anthropic = new Anthropic({
            apiKey: key,
            baseURL: sb.outputs.gatewayUrl.replace(/\/v1$/, ""),
            maxRetries: 0,
        });
        const msgs = await anthropic.messages.create({
            model: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            max_tokens: 4000,
            stream: true,
            messages: [{ role: "user", content: prompt }],
        });
        n = 0;
        for await (const _ of msgs) if (++n === 3) break;
        const line2 = await nextRequestLine(from2);
        assert.equal(line2.outcome, "clientGone", JSON.stringify(line2));
        assert.ok((line2.outputTokens as number) < 150, `settled ${String(line2.outputTokens)} output tokens of ~300`);
    });
});
