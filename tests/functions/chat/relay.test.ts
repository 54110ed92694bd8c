// The chat relay's serialized package (__index.js from the Function's code archive) in a fresh Node process:
// real SDK clients against fake STS and Bedrock Runtime (event-stream frames over HTTP/2) and a fake AppSync
// Events HTTP endpoint. Whatever happens, the subscriber sees seq 0..n in order, no duplicates, one terminal event.
import { strict as assert } from "assert";
import { bedrockError, codec, FakeBedrock, FakeSts, textStream, type StreamStep } from "../../../emulation/fakes";
import { FakeAppSync } from "../../../emulation/fakeAppSync";
import { startFakeEndpoints, stopFakeEndpoints } from "../../../emulation/fakeEndpoints";
import { requireShortTermBearer } from "../../support/bearer";
import { fakeAwsEnv } from "../../support/fakeAwsEnv";
import { functionEnv, packagedFunction, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { one, runBedrock, runCaller } from "../../support/stacks";
import { ResourceRecord } from "../../../tools/internal/mocks";

export const CHAT = { allowedOrigins: ["https://chat.example.com"], systemPrompt: "Answer briefly.", maxPriorTurns: 2 };
const SUB = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const SECRET_PROMPT = "my-private-question-about-salaries";

export { assertProtocol } from "../../support/chatProtocol";
import { assertProtocol } from "../../support/chatProtocol";
import { runUntil, until, withFakeClock } from "../../support/clock";

const text = (events: any[]) =>
    events
        .filter(e => e.type === "delta")
        .map(e => e.message)
        .join("");

/**
 * The subscriber of the delivery contract (at-least-once, ordered by seq): ignores a seq it has seen, after
 * checking the re-delivery is byte-identical, and orders by seq. Returns the events and how many were duplicates.
 */
export function reconstruct(
    raw: string[],
    requestId: string,
    terminal: "done" | "error",
): { events: any[]; duplicates: number; reordered: boolean } {
    const bySeq = new Map<number, string>();
    let duplicates = 0,
        reordered = false,
        highest = -1;
    for (const r of raw) {
        const seq = JSON.parse(r).seq;
        if (bySeq.has(seq)) {
            assert.equal(r, bySeq.get(seq), `seq ${seq} was re-delivered with different bytes`);
            duplicates++;
            continue;
        }
        if (seq < highest) reordered = true;
        highest = Math.max(highest, seq);
        bySeq.set(seq, r);
    }
    const events = [...bySeq.keys()].sort((a, b) => a - b).map(k => JSON.parse(bySeq.get(k)!));
    return { events: assertProtocol(events, requestId, terminal), duplicates, reordered };
}

/** Well-formed UTF-16: no lone surrogate (a character cut in half). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("chat relay Lambda package", function () {
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    let appsync: FakeAppSync;
    let fn: ResourceRecord;
    let dir: string;
    let bedrockRoleArn: string;

    before(async () => {
        ({ fn, dir, bedrockRoleArn } = await packagedFunction("chat-relay", { "bedrock-bridge:chat": CHAT }));
    });
    beforeEach(async () => {
        ({ sts, bedrock, appsync } = await startFakeEndpoints());
    });
    afterEach(() => stopFakeEndpoints({ sts, bedrock, appsync }));

    const env = (extra: Record<string, string> = {}) => ({
        ...functionEnv(fn),
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        APPSYNC_HTTP_ENDPOINT: appsync.url,
        ...extra,
    });
    /** The relay of a caller that pools two Bedrock stacks (accounts 222… then 333…). */
    const pooledRelay = async (label: string) => {
        const b1 = await runBedrock({ "aws:allowedAccountIds": ["222222222222"] }, `chat-${label}-1`);
        const b2 = await runBedrock({ "aws:allowedAccountIds": ["333333333333"] }, `chat-${label}-2`);
        const pooled = await runCaller(
            { [`chat-${label}-1`]: b1, [`chat-${label}-2`]: b2 },
            { "bedrock-bridge:bedrockStacks": [`chat-${label}-1`, `chat-${label}-2`], "bedrock-bridge:chat": CHAT },
        );
        const pfn = one(pooled, "aws:lambda/function:Function", "chat-relay");
        return { pfn, pdir: await unpackFunction(pfn, `chat-relay-${label}`) };
    };
    const event = (requestId: string, body: Record<string, unknown> = {}) => ({
        body: { prompt: SECRET_PROMPT, sessionid: "s-1", ...body },
        sub: SUB,
        requestId,
    });
    const channel = `/bedrock-stream-response/${SUB}/s-1`;

    it("relays a normal stream: first delta alone, the rest coalesced, done with stopReason and usage", async () => {
        const chunks = ["こんにちは", "、", "世界", "。", " Bedrock", " streams", " well."];
        bedrock.handler = () => ({
            stream: textStream(chunks, { delayMs: 5, usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 } }),
        });
        const r = await runLambda(dir, [{ events: [event("req-1")] }], env());
        const res = r.steps[0][0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.outcome, "done");
        const events = assertProtocol(appsync.received(channel), "req-1", "done");
        assert.equal(events[0].message, "こんにちは", "the first delta goes out on its own, at once");
        assert.equal(text(events), chunks.join(""));
        assert.ok(events.length < chunks.length + 1, "later deltas are coalesced");
        assert.deepEqual(events[events.length - 1], {
            type: "done",
            seq: events.length - 1,
            stopReason: "end_turn",
            usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 },
            requestId: "req-1",
        });
        // Published with the function's own credentials (SigV4, service appsync), Bedrock with the assumed role.
        assert.ok(
            appsync.publishes.every(
                p =>
                    p.signedBy.service === "appsync" &&
                    p.signedBy.accessKeyId === "AKIAFAKELAMBDAROLE01" &&
                    p.signedBy.region === "ap-northeast-1",
            ),
        );
        assert.match(String(bedrock.requests[0].signedBy.accessKeyId), /^ASIAFAKE222222222222/);
        assert.equal(sts.calls[0].roleArn, bedrockRoleArn);
        // Model, system prompt and the user's prompt as Bedrock saw them.
        const req = bedrock.requests[0];
        assert.equal(req.op, "converse-stream");
        assert.equal(req.modelId, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert.deepEqual(req.body.system, [{ text: "Answer briefly." }]);
        assert.deepEqual(req.body.messages, [{ role: "user", content: [{ text: SECRET_PROMPT }] }]);
        assert.deepEqual(
            req.body.inferenceConfig,
            { maxTokens: 4096 },
            "an explicit maxTokens (chat.maxTokens) on every call",
        );
        assert.ok(!(r.stdout + r.stderr).includes(SECRET_PROMPT), "the prompt must not be logged");
        assert.ok(!(r.stdout + r.stderr).includes("こんにちは"), "the answer must not be logged");
    });

    it("relays a long stream losslessly with few requests, at most 5 events each, over reused connections", async () => {
        const chunks = Array.from({ length: 600 }, (_, i) => `w${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 2 }) });
        appsync.latencyMs = 25;
        const r = await runLambda(dir, [{ events: [event("req-long")] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const events = assertProtocol(appsync.received(channel), "req-long", "done");
        assert.equal(text(events), chunks.join(""));
        assert.ok(
            appsync.requests <= chunks.length / 10,
            `${appsync.requests} publish requests for ${chunks.length} deltas`,
        );
        assert.ok(appsync.publishes.every(p => p.events.length <= 5));
        assert.ok(appsync.connections <= 2, `${appsync.connections} connections: keep-alive reuses them`);
    });

    it("retries 429 and 500 from AppSync without losing, duplicating or reordering events", async () => {
        const chunks = Array.from({ length: 120 }, (_, i) => `t${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 3 }) });
        appsync.latencyMs = 5;
        appsync.fail = n => (n % 3 === 1 ? 429 : n % 4 === 2 ? 500 : undefined);
        const r = await runLambda(dir, [{ events: [event("req-retry")] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        assert.equal(r.steps[0][0].value.outcome, "done");
        const events = assertProtocol(appsync.received(channel), "req-retry", "done");
        assert.equal(text(events), chunks.join(""));
        assert.ok(appsync.refused.some(x => x.status === 429) && appsync.refused.some(x => x.status === 500));
    });

    it("survives a 2 s storm of 429s in the middle of an answer: complete text, done, few large events", async () => {
        const chunks = Array.from({ length: 300 }, (_, i) => `s${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 5 }) });
        appsync.latencyMs = 5;
        let stormStart = 0;
        // From the third request on, every publish is refused with 429 for two seconds.
        appsync.fail = n => {
            if (n === 3) stormStart = Date.now();
            return stormStart && Date.now() - stormStart < 2000 ? 429 : undefined;
        };
        const r = await runLambda(dir, [{ events: [event("req-storm")] }], env());
        const res = r.steps[0][0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.outcome, "done");
        const events = assertProtocol(appsync.received(channel), "req-storm", "done");
        assert.equal(text(events), chunks.join(""));
        const refused = appsync.refused.filter(x => x.status === 429);
        assert.ok(refused.length >= 3, `${refused.length} refusals`);
        assert.ok(
            appsync.publishes.some(p => p.at < stormStart) && appsync.publishes.some(p => p.at - stormStart >= 2000),
            "text before the storm, the rest after it",
        );
        // Meanwhile the model kept being read and the text coalesced: a few large events, not one per delta.
        assert.ok(events.length <= 30, `${events.length} events for ${chunks.length} deltas`);
        assert.ok(appsync.publishes.every(p => p.events.length <= 5));
        assert.match(r.stdout + r.stderr, /"publishRetries":\d+/);
    });

    it("re-delivers byte-identical events after a reset that followed acceptance and after a reply slower than the timeout", async () => {
        const chunks = Array.from({ length: 120 }, (_, i) => `r${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 5 }) });
        appsync.fault = n => (n === 2 ? "resetAfterAccept" : n === 4 ? { replyDelayMs: 700 } : undefined);
        const r = await runLambda(dir, [{ events: [event("req-dup")] }], env({ CHAT_PUBLISH_TIMEOUT_MS: "300" }));
        assert.equal(r.steps[0][0].value.outcome, "done");
        assert.equal(appsync.faults.length, 2);
        const { events, duplicates } = reconstruct(appsync.receivedRaw(channel), "req-dup", "done");
        assert.ok(duplicates >= 2, `both faults caused a re-delivery (${duplicates} duplicates)`);
        assert.equal(text(events), chunks.join(""));
    });

    it("resends only what a partial failure refused; the reordering is undone by seq", async () => {
        const chunks = ["Every ", "word ", "counts, ", "in ", "order."];
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 40 }) });
        let refusedOnce = false;
        // The first request with several events (the last text and done) loses its first event.
        appsync.partial = (_n, evs) => (evs.length > 1 && !refusedOnce ? ((refusedOnce = true), [0]) : []);
        const r = await runLambda(dir, [{ events: [event("req-partial")] }], env());
        assert.equal(r.steps[0][0].value.outcome, "done");
        assert.ok(refusedOnce, "a request with several events was partly refused");
        const { events, reordered, duplicates } = reconstruct(appsync.receivedRaw(channel), "req-partial", "done");
        assert.ok(reordered, "the resent event arrived after a later one");
        assert.equal(duplicates, 0, "only the refused event was resent");
        assert.equal(text(events), chunks.join(""));
    });

    it("returns before the function's timeout and logs publishFailed when AppSync goes silent in its last seconds", async () => {
        const chunks = Array.from({ length: 600 }, (_, i) => `q${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 10 }) });
        let first = 0;
        appsync.fault = () => {
            first ||= Date.now();
            return Date.now() - first > 2500 ? "silent" : undefined;
        };
        const timeoutMs = 9000;
        const r = await runLambda(dir, [{ events: [event("req-silent")] }], env(), 60000, {
            functionTimeoutMs: timeoutMs,
        });
        const res = r.steps[0][0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.outcome, "publishFailed");
        // Lambda's own rule, on the clock the handler reads its remaining time from: not a guess at the machine's speed.
        assert.ok(res.ms < timeoutMs, `returned after ${res.ms} ms of a ${timeoutMs} ms timeout`);
        assert.ok(appsync.faults.length >= 2, "publishing kept trying while time allowed");
        const logs = r.stdout + r.stderr;
        assert.match(logs, /"outcome":"publishFailed"/);
        assert.ok(!logs.includes(SECRET_PROMPT));
        // What did arrive is still a gapless prefix: nothing out of order, nothing invented.
        const seen = appsync.received(channel);
        assert.deepEqual(
            seen.map(e => e.seq),
            seen.map((_, i) => i),
        );
        assert.ok(chunks.join("").startsWith(text(seen)));
    });

    it("ends with Timeout before the function's timeout when AssumeRole hangs", async () => {
        sts.latencyMs = 6000;
        const r = await runLambda(dir, [{ events: [event("req-sts-slow")] }], env(), 60000, {
            functionTimeoutMs: 7000,
        });
        const res = r.steps[0][0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.outcome, "error");
        assert.ok(res.ms < 7000, `returned after ${res.ms} ms of a 7000 ms timeout`); // Lambda's own rule, as above
        const events = assertProtocol(appsync.received(channel), "req-sts-slow", "error");
        assert.equal(events[0].code, "Timeout");
    });

    it("splits a multi-hundred-KB CJK delta into events of at most 240 KB, never inside a character", async () => {
        // 3-byte CJK, 4-byte emoji (surrogate pairs) and characters JSON escapes, about 450 KB in one delta.
        const unit = '日本語のテキストです。😀「引用」"\n';
        const big = unit.repeat(Math.ceil(450_000 / Buffer.byteLength(unit)));
        const chunks = ["前置き", big, "おわり"];
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 5 }) });
        const r = await runLambda(dir, [{ events: [event("req-cjk")] }], env());
        assert.equal(r.steps[0][0].value.outcome, "done");
        const raw = appsync.receivedRaw(channel);
        for (const e of raw) assert.ok(Buffer.byteLength(e) <= 240_000, `an event of ${Buffer.byteLength(e)} bytes`);
        const events = assertProtocol(
            raw.map(e => JSON.parse(e)),
            "req-cjk",
            "done",
        );
        assert.ok(events.length >= 3, "the big delta was split");
        assert.ok(
            events.every(e => e.type !== "delta" || wellFormed(e.message)),
            "no surrogate pair was cut",
        );
        assert.ok(appsync.maxBodyBytes <= 1_100_000, `a request of ${appsync.maxBodyBytes} bytes`);
        assert.equal(text(events), chunks.join(""));
        assert.ok(appsync.publishes.every(p => p.events.length <= 5));
    });

    it("ends with an error event after the deltas when Bedrock fails mid-stream", async () => {
        const steps: StreamStep[] = textStream(["Part one", " and two"], { delayMs: 5 }).slice(0, 5); // messageStart and both deltas
        steps.push({ delayMs: 5 }, { exception: "modelStreamErrorException", message: "The model stream failed." });
        bedrock.handler = () => ({ stream: steps });
        const r = await runLambda(dir, [{ events: [event("req-mid")] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const events = assertProtocol(appsync.received(channel), "req-mid", "error");
        assert.equal(text(events), "Part one and two");
        const last = events[events.length - 1];
        assert.equal(last.code, "ServiceUnavailable");
        assert.match(last.message, /temporarily unavailable/);
        assert.doesNotMatch(
            last.message,
            /arn:|\d{12}|ap-northeast-1/,
            "no ARNs, accounts or regions in the user's message",
        );
    });

    it("publishes one Throttled error event when Bedrock throttles at the start", async () => {
        bedrock.handler = () =>
            bedrockError("ThrottlingException", "Too many requests, please wait before trying again.");
        const r = await runLambda(dir, [{ events: [event("req-throttle")] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const events = assertProtocol(appsync.received(channel), "req-throttle", "error");
        assert.equal(events.length, 1);
        assert.equal(events[0].code, "Throttled");
        assert.match(events[0].message, /busy/);
        assert.match(r.stderr + r.stdout, /"code":"Throttled"/);
    });

    it("ends with an error event when the event stream is malformed", async () => {
        const good = codec.encode({
            headers: {
                ":event-type": { type: "string", value: "contentBlockDelta" },
                ":content-type": { type: "string", value: "application/json" },
                ":message-type": { type: "string", value: "event" },
            },
            body: Buffer.from(JSON.stringify({ contentBlockIndex: 0, delta: { text: "ok so far" } })),
        });
        const corrupt = Buffer.from(good);
        corrupt[corrupt.length - 1] ^= 0xff; // message CRC no longer matches
        bedrock.handler = () => ({
            stream: [
                { event: "messageStart", payload: { role: "assistant" } },
                { raw: good },
                { delayMs: 5 },
                { raw: corrupt },
            ],
        });
        const r = await runLambda(dir, [{ events: [event("req-bad")] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const events = assertProtocol(appsync.received(channel), "req-bad", "error");
        assert.equal(text(events), "ok so far");
        assert.ok(
            ["InternalError", "ServiceUnavailable"].includes(events[events.length - 1].code),
            events[events.length - 1].code,
        );
    });

    it("ends with an error event when the stream stops before messageStop", async () => {
        bedrock.handler = () => ({ stream: textStream(["cut"], {}).slice(0, 2) });
        const r = await runLambda(dir, [{ events: [event("req-cut")] }], env());
        const events = assertProtocol(appsync.received(channel), "req-cut", "error");
        assert.equal(events[events.length - 1].code, "InternalError");
        assert.equal(r.steps[0][0].value.outcome, "error");
    });

    it("stops cleanly and logs when publishing fails for good, without secrets or prompt text", async () => {
        // A 30 s answer: read to its end only if the relay failed to cancel it.
        const chunks = Array.from({ length: 6000 }, (_, i) => `x${i} `);
        bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: 5 }) });
        appsync.fail = () => 500;
        const r = await runLambda(dir, [{ events: [event("req-dead")] }], env({ CHAT_PUBLISH_ATTEMPTS: "3" }));
        const res = r.steps[0][0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.outcome, "publishFailed");
        assert.equal(appsync.publishes.length, 0);
        assert.equal(appsync.requests, 3, "bounded retries, then stop (no further publishes)");
        // Bedrock saw the stream closed before its end: the model was cut when publishing failed.
        await until(() => bedrock.cancelledStreams.length > 0);
        const c = bedrock.cancelledStreams[0];
        assert.ok(c.stepsSent < c.steps, `stopped reading the model early (${c.stepsSent} of ${c.steps} steps sent)`);
        const logs = r.stdout + r.stderr;
        assert.match(logs, /"outcome":"publishFailed"/);
        assert.ok(
            !logs.includes(SECRET_PROMPT) &&
                !logs.includes("fake-secret") &&
                !logs.includes("fake-lambda-secret") &&
                !logs.includes("fake-session-token"),
        );
    });

    describe("a dead publish endpoint (chat.publishOutageSeconds)", () => {
        const OUTAGE_S = 2;
        /** A 60 s answer: without the tolerance the relay would read (and pay for) all of it. */
        const longAnswer = () => Array.from({ length: 6000 }, (_, i) => `o${i} `);

        const expectGaveUp = (r: Awaited<ReturnType<typeof runLambda>>, requestId: string) => {
            const res = r.steps[0][0];
            assert.ok(res.ok, res.errorMessage);
            assert.equal(res.value.outcome, "publishFailed");
            // Why it ended (the outage tolerance, not the 60 s deadline) is in its log below; that it ended early, here:
            // Bedrock saw the client close the stream before it had sent the whole answer: generation stopped.
            assert.equal(bedrock.cancelledStreams.length, 1, "the model stream was cancelled");
            const c = bedrock.cancelledStreams[0];
            assert.ok(c.stepsSent < c.steps, `${c.stepsSent} of ${c.steps} steps sent`);
            const logs = r.stdout + r.stderr;
            assert.match(logs, /"outcome":"publishFailed"/);
            assert.match(logs, /"publishOutage":true/);
            assert.match(logs, /no publish succeeded for/);
            assert.ok(!logs.includes(SECRET_PROMPT));
            // Whatever arrived is a gapless prefix of the answer.
            const seen = appsync.received(channel).filter(e => e.requestId === requestId);
            assert.deepEqual(
                seen.map(e => e.seq),
                seen.map((_, i) => i),
            );
        };

        it("is configured by bedrock-bridge:chat.publishOutageSeconds (default 20 s)", () => {
            assert.equal(functionEnv(fn).CHAT_PUBLISH_OUTAGE_SECONDS, "20");
        });

        it("answering 503 to everything: gives up after the tolerance, cancels the model, tries the error event once more", async () => {
            bedrock.handler = () => ({ stream: textStream(longAnswer(), { delayMs: 10 }) });
            const bodies: { at: number; events: string[] }[] = [];
            appsync.fail = (n, body) => {
                bodies.push({ at: Date.now(), events: body.events });
                return n >= 3 ? 503 : undefined;
            };
            const r = await runLambda(
                dir,
                [{ events: [event("req-503")] }],
                env({ CHAT_PUBLISH_OUTAGE_SECONDS: String(OUTAGE_S) }),
            );
            expectGaveUp(r, "req-503");
            assert.ok(appsync.publishes.length >= 1, "text went out before the outage");
            const refused = appsync.refused.filter(x => x.status === 503);
            assert.ok(refused.length >= 3, `kept retrying during the tolerance (${refused.length} refusals)`);
            // The last request carried the terminal error event, right after the numbered deltas (gapless).
            const last = bodies[bodies.length - 1].events.map(e => JSON.parse(e));
            const err = last[last.length - 1];
            assert.equal(err.type, "error");
            assert.equal(err.code, "DeliveryFailed");
            assert.ok(last.slice(0, -1).every(e => e.type === "delta" && e.seq < err.seq));
            assert.match(r.stdout + r.stderr, /"lastTry":"failed"/);
            // Nothing was attempted after the last try.
            assert.equal(appsync.requests, bodies.length);
        });

        it("never answering: each attempt is cut to the tolerance, so the invocation still ends", async () => {
            bedrock.handler = () => ({ stream: textStream(longAnswer(), { delayMs: 10 }) });
            appsync.fault = n => (n >= 2 ? "silent" : undefined);
            const r = await runLambda(
                dir,
                [{ events: [event("req-silent-outage")] }],
                env({ CHAT_PUBLISH_OUTAGE_SECONDS: String(OUTAGE_S) }),
            );
            expectGaveUp(r, "req-silent-outage");
            assert.ok(appsync.faults.length >= 2, "the hanging endpoint was tried, then the last try");
        });

        it("refusing connections: gives up after the tolerance and cancels the model", async () => {
            bedrock.handler = () => ({ stream: textStream(longAnswer(), { delayMs: 10 }) });
            await appsync.refuseConnections();
            const r = await runLambda(
                dir,
                [{ events: [event("req-refused")] }],
                env({ CHAT_PUBLISH_OUTAGE_SECONDS: String(OUTAGE_S) }),
            );
            expectGaveUp(r, "req-refused");
            assert.match(r.stdout + r.stderr, /ECONNREFUSED/);
            assert.equal(appsync.requests, 0);
        });
    });

    it("checks its input again: a bad sub publishes nothing, a bad prompt gets one InvalidRequest event", async () => {
        const r = await runLambda(
            dir,
            [
                {
                    events: [
                        { body: { prompt: "x", sessionid: "s-1" }, sub: `${SUB}/../other`, requestId: "req-sub" },
                        { body: { prompt: "x", sessionid: "s/*" }, sub: SUB, requestId: "req-sess" },
                        // Channel segments follow AppSync's namespace rule: [A-Za-z0-9-], 1..50.
                        { body: { prompt: "x", sessionid: "s_1" }, sub: SUB, requestId: "req-underscore" },
                        { body: { prompt: "x", sessionid: "s".repeat(51) }, sub: SUB, requestId: "req-long-session" },
                        { body: { prompt: "x", sessionid: "s-1" }, sub: "a".repeat(51), requestId: "req-long-sub" },
                        event("req-empty", { prompt: "   " }),
                        event("req-history", { history: [{ role: "assistant", content: "hi" }] }),
                    ],
                },
            ],
            env(),
        );
        assert.deepEqual(
            r.steps[0].map(x => x.value.outcome),
            ["rejected", "rejected", "rejected", "rejected", "rejected", "error", "error"],
        );
        const events = appsync.received(channel);
        assert.deepEqual(
            events.map(e => [e.requestId, e.seq, e.type, e.code]),
            [
                ["req-empty", 0, "error", "InvalidRequest"],
                ["req-history", 0, "error", "InvalidRequest"],
            ],
        );
        assert.equal(appsync.publishes.length, 2);
        assert.equal(bedrock.requests.length, 0);
    });

    it("moves to the next Bedrock account when the first throttles at the start, and stays there", async () => {
        const { pfn, pdir } = await pooledRelay("pool");
        bedrock.handler = req =>
            String(req.signedBy.accessKeyId).startsWith("ASIAFAKE222222222222")
                ? bedrockError("ThrottlingException", "Too many requests, please wait before trying again.")
                : { stream: textStream(["served", " by the second account"]) };
        const r = await runLambda(pdir, [{ events: [event("req-pool-1"), event("req-pool-2")] }], {
            ...functionEnv(pfn),
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
            APPSYNC_HTTP_ENDPOINT: appsync.url,
        });
        assert.deepEqual(
            r.steps[0].map(x => x.value.outcome),
            ["done", "done"],
        );
        for (const id of ["req-pool-1", "req-pool-2"]) {
            const events = assertProtocol(
                appsync.received(channel).filter(e => e.requestId === id),
                id,
                "done",
            );
            assert.equal(text(events), "served by the second account");
        }
        // One throttled attempt on the first account, then sticky on the second.
        assert.deepEqual(
            bedrock.requests.map(q => String(q.signedBy.accessKeyId).slice(8, 20)),
            ["222222222222", "333333333333", "333333333333"],
        );
        assert.match(r.stdout + r.stderr, /bedrock-failover/);
    });

    it("streams from the next Bedrock account when the first one's AssumeRole is denied", async () => {
        const { pfn, pdir } = await pooledRelay("denied");
        const first = JSON.parse(pfn.inputs.environment.variables.BEDROCK_TARGETS)[0].roleArn;
        sts.deny.add(first);
        bedrock.handler = () => ({ stream: textStream(["served", " anyway"]) });
        const r = await runLambda(pdir, [{ events: [event("req-denied-1"), event("req-denied-2")] }], {
            ...functionEnv(pfn),
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
            APPSYNC_HTTP_ENDPOINT: appsync.url,
        });
        assert.deepEqual(
            r.steps[0].map(x => x.value.outcome),
            ["done", "done"],
        );
        for (const id of ["req-denied-1", "req-denied-2"])
            assert.equal(
                text(
                    assertProtocol(
                        appsync.received(channel).filter(e => e.requestId === id),
                        id,
                        "done",
                    ),
                ),
                "served anyway",
            );
        assert.deepEqual(
            bedrock.requests.map(q => String(q.signedBy.accessKeyId).slice(8, 20)),
            ["333333333333", "333333333333"],
        );
        assert.equal(
            sts.calls.filter(c => c.roleArn === first).length,
            1,
            "the refusing role is not asked again while it cools down",
        );
        assert.match(r.stdout + r.stderr, new RegExp(`bedrock-assume-role-denied.*${first.replace(/[/.]/g, "\\$&")}`));
    });

    it("never switches accounts once text has reached the user: a mid-stream throttle ends in an error event", async () => {
        const { pfn, pdir } = await pooledRelay("midstream");
        bedrock.handler = () => ({
            stream: [
                { event: "messageStart", payload: { role: "assistant" } },
                { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "Half an" } } },
                { delayMs: 30 },
                { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: " answer" } } },
                { exception: "throttlingException", message: "Too many tokens, please wait before trying again." },
            ],
        });
        const r = await runLambda(pdir, [{ events: [event("req-mid")] }], {
            ...functionEnv(pfn),
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
            APPSYNC_HTTP_ENDPOINT: appsync.url,
        });
        assert.equal(r.steps[0][0].value.outcome, "error");
        const events = assertProtocol(
            appsync.received(channel).filter(e => e.requestId === "req-mid"),
            "req-mid",
            "error",
        );
        assert.equal(text(events), "Half an answer");
        assert.equal(events[events.length - 1].code, "Throttled");
        assert.equal(bedrock.requests.length, 1, "no second account was asked to start the answer again");
        assert.deepEqual(
            sts.calls.map(c => /iam::(\d{12})/.exec(c.roleArn)![1]),
            ["222222222222"],
        );
    });

    it("sends prior turns within the configured bound", async () => {
        bedrock.handler = () => ({ stream: textStream(["fine"]) });
        const history = [
            { role: "user", content: "first" },
            { role: "assistant", content: "answer" },
        ];
        const r = await runLambda(
            dir,
            [
                {
                    events: [
                        event("req-hist", { history }),
                        event("req-toolong", { history: [...history, ...history, ...history] }),
                    ],
                },
            ],
            env(),
        );
        assert.equal(r.steps[0][0].value.outcome, "done");
        assert.equal(r.steps[0][1].value.outcome, "error");
        assert.deepEqual(
            bedrock.requests[0].body.messages.map((m: any) => m.role),
            ["user", "assistant", "user"],
        );
        assert.equal(bedrock.requests.length, 1);
    });
});

describe("relay core and AppSync publisher (in process)", () => {
    const { createRelay } = require("../../../functions/chat/relay") as typeof import("../../../functions/chat/relay");
    const { createAppSyncSender } =
        require("../../../functions/chat/appsyncPublisher") as typeof import("../../../functions/chat/appsyncPublisher");
    const { deliver } =
        require("../../../functions/chat/delivery") as typeof import("../../../functions/chat/delivery");
    /** The sender behind the relay's delivery loop, for one fixed batch. */
    const createAppSyncPublisher = (o: {
        endpoint: string;
        region: string;
        credentials: typeof creds;
        baseDelayMs?: number;
        maxAttempts?: number;
    }) => {
        const send = createAppSyncSender(o);
        return async (channel: string, events: string[]) =>
            deliver([...events], {
                send: (evs, t) => send(channel, evs, t),
                deadline: () => Date.now() + 10_000,
                baseDelayMs: o.baseDelayMs,
                maxAttempts: o.maxAttempts,
            });
    };
    const creds = async () => ({ accessKeyId: "AKIAFAKELAMBDAROLE01", secretAccessKey: "s" });

    it("never blocks the stream on a slow publish: one publish in flight, at most 5 events, in order", async () => {
        let inFlight = 0,
            maxInFlight = 0;
        const batches: string[][] = [];
        // The first publish does not answer until the test says so: the deltas must not wait for it.
        let answerFirst!: () => void;
        const firstAnswered = new Promise<void>(res => (answerFirst = res));
        const relay = createRelay({
            requestId: "r",
            windowMs: 5,
            firstWindowMs: 5,
            maxBytes: 3,
            publish: async events => {
                maxInFlight = Math.max(maxInFlight, ++inFlight);
                batches.push(events);
                if (batches.length === 1) await firstAnswered;
                inFlight--;
            },
        });
        // Each delta fills the size bound; delta() is synchronous, so every call has returned when the loop ends.
        for (let i = 0; i < 60; i++) relay.delta(`abc${i}`);
        await new Promise(res => setImmediate(res));
        assert.equal(batches.length, 1, "one publish started, and the other deltas wait in the buffer, not in calls");
        assert.equal(inFlight, 1, "the first publish has not answered, yet all 60 deltas were taken");
        answerFirst();
        const stats = await relay.done("end_turn", { outputTokens: 60 });
        assert.equal(maxInFlight, 1);
        assert.ok(batches.every(b => b.length <= 5));
        const events = assertProtocol(
            batches.flat().map(e => JSON.parse(e)),
            "r",
            "done",
        );
        assert.equal(text(events), Array.from({ length: 60 }, (_, i) => `abc${i}`).join(""));
        assert.equal(stats.events, events.length);
    });

    it("after a permanent publish failure: onFailure once, nothing more is sent, later calls are ignored", async () => {
        let calls = 0,
            failures = 0;
        const relay = createRelay({
            requestId: "r",
            publish: async () => {
                calls++;
                throw new Error("gone");
            },
            onFailure: () => failures++,
        });
        relay.delta("a");
        const stats = await relay.finished;
        relay.delta("b");
        await relay.done("end_turn", null);
        assert.equal(stats.ok, false);
        assert.equal(failures, 1);
        assert.equal(calls, 1);
        assert.equal(relay.failed, true);
    });

    it("cuts the model stream before the function's deadline and still ends with one Timeout event", async () => {
        const { createStreamingChatHandler } =
            require("../../../functions/chat/streamingChat") as typeof import("../../../functions/chat/streamingChat");
        const sts = await new FakeSts().start();
        const bedrock = await new FakeBedrock().start();
        const saved = { ...process.env };
        const quiet = [console.log, console.error];
        try {
            // A minute of stream (20 ms a chunk), far longer than the 0.6 s before the reserve: the deadline cuts it.
            bedrock.handler = () => ({
                stream: textStream(
                    Array.from({ length: 3000 }, (_, i) => `x${i} `),
                    { delayMs: 20 },
                ),
            });
            Object.assign(process.env, fakeAwsEnv(sts, bedrock));
            const published: string[] = [];
            const model = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
            const handler = createStreamingChatHandler(
                {
                    BEDROCK_TARGETS: JSON.stringify([
                        {
                            roleArn: "arn:aws:iam::222222222222:role/x",
                            region: "ap-northeast-1",
                            accountId: "222222222222",
                            models: [model],
                        },
                    ]),
                    CHAT_MODEL_ID: model,
                },
                {
                    publish: async (_ch, events) => {
                        published.push(...events);
                        return { requests: 1 };
                    },
                },
            );
            console.log = console.error = () => undefined;
            // 5.6 s left with 5 s kept back: the stream is cut after about 0.6 s.
            const res = await handler(
                { body: { prompt: "q", sessionid: "s-1" }, sub: SUB, requestId: "req-deadline" },
                { getRemainingTimeInMillis: () => 5600 },
            );
            [console.log, console.error] = quiet;
            assert.equal(res.outcome, "error");
            // Bedrock saw the stream closed before its end: the model was cut, not read to the end.
            await until(() => bedrock.cancelledStreams.length > 0);
            assert.ok(bedrock.cancelledStreams[0].stepsSent < bedrock.cancelledStreams[0].steps);
            const events = assertProtocol(
                published.map(e => JSON.parse(e)),
                "req-deadline",
                "error",
            );
            assert.equal(events[events.length - 1].code, "Timeout");
            assert.ok(text(events).startsWith("x0 x1 "), JSON.stringify(text(events).slice(0, 100)));
        } finally {
            [console.log, console.error] = quiet;
            for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
            Object.assign(process.env, saved);
            await sts.stop();
            await bedrock.stop();
        }
    });

    it("cuts text by its JSON-escaped UTF-8 size, never inside a surrogate pair", () => {
        const { cutForBytes, jsonStringBytes } =
            require("../../../functions/chat/utf8") as typeof import("../../../functions/chat/utf8");
        for (const t of ["abc", "日本語", "😀x", '"\\\n\u0001', "a\u2028b", "\ud800lone"])
            assert.equal(jsonStringBytes(t), Buffer.byteLength(JSON.stringify(t)) - 2, t);
        assert.equal(cutForBytes("ab😀c", 5), 2, "a 4-byte pair that does not fit stays whole for the next piece");
        assert.equal(cutForBytes("ab😀c", 6), 4);
        assert.equal(cutForBytes("日本語", 7), 2);
        assert.equal(cutForBytes("😀", 1), 2, "at least one whole character, so cutting always progresses");
    });

    it("outage: a short storm is ridden out, an endpoint down for outageMs ends with one last try of the error event", () =>
        // The fake clock: storm, tolerance and retries are times, and the machine's speed must not decide them.
        withFakeClock(async clock => {
            // A storm shorter than the tolerance: complete, done.
            let stormUntil = 0;
            const stormy = createRelay({
                requestId: "r",
                outageMs: 600,
                baseDelayMs: 5,
                maxDelayMs: 50,
                publish: async () => {
                    stormUntil ||= Date.now() + 300;
                    if (Date.now() < stormUntil) throw Object.assign(new Error("503"), { retryable: true });
                },
            });
            stormy.delta("a");
            stormy.delta("b");
            const ok = await runUntil(clock, stormy.done("end_turn", null));
            assert.equal(ok.ok, true);
            assert.equal(ok.terminal, "done");
            assert.ok(Date.now() >= 300, "the storm was ridden out, not missed");

            // Down for longer: onFailure (the handler cancels the model) once, then each request tried once more, and
            // it gets through here: the subscriber sees the numbered deltas and a DeliveryFailed error, gapless.
            const sent: string[] = [];
            let failures = 0;
            const t0 = Date.now();
            const relay: ReturnType<typeof createRelay> = createRelay({
                requestId: "r",
                outageMs: 400,
                firstWindowMs: 5,
                windowMs: 5,
                baseDelayMs: 5,
                maxDelayMs: 20,
                publish: async events => {
                    if (events.length && sent.length && !relay.failed)
                        throw Object.assign(new Error("503"), { retryable: true });
                    sent.push(...events);
                },
                onFailure: () => failures++,
            });
            const feed = setInterval(() => relay.delta("x"), 5);
            const stats = await runUntil(clock, relay.finished);
            clearInterval(feed);
            assert.equal(stats.ok, false);
            assert.equal(failures, 1);
            assert.ok((stats.error as { outage?: boolean }).outage, String(stats.error));
            assert.deepEqual(stats.outage, { lastTry: "delivered" });
            // In fake time: the tolerance and one last try (3 s at most), not the 60 s default deadline.
            assert.ok(Date.now() - t0 <= 400 + 3000, `${Date.now() - t0} ms`);
            const events = assertProtocol(
                sent.map(e => JSON.parse(e)),
                "r",
                "error",
            );
            assert.equal(events[events.length - 1].code, "DeliveryFailed");
            assert.ok(events.length >= 2);
        }));

    it("keeps a reserve for the terminal event: no delta attempt started before it runs into it", () =>
        // The fake clock: each attempt's start and length are exact, whatever the machine's load.
        withFakeClock(async clock => {
            const starts: { at: number; timeoutMs: number; terminal: boolean }[] = [];
            const t0 = Date.now();
            // An endpoint that never answers: every attempt lasts its whole timeout.
            const relay = createRelay({
                requestId: "r",
                endBy: t0 + 1500,
                terminalReserveMs: 600,
                requestTimeoutMs: 5000,
                baseDelayMs: 1,
                maxDelayMs: 5,
                publish: async (events, timeoutMs) => {
                    starts.push({
                        at: Date.now() - t0,
                        timeoutMs,
                        terminal: events.some(e => JSON.parse(e).type !== "delta"),
                    });
                    await new Promise(r => setTimeout(r, timeoutMs));
                    throw Object.assign(new Error("no answer"), { retryable: true });
                },
            });
            relay.delta("first");
            setTimeout(() => void relay.error("Timeout", "cut"), 950); // as the handler does when the reserve begins
            const stats = await runUntil(clock, relay.finished);
            assert.equal(stats.ok, false);
            assert.ok(Date.now() - t0 <= 1500, `gave up by endBy (${Date.now() - t0} ms)`);
            assert.ok(starts.some(x => x.at < 900) && starts.some(x => x.at >= 900), JSON.stringify(starts));
            for (const s of starts.filter(x => x.at < 900))
                assert.ok(
                    s.at + s.timeoutMs <= 900,
                    `an attempt at ${s.at} ms with ${s.timeoutMs} ms ran into the reserve`,
                );
            assert.ok(
                starts.some(x => x.terminal && x.at >= 900),
                "the terminal event was tried within the reserve",
            );
        }));

    it("publisher: resends only the events AppSync reported as failed, so none is lost or duplicated", async () => {
        const appsync = await new FakeAppSync().start();
        try {
            appsync.partial = n => (n === 1 ? [1, 3] : []);
            const publish = createAppSyncPublisher({
                endpoint: appsync.url,
                region: "ap-northeast-1",
                credentials: creds,
                baseDelayMs: 1,
            });
            const events = [0, 1, 2, 3, 4].map(seq =>
                JSON.stringify({ type: "delta", seq, message: `m${seq}`, requestId: "r" }),
            );
            const out = await publish("/ns/a/b", events);
            assert.equal(out.requests, 2);
            const seqs = appsync.received().map(e => e.seq);
            assert.deepEqual([...seqs].sort(), [0, 1, 2, 3, 4]);
            assert.deepEqual(seqs, [0, 2, 4, 1, 3], "a client orders by seq");
        } finally {
            await appsync.stop();
        }
    });

    it("publisher: does not retry a 4xx other than 429, and gives up after maxAttempts on 5xx", async () => {
        const appsync = await new FakeAppSync().start();
        try {
            const publish = createAppSyncPublisher({
                endpoint: appsync.url,
                region: "ap-northeast-1",
                credentials: creds,
                baseDelayMs: 1,
                maxAttempts: 4,
            });
            appsync.fail = () => 403;
            await assert.rejects(
                publish("/ns/a/b", ["{}"]),
                (e: any) => e.name === "PublishFailed" && e.status === 403 && e.attempts === 1,
            );
            assert.equal(appsync.requests, 1);
            appsync.fail = () => 503;
            await assert.rejects(publish("/ns/a/b", ["{}"]), (e: any) => e.status === 503 && e.attempts === 4);
            assert.equal(appsync.requests, 5);
        } finally {
            await appsync.stop();
        }
    });
});

describe("chat relay Lambda package with bedrock-bridge:auth shortTermKey", function () {
    let fn: ResourceRecord;
    let dir: string;

    before(async () => {
        ({ fn, dir } = await packagedFunction(
            "chat-relay",
            { "bedrock-bridge:chat": CHAT, "bedrock-bridge:auth": "shortTermKey" },
            "chat-relay-bearer",
        ));
    });

    it("streams with a short-term key made from the assumed role, and still publishes with SigV4", async () => {
        assert.equal(fn.inputs.environment.variables.BEDROCK_AUTH, "shortTermKey");
        const sts = await new FakeSts().start();
        const bedrock = await new FakeBedrock().start();
        const appsync = await new FakeAppSync().start();
        try {
            bedrock.handler = requireShortTermBearer(() => ({ stream: textStream(["short", "-term"]) }));
            const env = {
                ...functionEnv(fn),
                AWS_ENDPOINT_URL_STS: sts.url,
                AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
                APPSYNC_HTTP_ENDPOINT: appsync.url,
            };
            const r = await runLambda(
                dir,
                [{ events: [{ body: { prompt: "hello there", sessionid: "s-9" }, sub: SUB, requestId: "req-b" }] }],
                env,
            );
            assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
            const events = assertProtocol(appsync.received(`/bedrock-stream-response/${SUB}/s-9`), "req-b", "done");
            assert.equal(text(events), "short-term");
            assert.equal(sts.calls.length, 1);
            assert.ok(appsync.publishes.every(p => p.signedBy.service === "appsync"));
            assert.ok(!(r.stdout + r.stderr).includes("bedrock-api-key-"), "the key is never logged");
        } finally {
            await sts.stop();
            await bedrock.stop();
            await appsync.stop();
        }
    });
});
