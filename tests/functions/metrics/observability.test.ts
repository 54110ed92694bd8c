// Metrics and request metadata of the serialized relay and invoker packages, run in a fresh process against the
// local fakes: the EMF records on stdout are valid (tests/support/emf.ts, written from CloudWatch's spec), name
// only the catalog's metrics and dimension sets, carry the values of what happened (a normal answer, a throttle
// with failover, a publish failure), and no log line holds the prompt or the answer. The fake Bedrock refuses
// requestMetadata outside Bedrock's limits, and the tests read what each call carried.
import { strict as assert } from "assert";
import { emittedMetrics, REQUEST_METADATA_LIMITS } from "../../../functions/metrics/metricCatalog";
import {
    bedrockError,
    converseAnswer,
    FakeBedrock,
    FakeSts,
    requestMetadataProblem,
    textStream,
} from "../../../emulation/fakes";
import { FakeAppSync } from "../../../emulation/fakeAppSync";
import { startFakeEndpoints, stopFakeEndpoints } from "../../../emulation/fakeEndpoints";
import { EmfMetric, emfMetrics, total } from "../../support/emf";
import { functionEnv, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { one, runBedrock, runCaller } from "../../support/stacks";
import { Interpreter } from "../../../emulation/stepFunctions";
import { runGoverned, runTenantCaller } from "../../support/governance";
import { ResourceRecord } from "../../../tools/internal/mocks";

const CHAT = { allowedOrigins: ["https://chat.example.com"] };
const SUB = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const PROMPT = "confidential-question-about-the-merger";
const ANSWER = ["The merger", " closes in", " March."];
const [FIRST, SECOND] = ["222222222222", "333333333333"];

/** The caller stack pooling two Bedrock stacks (FIRST, then SECOND); the named function unpacked. */
async function pooled(fnName: string, label: string): Promise<{ fn: ResourceRecord; dir: string }> {
    const b1 = await runBedrock({ "aws:allowedAccountIds": [FIRST] }, `obs-${label}-1`);
    const b2 = await runBedrock({ "aws:allowedAccountIds": [SECOND] }, `obs-${label}-2`);
    const caller = await runCaller(
        { [`obs-${label}-1`]: b1, [`obs-${label}-2`]: b2 },
        { "bedrock-bridge:bedrockStacks": [`obs-${label}-1`, `obs-${label}-2`], "bedrock-bridge:chat": CHAT },
    );
    const fn = one(caller, "aws:lambda/function:Function", fnName);
    return { fn, dir: await unpackFunction(fn, `${fnName}-${label}`) };
}

/** The output's EMF metrics, each checked against the catalog; and no prompt or answer text anywhere in it. */
function metricsOf(r: { stdout: string; stderr: string }): EmfMetric[] {
    const out = r.stdout + r.stderr;
    assert.ok(!out.includes(PROMPT), "the prompt is not logged");
    for (const piece of ANSWER) assert.ok(!out.includes(piece.trim()), `the answer ("${piece.trim()}") is not logged`);
    const metrics = emfMetrics(r.stdout.split("\n"));
    assert.ok(metrics.length > 0, "the package wrote EMF records");
    const emitted = emittedMetrics();
    for (const m of metrics) {
        assert.equal(m.namespace, "BedrockBridge");
        for (const set of m.dimensionSets) {
            const keys = Object.keys(set).sort().join();
            assert.ok(
                emitted.some(e => e.name === m.name && e.dimensions.slice().sort().join() === keys),
                `${m.name} [${keys}] is not in functions/metrics/metricCatalog.ts`,
            );
        }
    }
    return metrics;
}

const member = (service: string, account: string) => ({ service, model: MODEL, member: account });

function assertMetadata(md: Record<string, string>, expected: Record<string, string>): void {
    assert.deepEqual(md, expected);
    assert.equal(requestMetadataProblem(md), undefined, "within Bedrock's limits");
    assert.ok(Object.keys(md).length <= REQUEST_METADATA_LIMITS.maxPairs);
}

describe("observability of the serialized packages (EMF metrics, requestMetadata)", function () {
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    let appsync: FakeAppSync;
    let relay: { fn: ResourceRecord; dir: string };
    let invoker: { fn: ResourceRecord; dir: string };

    before(async () => {
        relay = await pooled("chat-relay", "relay");
        invoker = await pooled("invoker", "invoker");
    });
    beforeEach(async () => {
        ({ sts, bedrock, appsync } = await startFakeEndpoints());
    });
    afterEach(() => stopFakeEndpoints({ sts, bedrock, appsync }));
    const env = (fn: ResourceRecord) => ({
        ...functionEnv(fn),
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        APPSYNC_HTTP_ENDPOINT: appsync.url,
    });
    const chatEvent = (requestId: string) => ({ body: { prompt: PROMPT, sessionid: "s-1" }, sub: SUB, requestId });
    const byAccount = (req: { signedBy: { accessKeyId?: string } }) => String(req.signedBy.accessKeyId).slice(8, 20);

    it("relay, a normal answer: outcome done, first delta and tail timed, publishes counted, tokens on the member that served", async () => {
        bedrock.handler = () => ({
            stream: textStream(ANSWER, { delayMs: 5, usage: { inputTokens: 21, outputTokens: 9, totalTokens: 30 } }),
        });
        const r = await runLambda(relay.dir, [{ events: [chatEvent("req-normal")] }], env(relay.fn));
        assert.equal(r.steps[0][0].value?.outcome, "done", r.steps[0][0].errorMessage);
        const m = metricsOf(r);
        assert.equal(total(m, "RelayRequests", { service: "relay", outcome: "done" }), 1);
        assert.equal(total(m, "InputTokens", member("relay", FIRST)), 21);
        assert.equal(total(m, "OutputTokens", member("relay", FIRST)), 9);
        assert.equal(total(m, "OutputTokens", { service: "relay" }), 9, "and in the roll-up");
        const first = total(m, "TimeToFirstDelta", member("relay", FIRST));
        // A duration within this invocation (not a timestamp, not a guess at the machine's speed).
        assert.ok(first > 0 && first <= r.steps[0][0].ms, `time to first delta ${first} ms`);
        assert.ok(total(m, "TailAfterLastToken", { service: "relay" }) >= 0);
        assert.equal(
            total(m, "PublishRequests", { service: "relay" }),
            appsync.requests,
            "one per request AppSync saw",
        );
        assert.deepEqual(
            ["PublishRetries", "EventsResent", "PoolFailovers", "BedrockThrottles", "Errors"].map(n =>
                total(m, n, { service: "relay" }),
            ),
            [0, 0, 0, 0, 0],
        );
        assertMetadata(bedrock.requests[0].body.requestMetadata, {
            bb_caller: "relay",
            bb_account: "111111111111",
            bb_tenant: "-",
            bb_user: SUB,
        });
    });

    it("relay, throttled on the first member: a failover and a throttle there, the answer and its tokens from the second", async () => {
        bedrock.handler = req =>
            byAccount(req) === FIRST
                ? bedrockError("ThrottlingException", "Too many requests, please wait before trying again.")
                : { stream: textStream(ANSWER, { usage: { inputTokens: 21, outputTokens: 9, totalTokens: 30 } }) };
        const r = await runLambda(relay.dir, [{ events: [chatEvent("req-failover")] }], env(relay.fn));
        assert.equal(r.steps[0][0].value?.outcome, "done");
        const m = metricsOf(r);
        assert.equal(total(m, "PoolFailovers", member("relay", FIRST)), 1);
        assert.equal(total(m, "BedrockThrottles", member("relay", FIRST)), 1);
        assert.equal(total(m, "BedrockThrottles", member("relay", SECOND)), 0);
        assert.equal(total(m, "OutputTokens", member("relay", SECOND)), 9);
        assert.ok(total(m, "TimeToFirstDelta", member("relay", SECOND)) > 0);
        assert.equal(total(m, "RelayRequests", { service: "relay", outcome: "done" }), 1);
        assert.deepEqual(bedrock.requests.map(byAccount), [FIRST, SECOND]);
        for (const q of bedrock.requests)
            assert.equal(q.body.requestMetadata["bb_user"], SUB, "both attempts carry the metadata");
    });

    it("relay, AppSync refusing every publish: outcome publishFailed, no time to first delta, the error logged without text", async () => {
        bedrock.handler = () => ({ stream: textStream(ANSWER, { delayMs: 5 }) });
        appsync.fail = () => 403;
        const r = await runLambda(relay.dir, [{ events: [chatEvent("req-pubfail")] }], env(relay.fn));
        assert.equal(r.steps[0][0].value?.outcome, "publishFailed");
        const m = metricsOf(r);
        assert.equal(total(m, "RelayRequests", { service: "relay", outcome: "publishFailed" }), 1);
        assert.equal(total(m, "RelayRequests", { service: "relay", outcome: "done" }), 0);
        assert.ok(!m.some(x => x.name === "TimeToFirstDelta"), "nothing reached the subscriber");
        assert.ok(total(m, "PublishRequests", { service: "relay" }) >= 1);
        assert.match(r.stdout, /"outcome":"publishFailed"/, "the summary log line says so too");
    });

    it("relay, AppSync failing some requests: retries and re-sent events counted, the answer complete", async () => {
        bedrock.handler = () => ({
            stream: textStream(
                Array.from({ length: 40 }, (_, i) => `part${i} `),
                { delayMs: 3 },
            ),
        });
        appsync.latencyMs = 5;
        // Requests 2 and 3 (the second batch and its first resend) exist however the text is coalesced; a fourth
        // request did not always exist on a loaded machine.
        appsync.fail = n => (n === 2 || n === 3 ? 500 : undefined);
        const r = await runLambda(relay.dir, [{ events: [chatEvent("req-retry")] }], env(relay.fn));
        assert.equal(r.steps[0][0].value?.outcome, "done");
        const m = metricsOf(r);
        assert.equal(total(m, "PublishRetries", { service: "relay" }), 2);
        assert.ok(
            total(m, "EventsResent", { service: "relay" }) >= 2,
            "the events of both failed requests went out again",
        );
        assert.equal(total(m, "PublishRequests", { service: "relay" }), appsync.requests);
    });

    it("invoker, a normal answer and one after a throttle: latency, failover and throttle per member, tokens, metadata", async () => {
        let calls = 0;
        bedrock.handler = req =>
            byAccount(req) === FIRST && calls++ === 1
                ? bedrockError("ThrottlingException", "Too many requests, please wait before trying again.")
                : converseAnswer(ANSWER.join(""), { inputTokens: 5, outputTokens: 6, totalTokens: 11 });
        const r = await runLambda(invoker.dir, [{ events: [{ prompt: PROMPT }, { prompt: PROMPT }] }], env(invoker.fn));
        assert.deepEqual(
            r.steps[0].map(x => x.ok),
            [true, true],
            r.steps[0].map(x => x.errorMessage).join(),
        );
        const m = metricsOf(r);
        assert.equal(total(m, "InvokerRequests", { service: "invoker", outcome: "ok" }), 2);
        assert.ok(total(m, "Latency", { service: "invoker" }) > 0);
        assert.ok(
            total(m, "Latency", member("invoker", FIRST)) > 0 && total(m, "Latency", member("invoker", SECOND)) > 0,
            "each answer's latency under the member that gave it",
        );
        assert.equal(total(m, "PoolFailovers", member("invoker", FIRST)), 1);
        assert.equal(total(m, "BedrockThrottles", member("invoker", FIRST)), 1);
        assert.equal(total(m, "OutputTokens", member("invoker", FIRST)), 6);
        assert.equal(total(m, "OutputTokens", member("invoker", SECOND)), 6);
        for (const q of bedrock.requests)
            assertMetadata(q.body.requestMetadata, {
                bb_caller: "invoker",
                bb_account: "111111111111",
                bb_tenant: "-",
            });
    });

    it("invoker, every member throttled: AllThrottled and Errors{code}, the caller gets AllThrottled", async () => {
        bedrock.handler = () =>
            bedrockError("ThrottlingException", "Too many requests, please wait before trying again.");
        const r = await runLambda(invoker.dir, [{ events: [{ prompt: PROMPT }] }], env(invoker.fn));
        assert.equal(r.steps[0][0].errorType, "AllThrottled");
        const m = metricsOf(r);
        assert.equal(total(m, "AllThrottled", { service: "invoker", model: MODEL }), 1);
        assert.equal(total(m, "AllThrottled", { service: "invoker" }), 1, "the roll-up the alarm watches");
        assert.equal(total(m, "Errors", { service: "invoker", code: "AllThrottled" }), 1);
        assert.equal(total(m, "BedrockThrottles", { service: "invoker" }), 2);
        assert.equal(total(m, "InvokerRequests", { service: "invoker", outcome: "error" }), 1);
    });
});

describe("requestMetadata names the tenant of a governed caller", () => {
    it("invoker of tenant support: bb_tenant support, the profile ARN as the model, metrics by the plain model id", async () => {
        const caller = await runTenantCaller(await runGoverned(), "support", {}, "caller-obs-tenant");
        const fn = one(caller, "aws:lambda/function:Function", "invoker");
        const dir = await unpackFunction(fn, "invoker-tenant");
        const sts = await new FakeSts().start();
        const bedrock = await new FakeBedrock().start();
        try {
            bedrock.handler = () => converseAnswer("ok", { inputTokens: 3, outputTokens: 4, totalTokens: 7 });
            const r = await runLambda(dir, [{ events: [{ prompt: PROMPT }] }], {
                ...functionEnv(fn),
                AWS_ENDPOINT_URL_STS: sts.url,
                AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
            });
            assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
            assert.match(bedrock.requests[0].modelId, /:application-inference-profile\//);
            assertMetadata(bedrock.requests[0].body.requestMetadata, {
                bb_caller: "invoker",
                bb_account: "111111111111",
                bb_tenant: "support",
            });
            assert.equal(
                total(metricsOf(r), "OutputTokens", { service: "invoker", model: MODEL, member: "222222222222" }),
                4,
                "the model dimension stays the id users know",
            );
        } finally {
            await Promise.all([sts.stop(), bedrock.stop()]);
        }
    });
});

describe("the state machine's Converse calls carry requestMetadata too", () => {
    it("names the state machine and the caller account, within Bedrock's limits", async () => {
        const caller = await runCaller(await runBedrock());
        const definition = JSON.parse(one(caller, "aws:sfn/stateMachine:StateMachine").inputs.definition);
        const run = await new Interpreter(definition).run({ message: PROMPT }, async () => ({
            Output: { Message: { Role: "assistant", Content: [{ Text: "ok" }] } },
            StopReason: "end_turn",
            Usage: { InputTokens: 1, OutputTokens: 1, TotalTokens: 2 },
            Metrics: { LatencyMs: 5 },
        }));
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assertMetadata(run.calls[0].arguments.RequestMetadata, {
            bb_caller: "stateMachine",
            bb_account: "111111111111",
            bb_tenant: "-",
        });
    });
});

describe("the fake Bedrock holds requests to Bedrock's requestMetadata limits", () => {
    it("refuses too many pairs, long or odd keys and values", () => {
        assert.equal(requestMetadataProblem({ a: "b" }), undefined);
        assert.match(
            String(requestMetadataProblem(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])))),
            /at most 16/,
        );
        assert.match(String(requestMetadataProblem({ ["k".repeat(257)]: "v" })), /key/);
        assert.match(String(requestMetadataProblem({ k: "v".repeat(257) })), /value of k/);
        assert.match(String(requestMetadataProblem({ k: "日本" })), /value of k/);
        assert.match(String(requestMetadataProblem({ "k*": "v" })), /key/);
    });
});
