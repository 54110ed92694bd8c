// The gateway handler in process, against fake Bedrock over HTTP/2 and fake STS (emulation/fakes.ts), with a
// recording limiter and a Lambda-like response stream read as API Gateway reads it: how a stream that ends early is
// settled, the token estimate of Japanese text, the function's deadline (streamed and not), a client that leaves
// mid-stream, hostile nesting, and the fields Bedrock cannot honour.
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { Writable } from "stream";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
    bedrockError,
    converseAnswer,
    FakeBedrock,
    FakeSts,
    invokeChunk,
    textStream,
    type BedrockAnswer,
    type StreamStep,
} from "../../../emulation/fakes";
import {
    createGatewayHandler,
    DEADLINE_RESERVE_MS,
    type GatewayContext,
    type GatewayEvent,
} from "../../../functions/gateway/handler";
import { MAX_BODY_DEPTH } from "../../../functions/gateway/bodyLimits";
import { fakeAwsEnv } from "../../support/fakeAwsEnv";
import { estimateTokens, type Limiter } from "../../../functions/gateway/limiter";
import type { KeySettings } from "../../../functions/gateway/models";

const SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET_4 = "apac.anthropic.claude-sonnet-4-20250514-v1:0";

/** A limiter that takes every reservation and records it and its settle. */
function recordingLimiter() {
    const calls: { key: string; reserved: number; settled?: number }[] = [];
    const limiter: Limiter = {
        roundTrips: 0,
        async reserve(keyName: string, _key: KeySettings, tokens: number) {
            const c: (typeof calls)[number] = { key: keyName, reserved: tokens };
            calls.push(c);
            return {
                reserved: tokens,
                async settle(used: number) {
                    c.settled = used;
                },
            };
        },
    };
    return { limiter, calls };
}

/** Lambda's response stream as API Gateway reads it; `onEvent` sees the count of SSE events written so far. */
function responseStream(onEvent?: (events: number, s: Writable) => void) {
    const chunks: Buffer[] = [];
    const s = new Writable({
        write(chunk: Buffer, _enc, done) {
            chunks.push(Buffer.from(chunk));
            done();
            const text = Buffer.concat(chunks).toString("utf8");
            onEvent?.(text.split("\n\n").length - 1, s);
        },
    });
    s.on("error", () => undefined);
    const read = () => {
        const all = Buffer.concat(chunks);
        const at = all.indexOf(Buffer.alloc(8));
        assert.ok(at > 0, "no metadata prelude");
        return {
            prelude: JSON.parse(all.subarray(0, at).toString("utf8")) as { statusCode: number },
            body: all.subarray(at + 8).toString("utf8"),
        };
    };
    return { stream: s, read };
}

const event = (path: string, body: unknown, headers: Record<string, string> = {}): GatewayEvent => ({
    httpMethod: "POST",
    path: `/prod${path}`,
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    requestContext: { requestId: "req-1", authorizer: { keyName: "app" } },
});

/** An Anthropic stream: message_start (input tokens), `n` text deltas of `piece`, then the end (when `end`). */
function anthropicStream(n: number, piece: string, o: { delayMs?: number; end?: boolean } = {}): StreamStep[] {
    const steps: StreamStep[] = [
        invokeChunk({
            type: "message_start",
            message: {
                id: "msg_1",
                type: "message",
                role: "assistant",
                model: "x",
                content: [],
                usage: { input_tokens: 40, output_tokens: 1 },
            },
        }),
        invokeChunk({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    ];
    for (let i = 0; i < n; i++) {
        if (o.delayMs) steps.push({ delayMs: o.delayMs });
        steps.push(invokeChunk({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }));
    }
    if (o.end !== false)
        steps.push(
            invokeChunk({ type: "content_block_stop", index: 0 }),
            invokeChunk({
                type: "message_delta",
                delta: { stop_reason: "end_turn" },
                usage: { output_tokens: n * 3 },
            }),
            invokeChunk({ type: "message_stop" }),
        );
    return steps;
}

/** 400 words, `delayMs` apart: InvokeModel's stream for the Anthropic API, Converse's for the OpenAI one. */
const longStream = (api: "anthropic" | "openai", delayMs: number): BedrockAnswer =>
    api === "anthropic"
        ? { stream: anthropicStream(400, "word ", { delayMs }) }
        : {
              stream: textStream(
                  Array.from({ length: 400 }, () => "word "),
                  { delayMs },
              ),
          };

/** A streamed request for a long answer on the API's own route. */
const longStreamEvent = (api: "anthropic" | "openai", maxTokens: number): GatewayEvent =>
    event(api === "anthropic" ? "/v1/messages" : "/v1/chat/completions", {
        model: SONNET_45,
        max_tokens: maxTokens,
        stream: true,
        messages: [{ role: "user", content: "a long essay" }],
    });

describe("gateway handler (in process, fake Bedrock)", function () {
    this.timeout(60000);
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    const saved = { ...process.env };
    const quiet = [console.log, console.error];
    let logs: string[] = [];

    before(async () => {
        sts = await new FakeSts().start();
        bedrock = await new FakeBedrock().start();
        Object.assign(process.env, fakeAwsEnv(sts, bedrock));
    });
    after(async () => {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
        await sts?.stop();
        await bedrock?.stop();
    });
    beforeEach(() => {
        bedrock.requests = [];
        bedrock.cancelledStreams = [];
        logs = [];
        console.log = (line: string) => void logs.push(String(line));
        console.error = () => undefined;
    });
    afterEach(() => {
        [console.log, console.error] = quiet;
    });

    const gateway = () => {
        const rec = recordingLimiter();
        const handler = createGatewayHandler(
            {
                BEDROCK_TARGETS: JSON.stringify([
                    {
                        roleArn: "arn:aws:iam::222222222222:role/x",
                        region: "ap-northeast-1",
                        accountId: "222222222222",
                        models: [SONNET_45, SONNET_4],
                    },
                ]),
                GATEWAY_KEYS: JSON.stringify({ app: { tokensPerMinute: 1_000_000 } }),
            },
            { limiter: rec.limiter, metrics: { add: () => undefined, flush: () => undefined } },
        );
        return { handler, calls: rec.calls };
    };
    const lastLog = () => JSON.parse(logs.filter(l => l.includes('"gateway-request"')).pop()!);
    /** Until the fake saw the handler cancel a Bedrock stream (the cancel lands a moment after the handler returns). */
    const untilCancelled = async () => {
        for (let i = 0; i < 250 && !bedrock.cancelledStreams.length; i++) await new Promise(r => setTimeout(r, 20));
    };

    describe("settling a stream that did not end normally", () => {
        it("Anthropic: a stream broken mid-way keeps at least its reservation (not just its input tokens)", async () => {
            bedrock.handler = () => ({
                stream: [
                    ...anthropicStream(5, "word ", { end: false }),
                    { exception: "internalServerException", message: "boom" },
                ],
            });
            const { handler, calls } = gateway();
            const out = responseStream();
            await handler(
                event("/v1/messages", {
                    model: SONNET_45,
                    max_tokens: 1000,
                    stream: true,
                    messages: [{ role: "user", content: "hi" }],
                }),
                out.stream,
                {},
            );
            const { prelude, body } = out.read();
            assert.equal(prelude.statusCode, 200);
            assert.match(body, /event: error\ndata: \{"type":"error"/);
            assert.equal(calls.length, 1);
            assert.ok(calls[0].reserved >= 1000);
            assert.equal(calls[0].settled, calls[0].reserved, "settled at the reservation (the larger of the two)");
        });

        it("OpenAI: the same, and a whole stream is settled with Bedrock's count", async () => {
            bedrock.handler = () => ({
                stream: [
                    ...textStream(["a", "b", "c"]).slice(0, 3),
                    { exception: "internalServerException", message: "boom" },
                ],
            });
            const { handler, calls } = gateway();
            const req = {
                model: SONNET_45,
                max_tokens: 500,
                stream: true,
                messages: [{ role: "user", content: "hi" }],
            };
            const broken = responseStream();
            await handler(event("/v1/chat/completions", req), broken.stream, {});
            assert.match(broken.read().body, /data: \{"error":/);
            assert.equal(calls[0].settled, calls[0].reserved);

            bedrock.handler = () => ({
                stream: textStream(["a", "b"], { usage: { inputTokens: 7, outputTokens: 2, totalTokens: 9 } }),
            });
            const whole = responseStream();
            await handler(event("/v1/chat/completions", req), whole.stream, {});
            assert.match(whole.read().body, /data: \[DONE\]/);
            assert.equal(calls[1].settled, 9);
        });
    });

    it("estimates Japanese input at a token a character, not four characters a token", async () => {
        assert.equal(estimateTokens("東京都の天気を教えてください"), 14);
        assert.equal(estimateTokens("abcdefgh"), 2);
        assert.equal(estimateTokens("東京 is"), 2 + 1);
        bedrock.handler = () => converseAnswer("はい");
        const { handler, calls } = gateway();
        const prompt = "東京都の天気を教えてください。".repeat(200); // 3,000 characters
        for (const [path, body] of [
            [
                "/v1/chat/completions",
                { model: SONNET_45, max_tokens: 10, messages: [{ role: "user", content: prompt }] },
            ],
            ["/v1/messages", { model: SONNET_45, max_tokens: 10, messages: [{ role: "user", content: prompt }] }],
        ] as const) {
            const out = responseStream();
            if (path === "/v1/messages")
                bedrock.handler = () => ({
                    json: { id: "m", type: "message", role: "assistant", content: [], usage: { input_tokens: 1 } },
                });
            await handler(event(path, body), out.stream, {});
            assert.equal(out.read().prelude.statusCode, 200, out.read().body);
        }
        for (const c of calls) assert.ok(c.reserved >= 3000 + 10, `reserved ${c.reserved} for 3,000 characters`);
    });

    describe("the function's deadline", () => {
        it("ends a stream that runs out of time with the client's own error event, cancels Bedrock, settles", async () => {
            for (const api of ["anthropic", "openai"] as const) {
                bedrock.cancelledStreams = [];
                bedrock.handler = () => longStream(api, 10);
                const { handler, calls } = gateway();
                let events = 0;
                const out = responseStream(n => (events = n));
                // Plenty of time until three events went out, then only the reserve is left: no wall clock.
                const context: GatewayContext = {
                    getRemainingTimeInMillis: () => (events < 3 ? 600_000 : DEADLINE_RESERVE_MS),
                };
                await handler(longStreamEvent(api, 2000), out.stream, context);
                const { prelude, body } = out.read();
                assert.equal(prelude.statusCode, 200);
                if (api === "anthropic") assert.match(body, /event: error\ndata: .*"type":"api_error".*time limit/);
                else assert.match(body, /data: \{"error":\{"message":"[^"]*time limit[^"]*","type":"api_error"/);
                assert.doesNotMatch(body, /\[DONE\]|message_stop/);
                assert.equal(calls[0].settled, calls[0].reserved);
                assert.equal(lastLog().outcome, "error");
                // The model stream was cancelled, not read to its end.
                await untilCancelled();
                assert.equal(bedrock.cancelledStreams.length, 1, `${api}: the Bedrock stream was not cancelled`);
            }
        });

        it("refuses a non-streamed answer that would outlast the time it may take with a 400 that says to stream", async () => {
            let release: (a: BedrockAnswer) => void = () => undefined;
            bedrock.handler = () => new Promise<BedrockAnswer>(r => (release = r));
            const { handler, calls } = gateway();
            for (const [path, api] of [
                ["/v1/chat/completions", "openai"],
                ["/v1/messages", "anthropic"],
            ] as const) {
                const out = responseStream();
                await handler(
                    event(path, { model: SONNET_45, max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
                    out.stream,
                    { getRemainingTimeInMillis: () => DEADLINE_RESERVE_MS },
                );
                const { prelude, body } = out.read();
                assert.equal(prelude.statusCode, 400);
                const b = JSON.parse(body);
                const message = api === "openai" ? b.error.message : b.error.message;
                assert.match(message, /stream: true/);
                if (api === "openai") assert.equal(b.error.param, "stream");
                else assert.equal(b.type, "error");
            }
            release(converseAnswer("late"));
            for (const c of calls) assert.equal(c.settled, c.reserved, "Bedrock's usage is unknown: the reservation");
        });
    });

    it("cancels Bedrock when the client leaves mid-stream, and settles what was read", async () => {
        for (const api of ["anthropic", "openai"] as const) {
            bedrock.cancelledStreams = [];
            bedrock.handler = () => longStream(api, 10);
            const { handler, calls } = gateway();
            // The client leaves after 3 events: the stream closes under the handler, as a disconnect closes it.
            const out = responseStream((n, s) => {
                if (n >= 3 && !s.destroyed) s.destroy();
            });
            await handler(longStreamEvent(api, 4000), out.stream, {});
            await untilCancelled();
            assert.equal(bedrock.cancelledStreams.length, 1, `${api}: Bedrock's stream was read on`);
            assert.ok(bedrock.cancelledStreams[0].stepsSent < 100, `${api}: ${bedrock.cancelledStreams[0].stepsSent}`);
            const c = calls[0];
            assert.ok(
                c.settled !== undefined && c.settled < c.reserved,
                `${api}: settled ${c.settled} of ${c.reserved}`,
            );
            assert.ok(c.settled > 0, "input and the output read are counted");
            assert.equal(lastLog().outcome, "clientGone");
        }
    });

    describe("hostile nesting", () => {
        /** A schema nested `n` objects deep, as JSON text (JSON.stringify itself cannot write one this deep). */
        const deep = (n: number) =>
            '{"type":"object","properties":{"x":'.repeat(n) + '{"type":"string"}' + "}}".repeat(n);
        /** The body with `$DEEP` in place of a deep value. */
        const withDeep = (body: unknown, n: number) => JSON.stringify(body).replace('"$DEEP"', deep(n));
        it(`refuses a body nested more than ${MAX_BODY_DEPTH} levels with a 400 naming the limit, before Bedrock, on every route`, async () => {
            const { handler, calls } = gateway();
            const chat = {
                model: SONNET_45,
                messages: [{ role: "user", content: "hi" }],
                tools: [{ type: "function", function: { name: "f", parameters: "$DEEP" } }],
            };
            const cases = [
                { path: "/v1/chat/completions", api: "openai", body: chat },
                {
                    path: "/v1/messages",
                    api: "anthropic",
                    body: {
                        model: SONNET_45,
                        max_tokens: 10,
                        messages: [{ role: "user", content: "hi" }],
                        metadata: "$DEEP",
                    },
                },
                {
                    path: "/v1/messages/count_tokens",
                    api: "anthropic",
                    body: { model: SONNET_45, messages: [{ role: "user", content: ["$DEEP"] }] },
                },
            ];
            for (const c of cases) {
                const out = responseStream();
                await handler(event(c.path, withDeep(c.body, 3000)), out.stream, {});
                const { prelude, body } = out.read();
                assert.equal(prelude.statusCode, 400, `${c.path}: ${body}`);
                const b = JSON.parse(body);
                if (c.api === "anthropic") assert.equal(b.type, "error");
                assert.equal(b.error.type, "invalid_request_error");
                assert.match(b.error.message, new RegExp(`more than ${MAX_BODY_DEPTH} levels`));
            }
            assert.equal(bedrock.requests.length, 0);
            assert.equal(calls.length, 0);
            // A real schema a few levels deep passes.
            bedrock.handler = () => converseAnswer("ok");
            const out = responseStream();
            await handler(event("/v1/chat/completions", withDeep(chat, 20)), out.stream, {});
            assert.equal(out.read().prelude.statusCode, 200, out.read().body);
        });
    });

    describe("fields Bedrock cannot honour", () => {
        const ask = async (path: string, extra: Record<string, unknown>, model = SONNET_45) => {
            const { handler } = gateway();
            const out = responseStream();
            await handler(
                event(path, {
                    model,
                    max_tokens: 10,
                    messages: [{ role: "user", content: "hi" }],
                    ...extra,
                }),
                out.stream,
                {},
            );
            const { prelude, body } = out.read();
            return { status: prelude.statusCode, body: JSON.parse(body) };
        };
        beforeEach(() => {
            bedrock.handler = req =>
                req.op === "invoke"
                    ? { json: { id: "m", type: "message", role: "assistant", content: [], usage: {} } }
                    : converseAnswer("ok");
        });

        it("refuses parallel_tool_calls: false and reasoning_effort by name (OpenAI)", async () => {
            const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
            const p = await ask("/v1/chat/completions", { tools, parallel_tool_calls: false });
            assert.equal(p.status, 400);
            assert.equal(p.body.error.param, "parallel_tool_calls");
            assert.match(p.body.error.message, /disable_parallel_tool_use/);
            assert.equal((await ask("/v1/chat/completions", { tools, parallel_tool_calls: true })).status, 200);
            const r = await ask("/v1/chat/completions", { reasoning_effort: "high" });
            assert.equal(r.status, 400);
            assert.equal(r.body.error.param, "reasoning_effort");
            assert.equal(bedrock.requests.length, 1, "only the accepted request reached Bedrock");
        });

        it("refuses temperature with top_p for models that take one of them, on both APIs, naming both", async () => {
            for (const path of ["/v1/chat/completions", "/v1/messages"]) {
                const both = await ask(path, { temperature: 0.5, top_p: 0.9 });
                assert.equal(both.status, 400, path);
                assert.match(both.body.error.message, /temperature and top_p/);
                assert.equal((await ask(path, { temperature: 0.5 })).status, 200, path);
                // Older models take the pair.
                assert.equal((await ask(path, { temperature: 0.5, top_p: 0.9 }, SONNET_4)).status, 200, path);
            }
        });
    });

    describe("what the official clients make of the deadline's answers", () => {
        let server: http.Server;
        let base = "";
        let requests = 0;
        let remaining: () => number = () => 600_000;
        /** Plays API Gateway in front of the handler: the prelude's status and headers, then the body as it comes. */
        const serve = (handler: ReturnType<typeof gateway>["handler"]) =>
            http.createServer((req, res) => {
                requests++;
                const body: Buffer[] = [];
                req.on("data", (c: Buffer) => body.push(c));
                req.on("end", () => {
                    let head: Buffer | undefined = Buffer.alloc(0);
                    const s = new Writable({
                        write(chunk: Buffer, _e, done) {
                            if (!head) res.write(chunk);
                            else {
                                head = Buffer.concat([head, chunk]);
                                const at = head.indexOf(Buffer.alloc(8));
                                if (at >= 0) {
                                    const p = JSON.parse(head.subarray(0, at).toString()) as {
                                        statusCode: number;
                                        headers: Record<string, string>;
                                    };
                                    res.writeHead(p.statusCode, p.headers);
                                    res.write(head.subarray(at + 8));
                                    head = undefined;
                                }
                            }
                            done();
                        },
                    });
                    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
                    void handler(
                        {
                            httpMethod: req.method,
                            path: req.url,
                            headers,
                            body: Buffer.concat(body).toString(),
                            requestContext: { requestId: "r", authorizer: { keyName: "app" } },
                        },
                        s,
                        { getRemainingTimeInMillis: () => remaining() },
                    ).then(() => res.end());
                });
            });
        before(async () => {
            server = serve(gateway().handler);
            await new Promise<void>(r => server.listen(0, "127.0.0.1", () => r()));
            base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        });
        after(async () => {
            await new Promise(r => server.close(r));
        });
        beforeEach(() => {
            requests = 0;
        });
        const openai = () => new OpenAI({ apiKey: "k", baseURL: `${base}/v1`, maxRetries: 2 });
        const anthropic = () => new Anthropic({ apiKey: "k", baseURL: base, maxRetries: 2 });

        it("a non-streamed answer past its limit: each SDK's BadRequestError, not retried", async () => {
            let release: (a: BedrockAnswer) => void = () => undefined;
            bedrock.handler = () => new Promise<BedrockAnswer>(r => (release = r));
            remaining = () => DEADLINE_RESERVE_MS;
            const messages = [{ role: "user" as const, content: "hi" }];
            await assert.rejects(
                openai().chat.completions.create({ model: SONNET_45, messages }),
                (e: unknown) => e instanceof OpenAI.BadRequestError && /stream: true/.test(e.message),
            );
            await assert.rejects(
                anthropic().messages.create({ model: SONNET_45, max_tokens: 10, messages }),
                (e: unknown) => e instanceof Anthropic.BadRequestError && /stream: true/.test(e.message),
            );
            assert.equal(requests, 2, "a 400 is not retried (a 5xx would be, twice, running into the limit again)");
            release(converseAnswer("late"));
        });

        it("a stream cut at the deadline: each SDK raises the error event while iterating", async () => {
            bedrock.handler = req => longStream(req.op === "invoke-stream" ? "anthropic" : "openai", 5);
            let reads = 0;
            remaining = () => (++reads > 4 ? DEADLINE_RESERVE_MS : 600_000);
            const messages = [{ role: "user" as const, content: "hi" }];
            let text = "";
            await assert.rejects(
                (async () => {
                    const s = await openai().chat.completions.create({ model: SONNET_45, messages, stream: true });
                    for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
                })(),
                (e: unknown) => e instanceof OpenAI.APIError && /time limit/.test(e.message),
            );
            assert.ok(text.startsWith("word "), "the text before the cut arrived");
            reads = 0;
            await assert.rejects(
                (async () => {
                    const s = await anthropic().messages.create({
                        model: SONNET_45,
                        max_tokens: 1000,
                        messages,
                        stream: true,
                    });
                    for await (const _ of s) void _;
                })(),
                (e: unknown) => e instanceof Anthropic.APIError && /time limit/.test(e.message),
            );
        });

        it("why no keepalive whitespace: after a 200, an error body reaches both SDKs as the answer, silently", async () => {
            // Whitespace before the JSON keeps the connection busy, but commits the status: a failure after it can only
            // be a JSON error body under 200, which the SDKs return as a completion / message instead of raising.
            const late = http.createServer((_q, res) => {
                res.writeHead(200, { "content-type": "application/json" });
                res.write("   \n   ");
                res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: "cut", code: null } }));
            });
            await new Promise<void>(r => late.listen(0, "127.0.0.1", () => r()));
            const url = `http://127.0.0.1:${(late.address() as AddressInfo).port}`;
            try {
                const messages = [{ role: "user" as const, content: "hi" }];
                const c = await new OpenAI({
                    apiKey: "k",
                    baseURL: `${url}/v1`,
                    maxRetries: 0,
                }).chat.completions.create({
                    model: "m",
                    messages,
                });
                assert.equal(c.choices, undefined, "no error raised: the caller gets an empty completion");
                const m = await new Anthropic({ apiKey: "k", baseURL: url, maxRetries: 0 }).messages.create({
                    model: "m",
                    max_tokens: 10,
                    messages,
                });
                assert.equal(m.content, undefined, "no error raised: the caller gets a message without content");
            } finally {
                await new Promise(r => late.close(r));
            }
        });
    });

    it("a Bedrock refusal before any output gives the whole reservation back", async () => {
        bedrock.handler = () => bedrockError("ValidationException", "bad");
        const { handler, calls } = gateway();
        const out = responseStream();
        await handler(
            event("/v1/messages", {
                model: SONNET_45,
                max_tokens: 10,
                stream: true,
                messages: [{ role: "user", content: "hi" }],
            }),
            out.stream,
            {},
        );
        assert.equal(out.read().prelude.statusCode, 400);
        assert.equal(calls[0].settled, 0);
    });
});
