// The sandbox's gateway: API Gateway REST in front of the gateway function with response streaming, as deployed.
// - the REQUEST authorizer is functions/gateway/authorizer.ts itself (401 {"message":"Unauthorized"} when it
//   refuses, as API Gateway answers);
// - usage plans: a token bucket per key (requestsPerSecond, burst), 429 {"message":"Too Many Requests"} like
//   API Gateway's throttling;
// - the function runs warm in a child process (sandbox/gatewayHost.js) and streams: its output is read as API
//   Gateway reads a streamed Lambda proxy response (metadata JSON, 8 null bytes, then the body as it comes);
// - the token windows live in dynalite (emulation/dynamo.ts), reached by the function's real DynamoDB client.
// TODO(gateway-infra): once components/gateway/ is in the program, take the function's package and environment
// from the caller stack under mocks (sandbox/stack.ts), as the relay's, instead of loading the handler's source.
import * as crypto from "crypto";
import { ChildProcess, fork } from "child_process";
import type * as http from "http";
import * as path from "path";
import { createAuthorizerHandler, sha256Hex } from "../functions/gateway/authorizer";
import { ROOT, readStackConfig } from "../tools/internal/harness";
import { LocalDynamo } from "../emulation/dynamo";

export interface GatewayKeyConfig {
    name: string;
    models?: string[];
    tokensPerMinute?: number;
    tokensPerDay?: number;
    requestsPerSecond?: number;
    burst?: number;
}

export interface SandboxGatewayConfig {
    keys: GatewayKeyConfig[];
    aliases?: Record<string, string>;
}

/** The demo key when the caller stack declares no gateway: every model, no limits. */
export const DEMO_GATEWAY: SandboxGatewayConfig = { keys: [{ name: "demo" }] };

/** bedrock-bridge:gateway from Pulumi.caller.yaml (the keys and aliases the stack would create), or the demo key. */
export function gatewayConfigFromStack(): SandboxGatewayConfig {
    const raw = readStackConfig("caller").config["bedrock-bridge:gateway"];
    if (!raw) return DEMO_GATEWAY;
    const v = JSON.parse(raw) as Partial<SandboxGatewayConfig> & { enabled?: boolean };
    if (v.enabled === false || !Array.isArray(v.keys) || !v.keys.length) return DEMO_GATEWAY;
    return { keys: v.keys, aliases: v.aliases ?? {} };
}

/** One warm gateway container: invocations run concurrently in it (the sandbox does not need Lambda's one-at-a-time). */
class GatewayContainer {
    private child?: ChildProcess;
    private ready?: Promise<void>;
    private next = 0;
    private readonly pending = new Map<
        number,
        { chunk: (b: Buffer) => void; done: (r: { ok: boolean; errorType?: string; errorMessage?: string }) => void }
    >();

    constructor(
        private readonly target: string,
        private readonly env: Record<string, string>,
        private readonly log: (line: string) => void,
    ) {}

    start(): Promise<void> {
        if (this.ready) return this.ready;
        const child = fork(path.join(__dirname, "gatewayHost.js"), [this.target], {
            env: {
                PATH: process.env.PATH ?? "",
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
                ...this.env,
            },
            cwd: ROOT,
            execArgv: [],
            stdio: ["ignore", "pipe", "pipe", "ipc"],
        });
        this.child = child;
        const prefix = (d: Buffer) =>
            String(d)
                .split("\n")
                .filter(Boolean)
                .forEach(l => this.log(`[gateway] ${l}`));
        child.stdout?.on("data", prefix);
        child.stderr?.on("data", prefix);
        this.ready = new Promise((resolve, reject) => {
            child.on("exit", code => {
                this.child = undefined;
                this.ready = undefined;
                for (const p of this.pending.values())
                    p.done({ ok: false, errorType: "Runtime.ExitError", errorMessage: `exited (${code})` });
                this.pending.clear();
                reject(new Error(`the gateway function exited with ${code} before it was ready`));
            });
            child.on("message", (m: { type: string; id: number; data?: string; ok?: boolean }) => {
                if (m.type === "ready") resolve();
                else if (m.type === "chunk") this.pending.get(m.id)?.chunk(Buffer.from(m.data ?? "", "base64"));
                else if (m.type === "result") {
                    const p = this.pending.get(m.id);
                    this.pending.delete(m.id);
                    p?.done(m as never);
                }
            });
        });
        return this.ready;
    }

    async invoke(event: unknown, chunk: (b: Buffer) => void) {
        await this.start();
        const id = ++this.next;
        return new Promise<{ ok: boolean; errorType?: string; errorMessage?: string }>(done => {
            this.pending.set(id, { chunk, done });
            this.child!.send({ type: "invoke", id, event, requestId: crypto.randomUUID() });
        });
    }

    async stop(): Promise<void> {
        const child = this.child;
        if (!child) return;
        this.child = undefined;
        await new Promise<void>(r => {
            child.once("exit", () => r());
            child.kill("SIGTERM");
        });
    }
}

const UNAUTHORIZED = { message: "Unauthorized" };
const TOO_MANY = { message: "Too Many Requests" };

export interface SandboxGateway {
    /** Key name -> key value (random for each start). */
    keys: Record<string, string>;
    /** Serves one request whose path is below the gateway's base (`/v1/...`). */
    handle(req: http.IncomingMessage, res: http.ServerResponse, body: string, path: string): Promise<void>;
    stop(): Promise<void>;
}

export async function startGateway(o: {
    config: SandboxGatewayConfig;
    /** The function's environment: BEDROCK_TARGETS etc., the fake endpoints, its credentials. */
    env: Record<string, string>;
    region: string;
    accountId: string;
    log: (line: string) => void;
}): Promise<SandboxGateway> {
    const dynamo = await new LocalDynamo().start();
    const table = "bedrock-bridge-gateway-sandbox";
    await dynamo.createGatewayTable(table);
    const keys = Object.fromEntries(o.config.keys.map(k => [k.name, `bbk-${crypto.randomBytes(24).toString("hex")}`]));
    const authorize = createAuthorizerHandler({
        GATEWAY_KEY_HASHES: JSON.stringify(Object.fromEntries(Object.entries(keys).map(([n, v]) => [sha256Hex(v), n]))),
    });
    const settings = Object.fromEntries(
        o.config.keys.map(k => [
            k.name,
            {
                ...(k.models ? { models: k.models } : {}),
                ...(k.tokensPerMinute ? { tokensPerMinute: k.tokensPerMinute } : {}),
                ...(k.tokensPerDay ? { tokensPerDay: k.tokensPerDay } : {}),
            },
        ]),
    );
    const fnName = "bedrock-bridge-sandbox-gateway";
    const container = new GatewayContainer(
        path.join(ROOT, "functions", "gateway", "handler.ts"),
        {
            ...o.env,
            AWS_LAMBDA_FUNCTION_NAME: fnName,
            SANDBOX_FUNCTION_ARN: `arn:aws:lambda:${o.region}:${o.accountId}:function:${fnName}`,
            GATEWAY_TABLE: table,
            GATEWAY_KEYS: JSON.stringify(settings),
            GATEWAY_ALIASES: JSON.stringify(o.config.aliases ?? {}),
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        },
        o.log,
    );
    // Started by the first request (a cold start, as Lambda's): sandboxes that never use the gateway skip it.

    // Usage plans: a token bucket per key (API Gateway's throttling algorithm), refilled at requestsPerSecond.
    const buckets = new Map<string, { tokens: number; at: number }>();
    const admit = (name: string): boolean => {
        const k = o.config.keys.find(x => x.name === name);
        if (!k?.requestsPerSecond) return true;
        const burst = k.burst ?? Math.max(1, Math.ceil(k.requestsPerSecond));
        const now = Date.now();
        const b = buckets.get(name) ?? { tokens: burst, at: now };
        b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * k.requestsPerSecond);
        b.at = now;
        buckets.set(name, b);
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    };

    return {
        keys,
        async handle(req, res, body, subPath) {
            const reply = (status: number, v: unknown) => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(v));
            };
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
            const requestId = crypto.randomUUID();
            const methodArn = `arn:aws:execute-api:${o.region}:${o.accountId}:sandboxgw/sandbox/${req.method}${subPath}`;
            let auth;
            try {
                auth = await authorize({ type: "REQUEST", methodArn, headers });
            } catch {
                return reply(401, UNAUTHORIZED);
            }
            if (!admit(auth.principalId)) return reply(429, TOO_MANY);
            const event = {
                resource: "/{proxy+}",
                path: subPath,
                httpMethod: req.method,
                headers,
                queryStringParameters: null,
                pathParameters: { proxy: subPath.replace(/^\//, "") },
                body: body || null,
                isBase64Encoded: false,
                requestContext: {
                    requestId,
                    stage: "sandbox",
                    httpMethod: req.method,
                    path: `/sandbox${subPath}`,
                    identity: { apiKey: auth.usageIdentifierKey },
                    authorizer: { principalId: auth.principalId, ...auth.context },
                },
            };
            // API Gateway reads the metadata JSON up to the 8 null bytes, then streams the rest as it comes.
            let head: Buffer | undefined = Buffer.alloc(0);
            let closed = false;
            res.on("close", () => (closed = true));
            const r = await container.invoke(event, chunk => {
                if (closed) return;
                if (!head) {
                    res.write(chunk);
                    return;
                }
                head = Buffer.concat([head, chunk]);
                const at = head.indexOf(Buffer.alloc(8));
                if (at < 0) return;
                const prelude = JSON.parse(head.subarray(0, at).toString("utf8")) as {
                    statusCode: number;
                    headers?: Record<string, string>;
                };
                const rest = head.subarray(at + 8);
                head = undefined;
                res.writeHead(prelude.statusCode, { ...prelude.headers, "x-amzn-requestid": requestId });
                // Headers go out now: a streamed response starts before its body is complete.
                res.flushHeaders();
                if (rest.length) res.write(rest);
            });
            if (head) {
                o.log(`[gateway] ${requestId}: no response metadata (${r.errorType ?? "ok"}: ${r.errorMessage ?? ""})`);
                if (!closed) reply(502, { message: "Internal server error" });
                return;
            }
            if (!closed) res.end();
        },
        async stop() {
            await container.stop();
            await dynamo.stop();
        },
    };
}
