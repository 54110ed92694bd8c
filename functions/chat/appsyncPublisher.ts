// Publishes events to an AppSync Events channel over its HTTP endpoint, signed with SigV4 (service "appsync").
// No Pulumi imports: this file runs inside Lambda.
//
// AppSync Events (https://docs.aws.amazon.com/appsync/latest/eventapi/publish-http.html): POST /event with
// {channel, events}, at most 5 events per request, each a stringified JSON value of at most 240 KB
// (https://docs.aws.amazon.com/appsync/latest/eventapi/event-api-concepts.html). A 200 answer lists per event
// {"successful": [{identifier, index}], "failed": [{identifier, index, code, message}]}. There is no idempotency
// key: a request whose answer was lost may have been accepted, so a resend can deliver an event twice.
import * as crypto from "crypto";
import * as http from "http";
import * as https from "https";
import { SignatureV4 } from "@smithy/signature-v4";
import { publishError } from "./delivery";

export type { PublishError, SendFn } from "./delivery";

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

export interface SenderOptions {
    /** The Events API HTTP endpoint, e.g. https://<id>.appsync-api.<region>.amazonaws.com/event */
    endpoint: string;
    region: string;
    credentials: () => Promise<Credentials>;
}

/** SigV4's hash: node's crypto behind the Checksum interface (a function, usable with `new`). */
function Sha256(this: unknown, secret?: string | Uint8Array) {
    const h = secret ? crypto.createHmac("sha256", secret) : crypto.createHash("sha256");
    return {
        update(data: string | Uint8Array) {
            h.update(data);
        },
        digest() {
            return Promise.resolve(new Uint8Array(h.digest()));
        },
        reset() {
            throw new Error("not supported");
        },
    };
}

/** 429 and 5xx pass with time; any other 4xx (signature, permission, bad channel, too large) will not. */
export const isTransientStatus = (status: number) => status === 429 || status >= 500;

/**
 * One signed POST per call over a keep-alive connection. Resolves with the indices AppSync did not accept;
 * rejects with a PublishError whose `retryable` says whether sending again can help.
 */
export function createAppSyncSender(
    opts: SenderOptions,
): (channel: string, events: string[], timeoutMs: number) => Promise<{ failed: number[] }> {
    const url = new URL(opts.endpoint);
    const transport = url.protocol === "https:" ? https : http;
    // One keep-alive agent per container: TLS handshakes only on the first publish.
    const agent = new transport.Agent({ keepAlive: true, maxSockets: 4 });
    const signer = new SignatureV4({
        service: "appsync",
        region: opts.region,
        credentials: opts.credentials,
        sha256: Sha256 as unknown as ConstructorParameters<typeof SignatureV4>[0]["sha256"],
        uriEscapePath: true,
    });

    const post = async (body: string, timeoutMs: number): Promise<{ status: number; body: string }> => {
        const signed = (await signer.sign({
            method: "POST",
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port ? Number(url.port) : undefined,
            path: url.pathname,
            query: {},
            headers: { host: url.host, "content-type": "application/json" },
            body,
        } as Parameters<typeof signer.sign>[0])) as unknown as { headers: Record<string, string> };
        return new Promise((resolve, reject) => {
            const req = transport.request(
                {
                    method: "POST",
                    hostname: url.hostname,
                    port: url.port || undefined,
                    path: url.pathname,
                    headers: { ...signed.headers, "content-length": Buffer.byteLength(body) },
                    agent,
                },
                res => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", c => (text += c));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                    res.on("error", reject);
                },
            );
            // A whole-request timer, not the socket's idle timeout: an endpoint that trickles bytes is bounded too.
            const timer = setTimeout(
                () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
                Math.max(1, timeoutMs),
            );
            req.on("close", () => clearTimeout(timer));
            req.on("error", reject);
            req.end(body);
        });
    };

    return async (channel, events, timeoutMs) => {
        let reply: { status: number; body: string };
        try {
            reply = await post(JSON.stringify({ channel, events }), timeoutMs);
        } catch (e) {
            // Reset, timeout, DNS: AppSync may or may not have accepted the events; sending again is safe for a
            // subscriber that ignores a seq it has seen (the resend is byte-identical).
            throw publishError(`network error ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
                retryable: true,
            });
        }
        if (reply.status < 200 || reply.status >= 300) {
            throw publishError(`AppSync answered HTTP ${reply.status}`, {
                status: reply.status,
                retryable: isTransientStatus(reply.status),
            });
        }
        let parsed: { failed?: { index?: number; code?: unknown }[] } = {};
        try {
            parsed = reply.body ? (JSON.parse(reply.body) as typeof parsed) : {};
        } catch {
            parsed = {};
        }
        const failed = (parsed.failed ?? []).filter(
            f => Number.isInteger(f.index) && f.index! >= 0 && f.index! < events.length,
        );
        // An event refused for good (e.g. 400: too large) would be resent until the deadline for nothing.
        const permanent = failed.find(f => {
            const c = Number(f.code);
            return Number.isInteger(c) && c >= 400 && c < 500 && c !== 429;
        });
        if (permanent)
            throw publishError(`AppSync refused event ${permanent.index} with code ${String(permanent.code)}`, {
                status: Number(permanent.code),
                retryable: false,
            });
        return { failed: failed.map(f => f.index!) };
    };
}
