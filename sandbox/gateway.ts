// The sandbox's gateway: API Gateway REST in front of the gateway function with response streaming, as deployed.
// - only the methods the stack declares are served; anything else is API Gateway's MISSING_AUTHENTICATION_TOKEN;
// - the REQUEST authorizer is functions/gateway/authorizer.ts itself (its Deny is API Gateway's ACCESS_DENIED);
// - the stage throttle: one token bucket for every request before the authorizer, THROTTLED like API Gateway's;
// - usage plans: a token bucket per key (requestsPerSecond, burst), THROTTLED like API Gateway's throttling;
// - what API Gateway answers itself is the stack's gateway responses (status, headers, template), as deployed;
// - the function runs warm in a child process (sandbox/gatewayHost.js) and streams: its output is read as API
//   Gateway reads a streamed Lambda proxy response (metadata JSON, 8 null bytes, then the body as it comes);
// - the token windows live in dynalite (emulation/dynamo.ts), reached by the function's real DynamoDB client.
// Both functions are the caller stack's WorkloadGateway as planned under mocks (sandbox/stack.ts): their serialized
// packages and deployed environments, as the relay's. One difference: the key values. API Gateway generates them
// at deploy (and the authorizer's package is built with their hashes), and under mocks they are fixed strings; the
// sandbox plays API Gateway, so it generates its own for each start and puts their hashes in the authorizer's
// unpacked package in place of the planned ones (the component's key table: sha256 hex -> name).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ChildProcess } from "child_process";
import type * as http from "http";
import type { AuthorizerResult } from "../functions/gateway/authorizer";
import { keyHashTable } from "../components/gateway/gatewayKeys";
import { readStackConfig } from "../tools/internal/harness";
import { LocalDynamo } from "../emulation/dynamo";
import type { Overrides } from "../emulation/stacks";
import { forkPackageHost, WarmFunction } from "./lambda";
import type { DeployedGateway } from "./stack";

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

/**
 * The caller stack's config overrides for the sandbox run: `config` (SandboxOptions.gateway) when given; none when
 * Pulumi.caller.yaml has a gateway (its keys and aliases are served); the demo key when it has none or it is off.
 */
export function gatewayOverride(config?: SandboxGatewayConfig): Overrides {
    if (config) return { "bedrock-bridge:gateway": { keys: config.keys, aliases: config.aliases ?? {} } };
    const raw = readStackConfig("caller").config["bedrock-bridge:gateway"];
    const v = raw ? (JSON.parse(raw) as { enabled?: boolean }) : undefined;
    return v && v.enabled !== false ? {} : { "bedrock-bridge:gateway": { ...DEMO_GATEWAY } };
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
        private readonly dir: string,
        private readonly env: Record<string, string>,
        private readonly log: (line: string) => void,
    ) {}

    start(): Promise<void> {
        if (this.ready) return this.ready;
        const child = forkPackageHost("gatewayHost.js", this.dir, this.env, "gateway", this.log);
        this.child = child;
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

    /** Runs one invocation; `gone` aborts when the client leaves, which closes the function's response stream. */
    async invoke(event: unknown, chunk: (b: Buffer) => void, gone?: AbortSignal) {
        await this.start();
        const id = ++this.next;
        return new Promise<{ ok: boolean; errorType?: string; errorMessage?: string }>(done => {
            this.pending.set(id, { chunk, done });
            this.child!.send({ type: "invoke", id, event, requestId: crypto.randomUUID() });
            gone?.addEventListener("abort", () => this.child?.send({ type: "disconnect", id }), { once: true });
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

/**
 * Swaps the planned key table in the authorizer's unpacked package (a string literal of the serialized closure) for
 * the table of the sandbox's own key values: what the package would hold had API Gateway generated those.
 */
export function repackKeyTable(dir: string, planned: Record<string, string>, own: Record<string, string>): void {
    const file = path.join(dir, "__index.js");
    const text = fs.readFileSync(file, "utf8");
    const table = (values: Record<string, string>) =>
        JSON.stringify(keyHashTable(Object.entries(values).map(([name, value]) => ({ name, value }))));
    const [from, to] = [table(planned), table(own)];
    const parts = text.split(from);
    if (parts.length !== 2)
        throw new Error(
            `the authorizer's package holds its planned key table ${parts.length - 1} times, not once: has components/gateway/workloadGateway.ts changed how it packages the keys?`,
        );
    fs.writeFileSync(file, parts.join(to));
}

/** API Gateway's own status and $context.error.messageString for the response types the sandbox meets. */
const API_GATEWAY_DEFAULTS: Record<string, { status: number; message: string }> = {
    MISSING_AUTHENTICATION_TOKEN: { status: 403, message: "Missing Authentication Token" },
    UNAUTHORIZED: { status: 401, message: "Unauthorized" },
    ACCESS_DENIED: { status: 403, message: "User is not authorized to access this resource with an explicit deny" },
    AUTHORIZER_FAILURE: { status: 500, message: "Internal server error" },
    THROTTLED: { status: 429, message: "Too Many Requests" },
    INVALID_API_KEY: { status: 403, message: "Forbidden" },
    REQUEST_TOO_LARGE: { status: 413, message: "Request Too Long" },
    // Not a gateway response type: API Gateway's REST quota on the request line and headers (10,240 bytes, "Quotas
    // for configuring and running a REST API in API Gateway") has no type of its own, and its status is not
    // documented. The sandbox answers 431 (RFC 6585's status for it) with the stack's DEFAULT_4XX body, in the API's
    // error shape, where Node's HTTP server would answer a bare 431 (or its 16 KB limit cut the connection).
    HEADERS_TOO_LARGE: { status: 431, message: "Request Header Fields Too Large" },
};

/** API Gateway REST's quota on the request line and header values together. */
export const MAX_REQUEST_HEAD_BYTES = 10_240;

/** The size of a request's line and headers as they came. */
function requestHeadBytes(req: http.IncomingMessage): number {
    let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`);
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        n += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
    return n;
}

export interface SandboxGateway {
    /** Key name -> key value (random for each start). */
    keys: Record<string, string>;
    /** Serves one request whose path is below the gateway's base (`/v1/...`). */
    handle(req: http.IncomingMessage, res: http.ServerResponse, body: string, path: string): Promise<void>;
    /** A body over API Gateway's 10 MB: its REQUEST_TOO_LARGE response. */
    tooLarge(res: http.ServerResponse): void;
    stop(): Promise<void>;
}

export async function startGateway(o: {
    /** The WorkloadGateway of the caller stack as planned (sandbox/stack.ts). */
    gateway: DeployedGateway;
    /** The gateway function's unpacked package and environment (its deployed one, the fakes, its credentials). */
    dir: string;
    env: Record<string, string>;
    /** The authorizer's unpacked package and environment. */
    authorizerDir: string;
    authorizerEnv: Record<string, string>;
    region: string;
    accountId: string;
    log: (line: string) => void;
}): Promise<SandboxGateway> {
    const dynamo = await new LocalDynamo().start();
    // The table the function was deployed with (GATEWAY_TABLE), in dynalite.
    const table = o.env.GATEWAY_TABLE;
    await dynamo.createGatewayTable(table);
    const keys = Object.fromEntries(
        Object.keys(o.gateway.throttles).map(name => [name, `bbk-${crypto.randomBytes(24).toString("hex")}`]),
    );
    repackKeyTable(o.authorizerDir, o.gateway.plannedKeyValues, keys);
    const authorizer = new WarmFunction("gateway-authorizer", o.authorizerDir, o.authorizerEnv, o.log);
    const fnName = o.env.AWS_LAMBDA_FUNCTION_NAME;
    const container = new GatewayContainer(
        o.dir,
        {
            ...o.env,
            SANDBOX_FUNCTION_ARN: `arn:aws:lambda:${o.region}:${o.accountId}:function:${fnName}`,
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        },
        o.log,
    );
    // Both started by the first request (a cold start, as Lambda's): sandboxes that never use the gateway skip it.

    // API Gateway's throttling algorithm, a token bucket: `burstLimit` tokens, refilled at `rateLimit` per second.
    const buckets = new Map<string, { tokens: number; at: number }>();
    const take = (bucket: string, t: { rateLimit: number; burstLimit: number } | undefined): boolean => {
        if (!t?.rateLimit) return true;
        const burst = t.burstLimit ?? Math.max(1, Math.ceil(t.rateLimit));
        const now = Date.now();
        const b = buckets.get(bucket) ?? { tokens: burst, at: now };
        b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * t.rateLimit);
        b.at = now;
        buckets.set(bucket, b);
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    };
    // Usage plans: a bucket per key, metered once the authorizer has named the key.
    const admit = (name: string): boolean => take(`key:${name}`, o.gateway.throttles[name]);
    // The stage throttle: one bucket for every request, before the authorizer runs, so requests with a missing or
    // unknown key (which no usage plan meters) are bounded too; refused as THROTTLED, like a usage plan's.
    const admitStage = (): boolean => take("stage", o.gateway.stageThrottle);

    /** API Gateway's own answer of one type: the stack's gateway response for it, else its DEFAULT_4XX/5XX. */
    const gatewayResponse = (res: http.ServerResponse, type: string, requestId: string) => {
        const d = API_GATEWAY_DEFAULTS[type];
        const own = o.gateway.responses[type];
        const status = Number(own?.statusCode || d.status);
        const g = own ?? o.gateway.responses[status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"];
        const body = g
            ? g.template
                  .replace(/\$context\.requestId/g, requestId)
                  .replace(/\$context\.error\.messageString/g, JSON.stringify(d.message))
            : JSON.stringify({ message: d.message });
        res.writeHead(status, {
            "content-type": "application/json",
            ...(g?.headers ?? {}),
            "x-amzn-requestid": requestId,
        });
        res.end(body);
    };

    return {
        keys,
        tooLarge: res => gatewayResponse(res, "REQUEST_TOO_LARGE", crypto.randomUUID()),
        async handle(req, res, body, subPath) {
            const reply = (status: number, v: unknown) => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(v));
            };
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
            const requestId = crypto.randomUUID();
            if (requestHeadBytes(req) > MAX_REQUEST_HEAD_BYTES)
                return gatewayResponse(res, "HEADERS_TOO_LARGE", requestId);
            // A method the API does not declare: API Gateway answers before any authorizer runs.
            if (!o.gateway.routes.includes(`${req.method} ${subPath.replace(/\/+$/, "")}`))
                return gatewayResponse(res, "MISSING_AUTHENTICATION_TOKEN", requestId);
            if (!admitStage()) return gatewayResponse(res, "THROTTLED", requestId);
            const methodArn = `arn:aws:execute-api:${o.region}:${o.accountId}:sandboxgw/sandbox/${req.method}${subPath}`;
            const authorized = await authorizer.invoke({ type: "REQUEST", methodArn, headers }, requestId);
            // As API Gateway: a thrown "Unauthorized" is UNAUTHORIZED, any other failure AUTHORIZER_FAILURE, a Deny policy
            // (how ours refuses a key) ACCESS_DENIED.
            if (!authorized.ok && authorized.errorMessage === "Unauthorized")
                return gatewayResponse(res, "UNAUTHORIZED", requestId);
            const auth = authorized.value as AuthorizerResult | undefined;
            if (!authorized.ok || !auth) {
                o.log(`[gateway] ${requestId}: authorizer failed: ${authorized.errorType}: ${authorized.errorMessage}`);
                return gatewayResponse(res, "AUTHORIZER_FAILURE", requestId);
            }
            if (auth.policyDocument?.Statement?.[0]?.Effect !== "Allow")
                return gatewayResponse(res, "ACCESS_DENIED", requestId);
            // API key source AUTHORIZER: the usage identifier must be a key of the stage's usage plans, else API
            // Gateway's InvalidKeyParameter (INVALID_API_KEY); the authorizer answers a body over 6 MB that way.
            if (!Object.values(keys).includes(auth.usageIdentifierKey ?? ""))
                return gatewayResponse(res, "INVALID_API_KEY", requestId);
            if (!admit(auth.principalId)) return gatewayResponse(res, "THROTTLED", requestId);
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
            // A client that leaves before the response ended: passed on to the function (its stream closes).
            const gone = new AbortController();
            res.on("close", () => {
                closed = true;
                if (!res.writableEnded) gone.abort();
            });
            const r = await container.invoke(
                event,
                chunk => {
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
                },
                gone.signal,
            );
            if (head) {
                o.log(`[gateway] ${requestId}: no response metadata (${r.errorType ?? "ok"}: ${r.errorMessage ?? ""})`);
                if (!closed) reply(502, { message: "Internal server error" });
                return;
            }
            if (!closed) res.end();
        },
        async stop() {
            await Promise.all([container.stop(), authorizer.stop()]);
            await dynamo.stop();
        },
    };
}
