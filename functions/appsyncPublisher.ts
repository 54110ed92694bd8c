// Publishes events to an AppSync Events channel over its HTTP endpoint, signed with SigV4 (service "appsync").
// No Pulumi imports: this file runs inside Lambda.
import * as crypto from "crypto";
import * as http from "http";
import * as https from "https";
import { SignatureV4 } from "@smithy/signature-v4";

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

export interface PublisherOptions {
    /** The Events API HTTP endpoint, e.g. https://<id>.appsync-api.<region>.amazonaws.com/event */
    endpoint: string;
    region: string;
    credentials: () => Promise<Credentials>;
    /** Attempts per publish, the first one included (429, 5xx and network errors are retried). */
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Per-request timeout. */
    timeoutMs?: number;
}

export interface PublishError extends Error {
    status?: number;
    attempts: number;
}

/** Publishes `events` (JSON strings) to `channel` in one request; resolves when AppSync accepted all of them. */
export type PublishFn = (channel: string, events: string[]) => Promise<PublishStats>;

export interface PublishStats {
    /** HTTP requests made, retries included. */
    requests: number;
}

/** SigV4's hash: node's crypto behind the Checksum interface (a function, usable with `new`). */
function Sha256(this: unknown, secret?: string | Uint8Array) {
    const h = secret ? crypto.createHmac("sha256", secret) : crypto.createHash("sha256");
    return {
        update(data: string | Uint8Array) { h.update(data); },
        digest() { return Promise.resolve(new Uint8Array(h.digest())); },
        reset() { throw new Error("not supported"); },
    };
}

function publishError(message: string, attempts: number, status?: number): PublishError {
    const e = new Error(message) as PublishError;
    e.name = "PublishFailed";
    e.status = status;
    e.attempts = attempts;
    return e;
}

interface Reply {
    status: number;
    body: string;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export function createAppSyncPublisher(opts: PublisherOptions): PublishFn {
    const url = new URL(opts.endpoint);
    const secure = url.protocol === "https:";
    const transport = secure ? https : http;
    // One keep-alive agent per container: TLS handshakes only on the first publish.
    const agent = new transport.Agent({ keepAlive: true, maxSockets: 4 });
    const signer = new SignatureV4({ service: "appsync", region: opts.region, credentials: opts.credentials, sha256: Sha256 as any, uriEscapePath: true });
    const maxAttempts = opts.maxAttempts ?? 5;
    const base = opts.baseDelayMs ?? 40;
    const cap = opts.maxDelayMs ?? 1000;
    const timeoutMs = opts.timeoutMs ?? 5000;

    const send = async (body: string): Promise<Reply> => {
        const signed = (await signer.sign({
            method: "POST",
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port ? Number(url.port) : undefined,
            path: url.pathname,
            query: {},
            headers: { host: url.host, "content-type": "application/json" },
            body,
        } as any)) as unknown as { headers: Record<string, string> };
        return new Promise<Reply>((resolve, reject) => {
            const req = transport.request({
                method: "POST", hostname: url.hostname, port: url.port || undefined, path: url.pathname,
                headers: { ...signed.headers, "content-length": Buffer.byteLength(body) }, agent, timeout: timeoutMs,
            }, res => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", c => (text += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                res.on("error", reject);
            });
            req.on("timeout", () => req.destroy(new Error("publish timed out")));
            req.on("error", reject);
            req.end(body);
        });
    };

    return async (channel, events) => {
        let pending = events;
        let requests = 0;
        let lastProblem = "";
        let lastStatus: number | undefined;
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
            if (attempt > 1) {
                // Full jitter, capped: spreads retries of concurrent relays without growing the tail unboundedly.
                await sleep(Math.random() * Math.min(cap, base * 2 ** (attempt - 2)) + base / 2);
            }
            requests++;
            let reply: Reply;
            try {
                reply = await send(JSON.stringify({ channel, events: pending }));
            } catch (e) {
                lastProblem = `network error ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
                lastStatus = undefined;
                continue;
            }
            lastStatus = reply.status;
            if (reply.status === 429 || reply.status >= 500) {
                lastProblem = `HTTP ${reply.status}`;
                continue;
            }
            if (reply.status < 200 || reply.status >= 300) {
                // 4xx other than 429 (signature, permission, bad channel) will not get better by retrying.
                throw publishError(`AppSync refused the publish: HTTP ${reply.status}`, attempt, reply.status);
            }
            let parsed: { failed?: { index?: number; code?: string }[] } = {};
            try { parsed = reply.body ? JSON.parse(reply.body) : {}; } catch { parsed = {}; }
            const failed = (parsed.failed ?? []).map(f => f.index).filter((i): i is number => Number.isInteger(i));
            if (!failed.length) return { requests };
            // Partial failure: resend only the events AppSync did not accept (each keeps its seq, so no duplicates).
            pending = failed.sort((a, b) => a - b).map(i => pending[i]).filter(e => e !== undefined);
            lastProblem = `${failed.length} event(s) not accepted`;
            if (!pending.length) return { requests };
        }
        throw publishError(`publishing failed after ${maxAttempts} attempts: ${lastProblem}`, maxAttempts, lastStatus);
    };
}
