// Fake AppSync Events HTTP endpoint (POST /event {channel, events}): checks that a SigV4 Authorization header
// for service "appsync" is present, records what it accepted, and injects failures, latency and network faults
// on demand. Like AppSync it has no idempotency: a resent event is delivered again.
import * as http from "http";
import { listenLoopback, signer, withBody } from "./fakes";

export interface Publish {
    channel: string;
    events: string[];
    signedBy: ReturnType<typeof signer>;
    at: number;
    /** TCP connection the request came on (connection reuse shows as few distinct ids). */
    connection: number;
}

/**
 * A network fault for one request: "silent" holds the request open and never answers (nothing accepted);
 * "resetAfterAccept" accepts the events, then drops the connection without an answer; {replyDelayMs} accepts
 * at once and answers that much later (slower than the client's timeout, say).
 */
/** AppSync Events' largest event (240 KB, read as 240,000 bytes to be strict). */
export const MAX_EVENT_BYTES = 240_000;

export type Fault = "silent" | "resetAfterAccept" | { replyDelayMs: number };

export class FakeAppSync {
    /** Accepted publishes, in the order they were accepted. */
    publishes: Publish[] = [];
    /** Every request, refused ones included. */
    requests = 0;
    refused: { status: number; at: number }[] = [];
    connections = 0;
    latencyMs = 0;
    /** Decides per request (1-based) whether to answer with an error status instead (e.g. 429 or 500). */
    fail: (n: number, body: { channel: string; events: string[] }) => number | undefined = () => undefined;
    /** Indices AppSync reports in `failed` for request n (a 200 with partial failure); the others are accepted. */
    partial: (n: number, events: string[]) => number[] = () => [];
    /** Network faults per request (1-based), checked before `fail`. */
    fault: (n: number, body: { channel: string; events: string[] }) => Fault | undefined = () => undefined;
    /** Requests that met an injected network fault. */
    faults: { n: number; fault: Fault; at: number }[] = [];
    /** Largest request body seen, in bytes. */
    maxBodyBytes = 0;
    /** While true, connections are refused: the port stops listening (ECONNREFUSED), as for an endpoint that is down. */
    private refusing = false;
    private server?: http.Server;
    url = "";

    async start(): Promise<this> {
        this.server = http.createServer(
            withBody(async (req, res, body) => {
                const n = ++this.requests;
                const conn = (req.socket as any).__fakeId as number;
                if (this.latencyMs) await new Promise(r => setTimeout(r, this.latencyMs));
                const sig = signer(req.headers);
                const reply = (status: number, payload: unknown) => {
                    res.writeHead(status, { "content-type": "application/json" });
                    res.end(JSON.stringify(payload));
                };
                if (req.method !== "POST" || req.url !== "/event")
                    return reply(404, { errors: [{ errorType: "NotFound", message: `${req.method} ${req.url}` }] });
                if (sig.service !== "appsync" || !req.headers["x-amz-date"]) {
                    return reply(401, {
                        errors: [
                            { errorType: "UnauthorizedException", message: "missing or wrong SigV4 Authorization" },
                        ],
                    });
                }
                let parsed: { channel?: unknown; events?: unknown };
                try {
                    parsed = JSON.parse(body);
                } catch {
                    return reply(400, { errors: [{ errorType: "BadRequest", message: "not JSON" }] });
                }
                const events = parsed.events;
                if (
                    typeof parsed.channel !== "string" ||
                    !Array.isArray(events) ||
                    !events.length ||
                    events.length > 5 ||
                    events.some(e => typeof e !== "string")
                ) {
                    return reply(400, {
                        errors: [{ errorType: "BadRequest", message: "channel and 1..5 string events required" }],
                    });
                }
                this.maxBodyBytes = Math.max(this.maxBodyBytes, Buffer.byteLength(body));
                const fault = this.fault(n, { channel: parsed.channel, events: events as string[] });
                if (fault) {
                    this.faults.push({ n, fault, at: Date.now() });
                    if (fault === "silent") return; // the request stays open until the client gives up or stop()
                    this.publishes.push({
                        channel: parsed.channel,
                        events: events as string[],
                        signedBy: sig,
                        at: Date.now(),
                        connection: conn,
                    });
                    if (fault === "resetAfterAccept") return void req.socket.destroy();
                    await new Promise(r => setTimeout(r, fault.replyDelayMs));
                    if (res.destroyed || req.socket.destroyed) return;
                    return reply(200, {
                        failed: [],
                        successful: (events as string[]).map((_, index) => ({ identifier: `id-${n}-${index}`, index })),
                    });
                }
                const status = this.fail(n, { channel: parsed.channel, events: events as string[] });
                if (status) {
                    this.refused.push({ status, at: Date.now() });
                    return reply(status, {
                        errors: [
                            {
                                errorType: status === 429 ? "TooManyRequestsException" : "InternalFailure",
                                message: "injected",
                            },
                        ],
                    });
                }
                // AppSync drops an event over 240 KB (https://docs.aws.amazon.com/appsync/latest/eventapi/event-api-concepts.html).
                const tooLarge = (events as string[])
                    .map((e, i) => (Buffer.byteLength(e) > MAX_EVENT_BYTES ? i : -1))
                    .filter(i => i >= 0);
                const failed = [...new Set([...this.partial(n, events as string[]), ...tooLarge])];
                const ok = (events as string[])
                    .map((e, index) => ({ e, index }))
                    .filter(x => !failed.includes(x.index));
                if (ok.length)
                    this.publishes.push({
                        channel: parsed.channel,
                        events: ok.map(x => x.e),
                        signedBy: sig,
                        at: Date.now(),
                        connection: conn,
                    });
                reply(200, {
                    failed: failed.map(index =>
                        tooLarge.includes(index)
                            ? {
                                  identifier: `id-${n}-${index}`,
                                  index,
                                  code: 400,
                                  message: "event exceeds the maximum size of 240 KB",
                              }
                            : { identifier: `id-${n}-${index}`, index, code: 500, message: "injected" },
                    ),
                    successful: ok.map(x => ({ identifier: `id-${n}-${x.index}`, index: x.index })),
                });
            }),
        );
        this.server.on("connection", s => {
            (s as any).__fakeId = ++this.connections;
        });
        this.server.keepAliveTimeout = 30000;
        this.url = `${await listenLoopback(this.server)}/event`;
        return this;
    }

    /** Stops listening on the same port (new connections get ECONNREFUSED) and drops the open ones. */
    async refuseConnections(): Promise<void> {
        if (this.refusing) return;
        this.refusing = true;
        this.server?.closeAllConnections();
        await new Promise(r => this.server?.close(r));
    }

    /** What a subscriber of `channel` received, parsed, in arrival order. */
    received(channel?: string): any[] {
        return this.receivedRaw(channel).map(e => JSON.parse(e));
    }

    /** The same, as the exact strings delivered (a re-delivery must be byte-identical). */
    receivedRaw(channel?: string): string[] {
        return this.publishes.filter(p => channel === undefined || p.channel === channel).flatMap(p => p.events);
    }

    async stop(): Promise<void> {
        if (this.refusing) return;
        this.server?.closeAllConnections();
        await new Promise(r => this.server?.close(r));
    }
}
