// Benchmark: a burst of requests against a pool of 1, 2 and 3 Bedrock accounts, each with a fixed
// requests-per-minute quota, side by side with the naive approach (AssumeRole on every call, one account).
// Everything runs against the local fakes; printed, never asserted.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { bedrockError, converseAnswer, FakeBedrock, FakeSts } from "../emulation/fakes";
import { createInvokerHandler } from "../functions/invoker";
import { barChart, writeChart } from "./svg";
import { benchOptions, showSpread, spread } from "./options";

const ACCOUNTS = ["222222222222", "333333333333", "444444444444"];
const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const QUOTA_PER_MINUTE = 20;
const BURST = 60;
const CONCURRENCY = 6;
const MODEL_LATENCY_MS = 40;

interface Outcome {
    ok: boolean;
    ms: number;
}

function pct(values: number[], p: number): number {
    if (!values.length) return NaN;
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function burst(call: (i: number) => Promise<unknown>): Promise<Outcome[]> {
    const out: Outcome[] = [];
    let next = 0;
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (next < BURST) {
                const i = next++;
                const t = Date.now();
                try {
                    await call(i);
                    out.push({ ok: true, ms: Date.now() - t });
                } catch {
                    out.push({ ok: false, ms: Date.now() - t });
                }
            }
        }),
    );
    return out;
}

async function withFakes<T>(
    fn: (sts: FakeSts, bedrock: FakeBedrock) => Promise<T>,
): Promise<{ result: T; stsCalls: number; bedrockCalls: number }> {
    const sts = await new FakeSts().start();
    const bedrock = await new FakeBedrock().start();
    const used: Record<string, number> = {};
    bedrock.handler = async req => {
        await new Promise(r => setTimeout(r, MODEL_LATENCY_MS));
        const acct = /^ASIAFAKE(\d{12})/.exec(req.signedBy.accessKeyId ?? "")?.[1] ?? "?";
        used[acct] = (used[acct] ?? 0) + 1;
        return used[acct] > QUOTA_PER_MINUTE
            ? bedrockError("ThrottlingException", "Too many requests, please wait before trying again.")
            : converseAnswer("ok");
    };
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url;
    try {
        const result = await fn(sts, bedrock);
        return { result, stsCalls: sts.calls.length, bedrockCalls: bedrock.requests.length };
    } finally {
        await sts.stop();
        await bedrock.stop();
    }
}

/** The naive approach: a new STS AssumeRole and a new client for every request, one account, no failover. */
async function seedApproach(): Promise<Outcome[]> {
    const roleArn = `arn:aws:iam::${ACCOUNTS[0]}:role/BedrockAccessRole`;
    return burst(async () => {
        const sts = new STSClient({ region: "ap-northeast-1" });
        const { Credentials: c } = await sts.send(
            new AssumeRoleCommand({
                RoleArn: roleArn,
                RoleSessionName: "lambda-bedrock-cross-account",
                DurationSeconds: 900,
            }),
        );
        const client = new BedrockRuntimeClient({
            region: "ap-northeast-1",
            credentials: {
                accessKeyId: c!.AccessKeyId!,
                secretAccessKey: c!.SecretAccessKey!,
                sessionToken: c!.SessionToken!,
            },
        });
        try {
            await client.send(
                new ConverseCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] }),
            );
        } finally {
            client.destroy();
        }
    });
}

async function poolApproach(members: number): Promise<Outcome[]> {
    const targets = ACCOUNTS.slice(0, members).map(a => ({
        roleArn: `arn:aws:iam::${a}:role/bedrock-bridge-execution`,
        region: "ap-northeast-1",
        accountId: a,
        models: [MODEL],
    }));
    const handler = createInvokerHandler({ BEDROCK_TARGETS: JSON.stringify(targets), DEFAULT_MODEL_ID: MODEL });
    return burst(() => handler({ prompt: "hi" }));
}

export async function run(): Promise<void> {
    process.env.AWS_REGION = "ap-northeast-1";
    process.env.AWS_ACCESS_KEY_ID = "AKIAFAKEBENCH0000001";
    process.env.AWS_SECRET_ACCESS_KEY = "fake";
    process.env.AWS_LAMBDA_FUNCTION_NAME = "bench";
    console.log(
        `quota pool: burst of ${BURST} requests, ${CONCURRENCY} concurrent, each account ${QUOTA_PER_MINUTE} requests/min, model latency ${MODEL_LATENCY_MS} ms`,
    );
    console.log(
        "approach                             ok/total         p50 ms         p95 ms         p99 ms  STS calls    Bedrock calls",
    );
    // The functions log every throttle and failover (as they should in Lambda); keep the table readable.
    const { warn, error } = console;
    console.warn = console.error = () => undefined;
    // Each approach `repeats` times; the table shows median (min–max) over the repeats, the chart the last one.
    type Result = Awaited<ReturnType<typeof withFakes<Outcome[]>>>;
    const approaches: [string, () => Promise<Outcome[]>][] = [
        ["per-call AssumeRole (one account)", () => seedApproach()],
        ...[1, 2, 3].map(
            n => [`bedrock-bridge pool of ${n}`, () => poolApproach(n)] as [string, () => Promise<Outcome[]>],
        ),
    ];
    const all: [string, Result[]][] = [];
    for (const [name, go] of approaches) {
        const results: Result[] = [];
        for (let i = 0; i < benchOptions().repeats; i++) results.push(await withFakes(go));
        all.push([name, results]);
    }
    Object.assign(console, { warn, error });
    const rows: [string, Result][] = all.map(([name, rs]) => [name, rs[rs.length - 1]]);
    const okCount = (r: Result) => r.result.filter(o => o.ok).length;
    const seedOk = spread(all[0][1].map(okCount)).median;
    for (const [name, rs] of all) {
        const col = (f: (r: Result) => number) => showSpread(rs.map(f));
        const okMs = (r: Result) => r.result.filter(o => o.ok).map(o => o.ms);
        console.log(
            `${name.padEnd(32)} ${`${col(okCount)}/${rs[0].result.length}`.padStart(12)} ${col(r => pct(okMs(r), 50)).padStart(14)} ${col(r => pct(okMs(r), 95)).padStart(14)} ${col(r => pct(okMs(r), 99)).padStart(14)} ${col(r => r.stsCalls).padStart(10)} ${col(r => r.bedrockCalls).padStart(16)}`,
        );
    }
    writeChart(
        "pool-success.svg",
        barChart({
            title: `Successful answers of a burst of ${BURST} (each account ${QUOTA_PER_MINUTE} requests/min)`,
            yLabel: "successful answers",
            of: BURST,
            bars: rows.map(([name, r], i) => ({
                label: i === 0 ? "per-call AssumeRole" : name.replace("bedrock-bridge ", ""),
                value: r.result.filter(o => o.ok).length,
                color: i === 0 ? "#ff7f0e" : "#1f77b4",
            })),
        }),
    );
    const best = spread(all[all.length - 1][1].map(okCount)).median;
    console.log(
        `successful answers, pool of 3 vs per-call AssumeRole: ${(best / Math.max(1, seedOk)).toFixed(1)}x; STS calls, per-call AssumeRole vs pool of 3: ${rows[0][1].stsCalls} vs ${rows[3][1].stsCalls}`,
    );
}

if (require.main === module)
    run().then(
        () => process.exit(0),
        e => {
            console.error(e);
            process.exit(1);
        },
    );
