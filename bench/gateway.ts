// Benchmark: what the gateway adds to a streamed answer. The same fake Bedrock answers (a) a direct ConverseStream
// call with the AWS SDK, as a workload with its own role makes it, and (b) an OpenAI-style streaming request with
// the official `openai` client through the gateway function (functions/gateway/handler.ts, in this process behind a
// loopback HTTP server that reads its streamed output as API Gateway does), once for a key without token limits and
// once for a key with both (the limiter on dynalite through the real DynamoDB client). Time to first token and
// total time, p50 and p95, at a few concurrency levels; the limiter's DynamoDB round trips per request.
// Not in it: API Gateway, the authorizer (its answer is cached by API Gateway) and Lambda's invoke, which are AWS's
// own latency and cannot be measured locally. Printed, never asserted.
import * as http from "http";
import { performance } from "perf_hooks";
import OpenAI from "openai";
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { LocalDynamo } from "../emulation/dynamo";
import { FakeBedrock, FakeSts, listenLoopback, textStream, withBody } from "../emulation/fakes";
import { createGatewayHandler, type GatewayEvent } from "../functions/gateway/handler";
import { createLimiter } from "../functions/gateway/limiter";
import type { ResponseStream } from "../functions/gateway/responseStream";
import { benchOptions, spread } from "./options";

const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const REGION = "ap-northeast-1";
const ROLE = "arn:aws:iam::222222222222:role/bedrock-bridge-execution";
const TABLE = "bedrock-bridge-gateway-bench";
const LEVELS = [1, 4, 16];
/** Requests per path, concurrency level and repeat. */
const REQUESTS = 100;
/** The fake model's answer: CHUNKS deltas, DELTA_MS apart (the first one too): a short, fast answer, so the
 * gateway's own cost is not hidden behind the model's. */
const CHUNKS = 10;
const DELTA_MS = 1;
/** The goal of issue 21: at most this much added to time to first token at p50. */
const GOAL_MS = 5;
/** Limits so high they never refuse: the limiter does all its round trips but the bench measures no 429s. */
const LIMITED_KEY = { tokensPerMinute: 1e12, tokensPerDay: 1e12 };

type PathName = "direct" | "gateway" | "gateway+limits";
const PATHS: PathName[] = ["direct", "gateway", "gateway+limits"];

interface Sample {
    ttftMs: number;
    totalMs: number;
}

/** Nearest-rank percentile (a measured value). */
export function percentile(values: number[], p: number): number {
    if (!values.length) return NaN;
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Lambda's responseStream as API Gateway reads it: metadata JSON, 8 null bytes, then the body as it comes. */
function apiGatewayStream(res: http.ServerResponse): ResponseStream {
    let head: Buffer | undefined = Buffer.alloc(0);
    return {
        write(chunk) {
            const b = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk);
            if (!head) return res.write(b);
            head = Buffer.concat([head, b]);
            const at = head.indexOf(Buffer.alloc(8));
            if (at < 0) return true;
            const prelude = JSON.parse(head.subarray(0, at).toString("utf8")) as {
                statusCode: number;
                headers?: Record<string, string>;
            };
            const rest = head.subarray(at + 8);
            head = undefined;
            res.writeHead(prelude.statusCode, prelude.headers);
            res.flushHeaders();
            return rest.length ? res.write(rest) : true;
        },
        end: () => res.end(),
        once: (event, listener) => res.once(event, listener),
        get destroyed() {
            return res.destroyed;
        },
        get writableEnded() {
            return res.writableEnded;
        },
    };
}

/** `REQUESTS` calls, `concurrency` at a time. */
async function load(concurrency: number, call: () => Promise<Sample>): Promise<Sample[]> {
    const out: Sample[] = [];
    let next = 0;
    await Promise.all(
        Array.from({ length: concurrency }, async () => {
            while (next++ < REQUESTS) out.push(await call());
        }),
    );
    return out;
}

const ms1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
/** "median (min–max)" over the repeats, one decimal. */
const show = (xs: number[]) => {
    const s = spread(xs);
    return ms1(s.min) === ms1(s.max) ? ms1(s.median) : `${ms1(s.median)} (${ms1(s.min)}–${ms1(s.max)})`;
};

export async function run(): Promise<void> {
    const sts = await new FakeSts().start();
    const bedrock = await new FakeBedrock().start();
    const dynamo = await new LocalDynamo().start();
    await dynamo.createGatewayTable(TABLE);
    const chunks = Array.from({ length: CHUNKS }, (_, i) => `token${i} `);
    bedrock.handler = () => ({ stream: textStream(chunks, { delayMs: DELTA_MS }) });
    Object.assign(process.env, {
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: "AKIAFAKELAMBDAROLE01",
        AWS_SECRET_ACCESS_KEY: "fake",
        AWS_SESSION_TOKEN: "fake",
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    });
    const limiter = createLimiter({ table: TABLE, client: dynamo.client(REGION) });
    const handler = createGatewayHandler(
        {
            ...process.env,
            BEDROCK_TARGETS: JSON.stringify([
                { roleArn: ROLE, region: REGION, accountId: "222222222222", models: [MODEL] },
            ]),
            GATEWAY_TABLE: TABLE,
            GATEWAY_KEYS: JSON.stringify({ open: {}, limited: LIMITED_KEY }),
        },
        { limiter },
    );
    // API Gateway's part, reduced to what the function sees: the key name from the (cached) authorizer.
    let served = 0;
    // The handler still settles the reservation after `data: [DONE]` (the client has its answer by then): waited for
    // before the next figure, so it does not weigh on it.
    const inFlight = new Set<Promise<void>>();
    const server = http.createServer(
        withBody(async (req, res, body) => {
            const event: GatewayEvent = {
                httpMethod: req.method,
                path: req.url,
                headers: { "content-type": "application/json" },
                body,
                requestContext: {
                    requestId: `bench-${++served}`,
                    authorizer: { keyName: String(req.headers.authorization ?? "").replace(/^Bearer /, "") },
                },
            };
            const h = handler(event, apiGatewayStream(res), { awsRequestId: `bench-${served}` });
            inFlight.add(h);
            await h.finally(() => inFlight.delete(h));
        }),
    );
    const url = await listenLoopback(server);
    const openai = (key: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const clients = { open: openai("open"), limited: openai("limited") };
    const direct = new BedrockRuntimeClient({
        region: REGION,
        endpoint: bedrock.url,
        credentials: { accessKeyId: "ASIAFAKEWORKLOAD0001", secretAccessKey: "fake", sessionToken: "fake" },
    });

    const viaGateway = async (c: OpenAI): Promise<Sample> => {
        const t0 = performance.now();
        let ttft = NaN;
        const stream = await c.chat.completions.create({
            model: MODEL,
            messages: [{ role: "user", content: "q" }],
            stream: true,
        });
        for await (const chunk of stream)
            if (chunk.choices[0]?.delta?.content && Number.isNaN(ttft)) ttft = performance.now() - t0;
        return { ttftMs: ttft, totalMs: performance.now() - t0 };
    };
    const viaSdk = async (): Promise<Sample> => {
        const t0 = performance.now();
        let ttft = NaN;
        const out = await direct.send(
            new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }),
        );
        for await (const e of out.stream ?? [])
            if (e.contentBlockDelta?.delta?.text && Number.isNaN(ttft)) ttft = performance.now() - t0;
        return { ttftMs: ttft, totalMs: performance.now() - t0 };
    };
    const call: Record<PathName, () => Promise<Sample>> = {
        direct: viaSdk,
        gateway: () => viaGateway(clients.open),
        "gateway+limits": () => viaGateway(clients.limited),
    };

    const { repeats } = benchOptions();
    // [level][path] -> one figure per repeat
    type Figures = { ttft50: number[]; ttft95: number[]; total50: number[]; total95: number[]; trips: number[] };
    const empty = (): Figures => ({ ttft50: [], ttft95: [], total50: [], total95: [], trips: [] });
    const figures: Record<PathName, Figures>[] = LEVELS.map(() => ({
        direct: empty(),
        gateway: empty(),
        "gateway+limits": empty(),
    }));
    const roundTrip: number[] = [];
    const log = console.log;
    console.log(
        `gateway vs direct ConverseStream: fake model streams ${CHUNKS} deltas ${DELTA_MS} ms apart; ${REQUESTS} requests per path, level and repeat`,
    );
    const started = Date.now();
    try {
        console.log = () => undefined; // the handler's one summary line per request
        // Warm up: AssumeRole, connections, JIT.
        for (const p of PATHS) for (let i = 0; i < 20; i++) await call[p]();
        await Promise.all([...inFlight]);
        // One DynamoDB round trip on its own (the limiter's UpdateItem on another item), for scale.
        const c = dynamo.client(REGION);
        for (let i = 0; i < 100; i++) {
            const t0 = performance.now();
            await c.send(
                new UpdateItemCommand({
                    TableName: TABLE,
                    Key: { pk: { S: "bench#probe" } },
                    UpdateExpression: "ADD used :n",
                    ConditionExpression: "attribute_not_exists(used) OR used <= :room",
                    ExpressionAttributeValues: { ":n": { N: "1" }, ":room": { N: "1000000" } },
                }),
            );
            roundTrip.push(performance.now() - t0);
        }
        c.destroy();
        for (let r = 0; r < repeats; r++)
            for (const [li, level] of LEVELS.entries())
                for (const p of PATHS) {
                    const trips = limiter.roundTrips;
                    const s = await load(level, call[p]);
                    await Promise.all([...inFlight]);
                    const f = figures[li][p];
                    const ttft = s.map(x => x.ttftMs);
                    const total = s.map(x => x.totalMs);
                    f.ttft50.push(percentile(ttft, 50));
                    f.ttft95.push(percentile(ttft, 95));
                    f.total50.push(percentile(total, 50));
                    f.total95.push(percentile(total, 95));
                    f.trips.push((limiter.roundTrips - trips) / s.length);
                }
    } finally {
        console.log = log;
        const closed = new Promise(r => server.close(r));
        server.closeAllConnections();
        await closed;
        direct.destroy();
        await Promise.all([sts.stop(), bedrock.stop(), dynamo.stop()]);
    }

    console.log(
        "concurrency | path           | TTFT p50 ms        | TTFT p95 ms        | total p50 ms       | total p95 ms       | DynamoDB round trips/request",
    );
    const col = (xs: number[]) => show(xs).padStart(18);
    for (const [li, level] of LEVELS.entries()) {
        for (const p of PATHS) {
            const f = figures[li][p];
            console.log(
                `${String(level).padStart(11)} | ${p.padEnd(14)} | ${col(f.ttft50)} | ${col(f.ttft95)} | ${col(f.total50)} | ${col(f.total95)} | ${show(f.trips).padStart(28)}`,
            );
        }
        const d = figures[li].direct;
        for (const p of ["gateway", "gateway+limits"] as const) {
            const g = figures[li][p];
            // Per repeat, so the spread is that of the ratio itself.
            const ratio = (k: keyof Figures) =>
                show(g[k].map((x, i) => x / d[k][i]))
                    .replace(/(\d+\.\d)/g, "$1x")
                    .padStart(18);
            console.log(
                `${"".padStart(11)} | ${`ratio ${p === "gateway" ? "gw" : "gw+lim"}`.padEnd(14)} | ${ratio("ttft50")} | ${ratio("ttft95")} | ${ratio("total50")} | ${ratio("total95")} | (gateway / direct, per repeat)`,
            );
        }
    }
    console.log("\nadded to TTFT at p50 (gateway minus direct, per repeat: median (min–max) ms):");
    for (const [li, level] of LEVELS.entries()) {
        const d = figures[li].direct.ttft50;
        const added = (p: PathName) => figures[li][p].ttft50.map((x, i) => x - d[i]);
        const withLimits = added("gateway+limits");
        const limiterCost = figures[li]["gateway+limits"].ttft50.map((x, i) => x - figures[li].gateway.ttft50[i]);
        const met = (xs: number[]) => (spread(xs).median <= GOAL_MS ? "met" : "not met");
        console.log(
            `  concurrency ${String(level).padStart(2)}: gateway ${show(added("gateway"))}, with limits ${show(withLimits)} (the limiter: ${show(limiterCost)}); goal <= ${GOAL_MS} ms: ${met(added("gateway"))} without limits, ${met(withLimits)} with`,
        );
    }
    console.log(
        `one UpdateItem on dynalite, alone: p50 ${ms1(percentile(roundTrip, 50))} ms, p95 ${ms1(percentile(roundTrip, 95))} ms (dynalite shares this process and the item locks of all requests; DynamoDB itself is another matter)`,
    );
    console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
