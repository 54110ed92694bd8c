// Benchmark: the naive relay (one awaited publish per delta, reading stalls meanwhile) side by side with ours
// (first delta at once, then coalesced; one ordered publish in flight), against the same local fakes: fake STS,
// fake Bedrock Runtime streaming event-stream frames at a steady rate, fake AppSync Events with injected latency.
// Both use the same SigV4 sender with keep-alive (a plain requests.post opens a connection per call, so
// this flatters the naive relay). A second run injects publish faults (transient failures and one outage) into both.
// Printed, never asserted.
import { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { FakeBedrock, FakeSts, textStream } from "../emulation/fakes";
import { FakeAppSync } from "../emulation/fakeAppSync";
import { createAppSyncSender } from "../functions/chat/appsyncPublisher";
import { clientFor } from "../functions/invoker";
import { createStreamingChatHandler } from "../functions/chat/streamingChat";
import { lineChart, writeChart } from "./svg";
import { benchOptions, showSpread, spread } from "./options";

const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const ROLE = "arn:aws:iam::222222222222:role/bedrock-bridge-execution";
const SUB = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const PUBLISH_LATENCY_MS = 25;
/** ~70 deltas/s, a typical Claude Sonnet output rate over ConverseStream. */
const DELTA_INTERVAL_MS = 14;
const SCENARIOS = [
    { name: "short answer", deltas: 40 },
    { name: "long answer", deltas: 600 },
];
/** The publish-fault run: answers in a row, each publish failing with 429/500 at this rate, and one outage
 * (every publish 503) of OUTAGE_MS starting OUTAGE_AT_MS into each answer. */
const FAULT_RUN = { answers: 4, deltas: 200, failureRate: 0.2, outageAtMs: 300, outageMs: 2000 };

interface Measure {
    firstDeltaMs: number;
    tailMs: number;
    requests: number;
    totalMs: number;
    complete: boolean;
    /** For the chart: ms after the start at which the model sent each token, and at which each publish landed with the tokens delivered so far. */
    timeline: { tokens: [number, number][]; delivered: [number, number][] };
    /** Model deltas whose text never reached the subscriber. */
    lost: number;
    /** The subscriber got a done or error event. */
    terminal: boolean;
}

/** A small seeded PRNG (mulberry32), so both approaches meet the same failure rate run after run. */
function prng(seed: number): () => number {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function injectFaults(appsync: FakeAppSync, seed: number): void {
    const rnd = prng(seed);
    let first = 0;
    appsync.fail = () => {
        const at = Date.now() - (first ||= Date.now());
        if (at >= FAULT_RUN.outageAtMs && at < FAULT_RUN.outageAtMs + FAULT_RUN.outageMs) return 503;
        return rnd() < FAULT_RUN.failureRate ? (rnd() < 0.5 ? 429 : 500) : undefined;
    };
}

/** What a subscriber reconstructs: by seq without repeats when events carry one (ours), else arrival order (seed). */
function subscriberText(events: any[]): string {
    if (!events.length || events[0].seq === undefined) return events.map(e => e.message ?? "").join("");
    const bySeq = new Map<number, any>();
    for (const e of events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
    return [...bySeq.keys()]
        .sort((a, b) => a - b)
        .map(k => bySeq.get(k).message ?? "")
        .join("");
}

async function measure(
    deltas: number,
    relay: (appsync: FakeAppSync) => Promise<void>,
    faults?: (appsync: FakeAppSync) => void,
): Promise<Measure> {
    const sts = await new FakeSts().start();
    const bedrock = await new FakeBedrock().start();
    const appsync = await new FakeAppSync().start();
    appsync.latencyMs = PUBLISH_LATENCY_MS;
    const chunks = Array.from({ length: deltas }, (_, i) => `token${i} `);
    bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: DELTA_INTERVAL_MS }) });
    let lastToken = 0;
    const tokenTimes: number[] = [];
    bedrock.onEvent = (event, at) => {
        if (event === "contentBlockDelta") {
            lastToken = at;
            tokenTimes.push(at);
        }
    };
    Object.assign(process.env, {
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        APPSYNC_HTTP_ENDPOINT: appsync.url,
    });
    faults?.(appsync);
    const started = Date.now();
    try {
        await relay(appsync);
    } finally {
        await Promise.all([sts.stop(), bedrock.stop(), appsync.stop()]);
    }
    const withText = appsync.publishes.filter(p => p.events.some(e => "message" in JSON.parse(e)));
    const events = appsync.received();
    const text = subscriberText(events);
    const got = new Set(text.split(" "));
    return {
        firstDeltaMs: (withText[0]?.at ?? NaN) - started,
        tailMs: (appsync.publishes[appsync.publishes.length - 1]?.at ?? NaN) - lastToken,
        requests: appsync.requests,
        totalMs: Date.now() - started,
        complete: text === chunks.join(""),
        lost: chunks.filter(c => !got.has(c.trim())).length,
        terminal: events.some(e => e.type === "done" || e.type === "error"),
        timeline: {
            tokens: tokenTimes.map((at, i) => [at - started, i + 1]),
            delivered: deliveredOverTime(appsync.publishes, started),
        },
    };
}

/** Cumulative tokens delivered to the subscriber, one point per accepted publish. */
function deliveredOverTime(publishes: { at: number; events: string[] }[], started: number): [number, number][] {
    let n = 0;
    return publishes.map(p => {
        n += p.events.reduce(
            (k, e) => k + ((JSON.parse(e).message as string | undefined)?.match(/token\d+ /g)?.length ?? 0),
            0,
        );
        return [p.at - started, n] as [number, number];
    });
}

/** The naive relay: for each contentBlockDelta, POST one event and wait for the answer before reading on. Like its
 * requests.post(...).json(), an error status is not checked (that event is lost); a network error ends the answer. */
async function seedRelay(): Promise<void> {
    const target = { roleArn: ROLE, region: "ap-northeast-1", accountId: "222222222222", models: [MODEL] };
    const client = clientFor(target);
    const send = createAppSyncSender({
        endpoint: process.env.APPSYNC_HTTP_ENDPOINT!,
        region: "ap-northeast-1",
        credentials: async () => ({ accessKeyId: "AKIAFAKE", secretAccessKey: "x" }),
    });
    const out = await client.send(
        new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }),
    );
    for await (const ev of out.stream ?? []) {
        const text = ev.contentBlockDelta?.delta?.text;
        if (!text) continue;
        try {
            await send(`/bedrock-stream-response/${SUB}/s-1`, [JSON.stringify({ message: text })], 30_000);
        } catch (e) {
            if (!("status" in (e as object)) || (e as { status?: number }).status === undefined) throw e; // the seed's exit(1)
        }
    }
}

async function ourRelay(): Promise<string> {
    const handler = createStreamingChatHandler({
        ...process.env,
        BEDROCK_TARGETS: JSON.stringify([
            { roleArn: ROLE, region: "ap-northeast-1", accountId: "222222222222", models: [MODEL] },
        ]),
        CHAT_MODEL_ID: MODEL,
    });
    const log = console.log;
    console.log = () => undefined; // the handler's one summary line per request
    try {
        return (await handler({ body: { prompt: "q", sessionid: "s-1" }, sub: SUB, requestId: "bench" })).outcome;
    } finally {
        console.log = log;
    }
}

function timelineChart(s: { name: string; deltas: number }, seed: Measure, ours: Measure): string {
    const panel = (title: string, m: Measure) => ({
        title: `${title}: ${m.requests} publish requests, tail ${f(m.tailMs)} ms`,
        series: [
            { label: "tokens from the model", color: "#888888", points: m.timeline.tokens, step: true, dashed: true },
            {
                label: "tokens delivered (a dot per publish)",
                color: "#1f77b4",
                points: m.timeline.delivered,
                step: true,
                markers: true,
            },
        ],
    });
    return lineChart({
        title: `Relay timeline, ${s.name} (${s.deltas} deltas, ${PUBLISH_LATENCY_MS} ms publish latency)`,
        xLabel: "ms since the request",
        yLabel: "tokens (cumulative)",
        panels: [panel("one publish per delta", seed), panel("bedrock-bridge", ours)],
    });
}

/** Answers in a row under publish faults, the seed's loop and ours side by side. */
async function faultRun(): Promise<void> {
    const r = FAULT_RUN;
    console.log(
        `\npublish faults: ${r.answers} answers of ${r.deltas} deltas, ${r.failureRate * 100} % of publishes fail (429/500), and a ${r.outageMs / 1000} s outage (503) ${r.outageAtMs} ms into each answer`,
    );
    console.log(
        "approach | answers completed | events lost (deltas whose text never arrived) | terminal events | tail after last token ms (median / max) | publish requests",
    );
    const rows: [string, Measure[]][] = [];
    for (const [name, relay] of [
        [
            "naive",
            async () => {
                await seedRelay();
            },
        ],
        [
            "ours",
            async () => {
                const o = await ourRelay();
                if (o !== "done") console.warn(`relay ended with ${o}`);
            },
        ],
    ] as const) {
        const ms: Measure[] = [];
        for (let i = 0; i < r.answers; i++) ms.push(await measure(r.deltas, relay, a => injectFaults(a, 1000 + i)));
        rows.push([name, ms]);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const [name, ms] of rows) {
        const tails = ms.map(m => m.tailMs);
        console.log(
            `${name.padEnd(8)} | ${`${ms.filter(m => m.complete && (name === "naive" || m.terminal)).length}/${ms.length}`.padStart(17)} | ${`${ms.reduce((n, m) => n + m.lost, 0)} of ${r.answers * r.deltas}`.padStart(44)} | ${`${ms.filter(m => m.terminal).length}/${ms.length}`.padStart(15)} | ${`${f(median(tails))} / ${f(Math.max(...tails))}`.padStart(39)} | ${String(ms.reduce((n, m) => n + m.requests, 0)).padStart(16)}`,
        );
    }
    console.log("(the naive relay publishes no terminal event; its answer counts as completed when all text arrived)");
}

const f = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}` : "-");
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : "-");

export async function run(): Promise<void> {
    Object.assign(process.env, {
        AWS_REGION: "ap-northeast-1",
        AWS_ACCESS_KEY_ID: "AKIAFAKELAMBDAROLE01",
        AWS_SECRET_ACCESS_KEY: "fake",
        AWS_SESSION_TOKEN: "fake",
    });
    console.log(`streaming relay: publish latency ${PUBLISH_LATENCY_MS} ms, one delta every ${DELTA_INTERVAL_MS} ms`);
    const { repeats } = benchOptions();
    console.log(
        "scenario          | approach | first delta ms       | tail after last token ms | publish requests | total ms             | complete",
    );
    for (const s of SCENARIOS) {
        const runs: { naive: Measure[]; ours: Measure[] } = { naive: [], ours: [] };
        for (let i = 0; i < repeats; i++) {
            runs.naive.push(await measure(s.deltas, () => seedRelay()));
            runs.ours.push(
                await measure(s.deltas, async () => {
                    const o = await ourRelay();
                    if (o !== "done") throw new Error(`relay ended with ${o}`);
                }),
            );
        }
        const med = (ms: Measure[], k: "firstDeltaMs" | "tailMs" | "requests" | "totalMs") =>
            spread(ms.map(m => m[k])).median;
        for (const [name, ms] of Object.entries(runs)) {
            const col = (k: "firstDeltaMs" | "tailMs" | "requests" | "totalMs") => showSpread(ms.map(m => m[k]));
            console.log(
                `${`${s.name} (${s.deltas})`.padEnd(17)} | ${name.padEnd(8)} | ${col("firstDeltaMs").padStart(20)} | ${col("tailMs").padStart(24)} | ${col("requests").padStart(16)} | ${col("totalMs").padStart(20)} | ${ms.filter(m => m.complete).length}/${ms.length}`,
            );
        }
        const ratioOf = (k: "firstDeltaMs" | "tailMs" | "requests" | "totalMs") =>
            ratio(med(runs.naive, k), med(runs.ours, k));
        console.log(
            `${"".padEnd(17)} | ratio    | ${ratioOf("firstDeltaMs").padStart(20)} | ${ratioOf("tailMs").padStart(24)} | ${ratioOf("requests").padStart(16)} | ${ratioOf("totalMs").padStart(20)} | (of the medians)`,
        );
        if (s === SCENARIOS[SCENARIOS.length - 1])
            writeChart("relay-timeline.svg", timelineChart(s, runs.naive.at(-1)!, runs.ours.at(-1)!));
    }
    await faultRun();
}
