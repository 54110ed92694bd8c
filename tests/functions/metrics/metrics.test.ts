// The metrics recorder (Powertools Metrics underneath) in process: records are valid EMF, use only names and
// dimension sets of the catalog, group values correctly; and the requestMetadata builder keeps Bedrock's limits.
import { strict as assert } from "assert";
import { Writable } from "stream";
import { Console } from "console";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { createMetricsRecorder } from "../../../functions/metrics";
import {
    emittedMetrics,
    METRICS_NAMESPACE,
    REQUEST_METADATA,
    REQUEST_METADATA_LIMITS,
} from "../../../functions/metrics/metricCatalog";
import { requestMetadata } from "../../../functions/bedrock/requestMetadata";
import { recordInvoker, recordRelay } from "../../../functions/metrics/requestMetrics";
import { checkEmfRecord, emfMetrics, total } from "../../support/emf";

function capture(service: "relay" | "invoker") {
    const lines: string[] = [];
    const sink = new Writable({
        write(chunk, _enc, cb) {
            lines.push(...String(chunk).split("\n").filter(Boolean));
            cb();
        },
    });
    // Enabled whatever the environment says (the benchmark and in-process tests switch Powertools off).
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
    if (saved !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = saved;
    (metrics as any).console = new Console({ stdout: sink, stderr: sink });
    return { recorder: createMetricsRecorder(service, metrics), lines };
}

describe("metrics recorder (EMF through Powertools)", () => {
    it("writes one valid record per dimension combination, with the catalog's sets", () => {
        const { recorder, lines } = capture("relay");
        const member = { model: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", member: "222222222222" };
        recorder.add("timeToFirstDelta", 64, member);
        recorder.add("inputTokens", 12, member);
        recorder.add("outputTokens", 7, member);
        recorder.add("bedrockThrottles", 1, { model: member.model, member: "333333333333" });
        recorder.add("tailAfterLastToken", 31);
        recorder.add("relayRequests", 1, { outcome: "done" });
        recorder.add("allThrottled", 1, { model: member.model });
        recorder.add("errors", 1, { code: "Throttled" });
        recorder.flush();
        const metrics = emfMetrics(lines);
        assert.equal(lines.length, 6, "member 222…, member 333…, roll-up only, outcome, model only, code");
        const emitted = emittedMetrics();
        for (const m of metrics) {
            assert.equal(m.namespace, "BedrockBridge");
            for (const set of m.dimensionSets) {
                const keys = Object.keys(set).sort().join();
                assert.ok(
                    emitted.some(e => e.name === m.name && e.dimensions.slice().sort().join() === keys),
                    `${m.name} [${keys}] is in the catalog`,
                );
                assert.equal(set.service, "relay");
            }
        }
        assert.equal(total(metrics, "TimeToFirstDelta", { service: "relay" }), 64, "roll-up");
        assert.equal(total(metrics, "TimeToFirstDelta", { service: "relay", ...member }), 64, "by member");
        assert.equal(
            total(metrics, "BedrockThrottles", { service: "relay", model: member.model, member: "333333333333" }),
            1,
        );
        assert.equal(total(metrics, "AllThrottled", { service: "relay", model: member.model }), 1);
        assert.equal(total(metrics, "RelayRequests", { service: "relay", outcome: "done" }), 1);
        assert.equal(total(metrics, "RelayRequests", { service: "relay" }), 0, "outcome has no roll-up set");
        assert.equal(total(metrics, "Errors", { service: "relay", code: "Throttled" }), 1);
        assert.equal(metrics.find(m => m.name === "TimeToFirstDelta")!.unit, "Milliseconds");
        recorder.flush();
        assert.equal(lines.length, 6, "a flush with nothing buffered writes nothing");
    });

    it("sums repeated values of one metric in one record and drops sets whose dimension is unknown", () => {
        const { recorder, lines } = capture("invoker");
        recorder.add("poolFailovers", 1, { model: "m", member: "222222222222" });
        recorder.add("poolFailovers", 1, { model: "m", member: "222222222222" });
        recorder.add("latency", 120);
        recorder.add("latency", NaN);
        recorder.flush();
        const metrics = emfMetrics(lines);
        assert.equal(total(metrics, "PoolFailovers", { service: "invoker", model: "m", member: "222222222222" }), 2);
        assert.equal(total(metrics, "Latency", { service: "invoker" }), 120);
        assert.ok(
            !metrics.some(m => m.name === "Latency" && m.dimensionSets.some(s => "member" in s)),
            "no member set without a member",
        );
    });

    it("the EMF check rejects what CloudWatch would not extract", () => {
        const good = {
            _aws: {
                Timestamp: Date.now(),
                CloudWatchMetrics: [
                    { Namespace: "N", Dimensions: [["service"]], Metrics: [{ Name: "X", Unit: "Count" }] },
                ],
            },
            service: "relay",
            X: 1,
        };
        assert.equal(checkEmfRecord(good).length, 1);
        assert.throws(() => checkEmfRecord({ ...good, X: "1" }), /no numeric value/);
        assert.throws(() => checkEmfRecord({ ...good, service: undefined }), /dimension service has no string value/);
        assert.throws(
            () => checkEmfRecord({ ...good, _aws: { ...good._aws, Timestamp: 1700000000 } }),
            /epoch milliseconds/,
        );
        assert.throws(
            () =>
                checkEmfRecord({
                    ...good,
                    _aws: {
                        ...good._aws,
                        CloudWatchMetrics: [
                            { ...good._aws.CloudWatchMetrics[0], Metrics: [{ Name: "X", Unit: "Tokens" }] },
                        ],
                    },
                }),
            /not a CloudWatch unit/,
        );
    });
});

describe("request metrics: what one relay or invoker request records", () => {
    const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
    it("a relayed answer after a throttle on the first member: failover and throttle there, tokens and first delta on the second", () => {
        const { recorder, lines } = capture("relay");
        recordRelay(recorder, {
            modelId: MODEL,
            servedBy: { accountId: "333333333333" },
            failovers: [{ accountId: "222222222222", error: "ThrottlingException" }],
            usage: { inputTokens: 12, outputTokens: 40 },
            outcome: "done",
            firstDeltaMs: 70,
            tailMs: 28,
            publishRequests: 6,
            publishRetries: 1,
            eventsResent: 2,
        });
        const m = emfMetrics(lines);
        const on = (member: string) => ({ service: "relay", model: MODEL, member });
        assert.equal(total(m, "PoolFailovers", on("222222222222")), 1);
        assert.equal(total(m, "BedrockThrottles", on("222222222222")), 1);
        assert.equal(total(m, "BedrockThrottles", { service: "relay" }), 1);
        assert.equal(total(m, "OutputTokens", on("333333333333")), 40);
        assert.equal(total(m, "InputTokens", { service: "relay" }), 12);
        assert.equal(total(m, "TimeToFirstDelta", on("333333333333")), 70);
        assert.deepEqual(
            ["TailAfterLastToken", "PublishRequests", "PublishRetries", "EventsResent"].map(n =>
                total(m, n, { service: "relay" }),
            ),
            [28, 6, 1, 2],
        );
        assert.equal(total(m, "RelayRequests", { service: "relay", outcome: "done" }), 1);
        assert.equal(total(m, "Errors", { service: "relay" }), 0);
    });

    it("an invoker request refused by every member: AllThrottled and Errors{code}, no tokens, latency roll-up only", () => {
        const { recorder, lines } = capture("invoker");
        recordInvoker(recorder, {
            modelId: MODEL,
            errorCode: "AllThrottled",
            failovers: [
                { accountId: "222222222222", error: "ThrottlingException" },
                { accountId: "333333333333", error: "AssumeRoleDenied" },
            ],
            latencyMs: 15,
        });
        const m = emfMetrics(lines);
        assert.equal(total(m, "AllThrottled", { service: "invoker", model: MODEL }), 1);
        assert.equal(total(m, "Errors", { service: "invoker", code: "AllThrottled" }), 1);
        assert.equal(total(m, "PoolFailovers", { service: "invoker" }), 2);
        assert.equal(
            total(m, "BedrockThrottles", { service: "invoker" }),
            1,
            "a refused AssumeRole is a failover, not a throttle",
        );
        assert.equal(total(m, "InvokerRequests", { service: "invoker", outcome: "error" }), 1);
        assert.equal(total(m, "Latency", { service: "invoker" }), 15);
        assert.ok(!m.some(x => x.name === "InputTokens"));
    });
});

describe("requestMetadata", () => {
    it("names function, caller account, tenant and user within Bedrock's limits", () => {
        const md = requestMetadata({
            caller: "relay",
            account: "111111111111",
            tenant: "team-a",
            user: "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
        });
        assert.deepEqual(md, {
            [REQUEST_METADATA.caller]: "relay",
            [REQUEST_METADATA.account]: "111111111111",
            [REQUEST_METADATA.tenant]: "team-a",
            [REQUEST_METADATA.user]: "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
        });
        assert.deepEqual(requestMetadata({ caller: "invoker", account: "111111111111" }), {
            bb_caller: "invoker",
            bb_account: "111111111111",
            bb_tenant: "-",
        });
    });

    it("replaces characters Bedrock refuses and cuts values at 256, so a call never fails over its metadata", () => {
        const md = requestMetadata({
            caller: "relay",
            account: "111111111111",
            tenant: "équipe#1,β",
            user: "x".repeat(300),
        });
        for (const [k, v] of Object.entries(md)) {
            assert.ok(
                k.length >= 1 &&
                    k.length <= REQUEST_METADATA_LIMITS.maxKeyLength &&
                    REQUEST_METADATA_LIMITS.pattern.test(k),
                k,
            );
            assert.ok(
                v.length <= REQUEST_METADATA_LIMITS.maxValueLength && /^[a-zA-Z0-9\s._:/=+$@-]*$/.test(v),
                `${k}=${v}`,
            );
        }
        assert.equal(md["bb_tenant"], "_quipe_1__");
        assert.equal(md["bb_user"].length, 256);
        assert.ok(Object.keys(md).length <= REQUEST_METADATA_LIMITS.maxPairs);
    });
});
