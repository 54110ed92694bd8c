// Benchmark: seed 003's relay (one awaited publish per delta, reading stalls meanwhile) side by side with ours
// (first delta at once, then coalesced; one ordered publish in flight), against the same local fakes: fake STS,
// fake Bedrock Runtime streaming event-stream frames at a steady rate, fake AppSync Events with injected latency.
// Both use the same SigV4 publisher with keep-alive (the seed's requests.post opens a connection per call, so
// this flatters the seed). Printed, never asserted.
import { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { FakeBedrock, FakeSts, textStream } from "../tests/support/fakes";
import { FakeAppSync } from "../tests/support/fakeAppSync";
import { createAppSyncPublisher } from "../functions/appsyncPublisher";
import { clientFor } from "../functions/invoker";
import { createStreamingChatHandler } from "../functions/streamingChat";
import { lineChart, writeChart } from "./svg";

const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const ROLE = "arn:aws:iam::222222222222:role/bedrock-bridge-execution";
const SUB = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const PUBLISH_LATENCY_MS = 25;
/** ~70 deltas/s, a typical Claude Sonnet output rate over ConverseStream. */
const DELTA_INTERVAL_MS = 14;
const SCENARIOS = [{ name: "short answer", deltas: 40 }, { name: "long answer", deltas: 600 }];

interface Measure {
    firstDeltaMs: number;
    tailMs: number;
    requests: number;
    totalMs: number;
    complete: boolean;
    /** For the chart: ms after the start at which the model sent each token, and at which each publish landed with the tokens delivered so far. */
    timeline: { tokens: [number, number][]; delivered: [number, number][] };
}

async function measure(deltas: number, relay: (appsync: FakeAppSync) => Promise<void>): Promise<Measure> {
    const sts = await new FakeSts().start();
    const bedrock = await new FakeBedrock().start();
    const appsync = await new FakeAppSync().start();
    appsync.latencyMs = PUBLISH_LATENCY_MS;
    const chunks = Array.from({ length: deltas }, (_, i) => `token${i} `);
    bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: DELTA_INTERVAL_MS }) });
    let lastToken = 0;
    const tokenTimes: number[] = [];
    bedrock.onEvent = (event, at) => { if (event === "contentBlockDelta") { lastToken = at; tokenTimes.push(at); } };
    Object.assign(process.env, { AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url, APPSYNC_HTTP_ENDPOINT: appsync.url });
    const started = Date.now();
    try {
        await relay(appsync);
    } finally {
        await Promise.all([sts.stop(), bedrock.stop(), appsync.stop()]);
    }
    const withText = appsync.publishes.filter(p => p.events.some(e => "message" in JSON.parse(e)));
    const text = appsync.received().map(e => e.message ?? "").join("");
    return {
        firstDeltaMs: (withText[0]?.at ?? NaN) - started,
        tailMs: appsync.publishes[appsync.publishes.length - 1].at - lastToken,
        requests: appsync.requests,
        totalMs: Date.now() - started,
        complete: text === chunks.join(""),
        timeline: { tokens: tokenTimes.map((at, i) => [at - started, i + 1]), delivered: deliveredOverTime(appsync.publishes, started) },
    };
}

/** Cumulative tokens delivered to the subscriber, one point per accepted publish. */
function deliveredOverTime(publishes: { at: number; events: string[] }[], started: number): [number, number][] {
    let n = 0;
    return publishes.map(p => {
        n += p.events.reduce((k, e) => k + ((JSON.parse(e).message as string | undefined)?.match(/token\d+ /g)?.length ?? 0), 0);
        return [p.at - started, n] as [number, number];
    });
}

/** Seed 003: for each contentBlockDelta, POST one event and wait for the answer before reading on. */
async function seedRelay(): Promise<void> {
    const target = { roleArn: ROLE, region: "ap-northeast-1", accountId: "222222222222", models: [MODEL] };
    const client = clientFor(target);
    const publish = createAppSyncPublisher({ endpoint: process.env.APPSYNC_HTTP_ENDPOINT!, region: "ap-northeast-1", credentials: async () => ({ accessKeyId: "AKIAFAKE", secretAccessKey: "x" }) });
    const out = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }));
    for await (const ev of out.stream ?? []) {
        const text = ev.contentBlockDelta?.delta?.text;
        if (text) await publish(`/bedrock-stream-response/${SUB}/s-1`, [JSON.stringify({ message: text })]);
    }
}

async function ourRelay(): Promise<void> {
    const handler = createStreamingChatHandler({
        ...process.env,
        BEDROCK_TARGETS: JSON.stringify([{ roleArn: ROLE, region: "ap-northeast-1", accountId: "222222222222", models: [MODEL] }]),
        CHAT_MODEL_ID: MODEL,
    });
    const log = console.log;
    console.log = () => undefined; // the handler's one summary line per request
    try {
        const r = await handler({ body: { prompt: "q", sessionid: "s-1" }, sub: SUB, requestId: "bench" });
        if (r.outcome !== "done") throw new Error(`relay ended with ${r.outcome}`);
    } finally {
        console.log = log;
    }
}

function timelineChart(s: { name: string; deltas: number }, seed: Measure, ours: Measure): string {
    const panel = (title: string, m: Measure) => ({
        title: `${title}: ${m.requests} publish requests, tail ${f(m.tailMs)} ms`,
        series: [
            { label: "tokens from the model", color: "#888888", points: m.timeline.tokens, step: true, dashed: true },
            { label: "tokens delivered (a dot per publish)", color: "#1f77b4", points: m.timeline.delivered, step: true, markers: true },
        ],
    });
    return lineChart({
        title: `Relay timeline, ${s.name} (${s.deltas} deltas, ${PUBLISH_LATENCY_MS} ms publish latency)`,
        xLabel: "ms since the request", yLabel: "tokens (cumulative)",
        panels: [panel("seed 003", seed), panel("bedrock-bridge", ours)],
    });
}

const f = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}` : "-");
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : "-");

export async function run(): Promise<void> {
    Object.assign(process.env, { AWS_REGION: "ap-northeast-1", AWS_ACCESS_KEY_ID: "AKIAFAKELAMBDAROLE01", AWS_SECRET_ACCESS_KEY: "fake", AWS_SESSION_TOKEN: "fake" });
    console.log(`streaming relay: publish latency ${PUBLISH_LATENCY_MS} ms, one delta every ${DELTA_INTERVAL_MS} ms`);
    console.log("scenario          | approach | first delta ms | tail after last token ms | publish requests | total ms | complete");
    for (const s of SCENARIOS) {
        const seed = await measure(s.deltas, () => seedRelay());
        const ours = await measure(s.deltas, () => ourRelay());
        for (const [name, m] of [["seed", seed], ["ours", ours]] as const) {
            console.log(`${`${s.name} (${s.deltas})`.padEnd(17)} | ${name.padEnd(8)} | ${f(m.firstDeltaMs).padStart(14)} | ${f(m.tailMs).padStart(24)} | ${String(m.requests).padStart(16)} | ${f(m.totalMs).padStart(8)} | ${m.complete}`);
        }
        console.log(`${"".padEnd(17)} | ratio    | ${ratio(seed.firstDeltaMs, ours.firstDeltaMs).padStart(14)} | ${ratio(seed.tailMs, ours.tailMs).padStart(24)} | ${ratio(seed.requests, ours.requests).padStart(16)} | ${ratio(seed.totalMs, ours.totalMs).padStart(8)} |`);
        if (s === SCENARIOS[SCENARIOS.length - 1]) writeChart("relay-timeline.svg", timelineChart(s, seed, ours));
    }
}
