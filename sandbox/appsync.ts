// AppSync Events emulation (https://docs.aws.amazon.com/appsync/latest/eventapi/event-api-websocket-protocol.html,
// publish-http.html): the HTTP publish endpoint (IAM/SigV4 only, as the namespace is configured) and the
// realtime WebSocket endpoint (protocol aws-appsync-event-ws: connection_init/ack, ka, subscribe with
// authorization, subscribe_success/error, data, unsubscribe), each subscription authorized by the project's
// onSubscribe handler. Limits as documented: at most 5 events per publish, each at most 240 KB, channel
// segments [A-Za-z0-9-] of 1..50 characters, at most 5 segments, a wildcard only as the last one.
import * as crypto from "crypto";
import type * as http from "http";
import { RawData, WebSocket, WebSocketServer } from "ws";
import { loadOnSubscribe, SubscribeIdentity } from "./onSubscribe";
import { KnownCredentials, verifySigV4 } from "./sigv4";
import { Claims, TokenIssuer } from "./tokens";

export const MAX_EVENTS = 5;
export const MAX_EVENT_BYTES = 240 * 1024;
const SEGMENT = /^[A-Za-z0-9-]{1,50}$/;
const KA_MS = 60_000;
const CONNECTION_TIMEOUT_MS = 300_000;
const HOLD_MS = 1000;
const MAX_KEPT = 10_000;

export interface EventsOptions {
    namespace: string;
    region: string;
    /** The HTTP endpoint clients were given (SigV4 signs its host and path). */
    httpEndpoint: string;
    issuer: TokenIssuer;
    /** Credentials allowed to publish (the relay's role), with the namespace's IAM permission. */
    publishers: KnownCredentials[];
    faults: { redeliver: boolean };
    log: (line: string) => void;
}

interface Subscription {
    id: string;
    channel: string;
    socket: WebSocket;
    sent: number;
    held?: { event: string; timer: NodeJS.Timeout };
}

type ChannelProblem = string | undefined;

/** AppSync's channel rules; `wildcard` allows a trailing /* (subscriptions only). */
export function channelProblem(channel: unknown, namespace: string, wildcard: boolean): ChannelProblem {
    if (typeof channel !== "string" || !channel.startsWith("/")) return "channel must be a string starting with /";
    const segs = channel.split("/").slice(1);
    if (segs.length < 1 || segs.length > 5) return "a channel has 1 to 5 segments";
    for (const [i, s] of segs.entries()) {
        const last = i === segs.length - 1;
        if (s === "*" && wildcard && last && i > 0) continue;
        if (!SEGMENT.test(s))
            return `channel segment "${s}" is not valid: [A-Za-z0-9-], 1..50 characters${wildcard ? ", * only as the last segment" : ""}`;
    }
    if (segs[0] !== namespace) return `no channel namespace ${segs[0]}`;
    return undefined;
}

function matches(pattern: string, channel: string): boolean {
    if (pattern.endsWith("/*")) return channel.startsWith(pattern.slice(0, -1));
    return pattern === channel;
}

function identityOf(c: Claims): SubscribeIdentity {
    return {
        sub: c.sub,
        username: c.username ?? c["cognito:username"],
        issuer: String(c.iss),
        claims: { ...c },
        sourceIp: ["127.0.0.1"],
        defaultAuthStrategy: "ALLOW",
        groups: Array.isArray(c["cognito:groups"]) ? (c["cognito:groups"] as string[]) : null,
    };
}

function decodeHeaderProtocol(protocols: Set<string>): Record<string, string> | undefined {
    const p = [...protocols].find(x => x.startsWith("header-"));
    if (!p) return undefined;
    try {
        return JSON.parse(Buffer.from(p.slice(7), "base64url").toString("utf8"));
    } catch {
        return undefined;
    }
}

export class EventsApi {
    readonly wss: WebSocketServer;
    private readonly subs = new Set<Subscription>();
    private readonly onSubscribe = loadOnSubscribe();
    /** The accepted publishes (channel, events), the most recent MAX_KEPT, for tests. */
    readonly published: { channel: string; events: string[] }[] = [];

    constructor(private readonly o: EventsOptions) {
        this.wss = new WebSocketServer({
            noServer: true,
            handleProtocols: protocols => (protocols.has("aws-appsync-event-ws") ? "aws-appsync-event-ws" : false),
        });
        this.wss.on("connection", (ws, req) => this.connection(ws, req));
    }

    // ---- HTTP publish -------------------------------------------------------------------------------------
    async httpPublish(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
        const reply = (status: number, payload: unknown) => {
            res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": crypto.randomUUID() });
            res.end(JSON.stringify(payload));
        };
        const error = (status: number, errorType: string, message: string) =>
            reply(status, { errors: [{ errorType, message }] });
        let principal: KnownCredentials;
        try {
            principal = await this.authorizeIam(req, body);
        } catch (e) {
            return error(401, "UnauthorizedException", (e as Error).message);
        }
        let parsed: { channel?: unknown; events?: unknown };
        try {
            parsed = JSON.parse(body);
        } catch {
            return error(400, "BadRequestException", "The request body is not valid JSON");
        }
        const problem = this.checkPublish(parsed.channel, parsed.events);
        if (problem) return error(400, "BadRequestException", problem);
        const events = parsed.events as string[];
        const successful: { identifier: string; index: number }[] = [];
        const failed: { identifier: string; index: number; code: number; message: string }[] = [];
        events.forEach((e, index) => {
            if (Buffer.byteLength(e, "utf8") > MAX_EVENT_BYTES)
                failed.push({
                    identifier: crypto.randomUUID(),
                    index,
                    code: 400,
                    message: `event is larger than ${MAX_EVENT_BYTES} bytes`,
                });
            else successful.push({ identifier: crypto.randomUUID(), index });
        });
        const accepted = successful.map(s => events[s.index]);
        if (accepted.length) this.publish(parsed.channel as string, accepted);
        this.o.log(`events: ${principal.principal} published ${accepted.length} event(s) to ${String(parsed.channel)}`);
        reply(200, { failed, successful });
    }

    private async authorizeIam(req: http.IncomingMessage, body: string): Promise<KnownCredentials> {
        const url = new URL(req.url ?? "/", this.o.httpEndpoint);
        return verifySigV4(
            { method: req.method ?? "POST", url: url.toString(), headers: req.headers, body },
            "appsync",
            this.o.region,
            this.o.publishers,
        );
    }

    private checkPublish(channel: unknown, events: unknown): string | undefined {
        const cp = channelProblem(channel, this.o.namespace, false);
        if (cp) return cp;
        if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS)
            return `events must be an array of 1 to ${MAX_EVENTS} JSON strings`;
        for (const [i, e] of events.entries()) {
            if (typeof e !== "string") return `events[${i}] must be a string holding JSON`;
            try {
                JSON.parse(e);
            } catch {
                return `events[${i}] is not valid JSON`;
            }
        }
        return undefined;
    }

    /** Delivers accepted events to every matching subscription, in order (with the fault mode applied). */
    publish(channel: string, events: string[]): void {
        this.published.push({ channel, events });
        // A sandbox may run for days: keep the most recent publishes only (tests look at a few at a time).
        if (this.published.length > MAX_KEPT) this.published.splice(0, this.published.length - MAX_KEPT);
        for (const s of this.subs) if (matches(s.channel, channel)) for (const e of events) this.deliver(s, e);
    }

    private send(s: Subscription, event: string): void {
        if (s.socket.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify({ type: "data", id: s.id, event }));
    }

    private deliver(s: Subscription, event: string): void {
        if (!this.o.faults.redeliver) return this.send(s, event);
        // At-least-once, out of order, as AppSync may deliver: every 3rd event is held back until after the next
        // one (at most HOLD_MS: longer than the relay's longest coalescing window, so the next event of the same
        // answer overtakes it), every 4th is delivered twice. Deterministic, so a failing client test fails every time.
        const n = ++s.sent;
        if (s.held) {
            clearTimeout(s.held.timer);
            const held = s.held.event;
            s.held = undefined;
            this.send(s, event);
            this.send(s, held);
        } else if (n % 3 === 0) {
            s.held = {
                event,
                timer: setTimeout(() => {
                    s.held = undefined;
                    this.send(s, event);
                }, HOLD_MS),
            };
            return;
        } else {
            this.send(s, event);
        }
        if (n % 4 === 0) this.send(s, event);
    }

    // ---- realtime WebSocket -----------------------------------------------------------------------------------
    /** Hands an HTTP upgrade on the realtime path to the WebSocket server. */
    upgrade(req: http.IncomingMessage, socket: import("stream").Duplex, head: Buffer): void {
        this.wss.handleUpgrade(req, socket, head, ws => this.wss.emit("connection", ws, req));
    }

    private async connectionAuth(req: http.IncomingMessage): Promise<string | undefined> {
        const protocols = new Set(
            String(req.headers["sec-websocket-protocol"] ?? "")
                .split(",")
                .map(s => s.trim())
                .filter(Boolean),
        );
        const header = decodeHeaderProtocol(protocols);
        if (!header) return "no authorization header (subprotocol header-<base64url JSON>)";
        if (header["x-api-key"] && !header.Authorization)
            return "API_KEY is not an authorization mode of this API: connect with a Cognito user pool token or IAM";
        if (header.Authorization && !String(header.Authorization).startsWith("AWS4-HMAC-SHA256")) {
            try {
                await this.o.issuer.verify(String(header.Authorization), ["id", "access"]);
                return undefined;
            } catch (e) {
                return (e as Error).message;
            }
        }
        try {
            await verifySigV4(
                { method: "POST", url: this.o.httpEndpoint, headers: header, body: "{}" },
                "appsync",
                this.o.region,
                this.o.publishers,
            );
            return undefined;
        } catch (e) {
            return (e as Error).message;
        }
    }

    private connection(ws: WebSocket, req: http.IncomingMessage): void {
        const authProblem = this.connectionAuth(req);
        const mine = new Set<Subscription>();
        let ka: NodeJS.Timeout | undefined;
        const send = (m: unknown) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
        };
        const onMessage = async (raw: RawData): Promise<void> => {
            let m: any;
            try {
                m = JSON.parse(
                    Buffer.isBuffer(raw) ? raw.toString("utf8") : Buffer.concat(raw as Buffer[]).toString("utf8"),
                );
            } catch {
                return send({
                    type: "error",
                    errors: [{ errorType: "BadRequestException", message: "message is not JSON" }],
                });
            }
            switch (m?.type) {
                case "connection_init": {
                    const problem = await authProblem;
                    if (problem) {
                        send({
                            type: "connection_error",
                            errors: [{ errorType: "UnauthorizedException", message: problem }],
                        });
                        ws.close(1000);
                        return;
                    }
                    send({ type: "connection_ack", connectionTimeoutMs: CONNECTION_TIMEOUT_MS });
                    ka = setInterval(() => send({ type: "ka" }), KA_MS);
                    return;
                }
                case "subscribe":
                    return this.subscribe(ws, mine, m, send);
                case "unsubscribe": {
                    const s = [...mine].find(x => x.id === m.id);
                    if (!s)
                        return send({
                            type: "unsubscribe_error",
                            id: m.id,
                            errors: [{ errorType: "UnknownOperationError", message: "no subscription with this id" }],
                        });
                    mine.delete(s);
                    this.subs.delete(s);
                    return send({ type: "unsubscribe_success", id: m.id });
                }
                case "publish":
                    // The namespace's publish auth mode is IAM only; the realtime publish path is not emulated.
                    return send({
                        type: "publish_error",
                        id: m.id,
                        errors: [
                            {
                                errorType: "UnauthorizedException",
                                message: "publishing on this namespace requires AWS_IAM over HTTP in the sandbox",
                            },
                        ],
                    });
                default:
                    return send({
                        type: "error",
                        id: m?.id,
                        errors: [{ errorType: "UnsupportedOperation", message: `unknown message type ${m?.type}` }],
                    });
            }
        };
        ws.on("message", raw => void onMessage(raw));
        ws.on("close", () => {
            clearInterval(ka);
            for (const s of mine) {
                if (s.held) clearTimeout(s.held.timer);
                this.subs.delete(s);
            }
        });
    }

    private async subscribe(ws: WebSocket, mine: Set<Subscription>, m: any, send: (m: unknown) => void): Promise<void> {
        const id = typeof m.id === "string" ? m.id : "";
        const refuse = (errorType: string, message: string) =>
            send({ type: "subscribe_error", id, errors: [{ errorType, message }] });
        if (!id) return refuse("BadRequestException", "subscribe needs an id");
        if ([...mine].some(s => s.id === id))
            return refuse("BadRequestException", "a subscription with this id exists on the connection");
        const problem = channelProblem(m.channel, this.o.namespace, true);
        if (problem) return refuse("BadRequestException", problem);
        const token = m.authorization?.Authorization;
        let claims: Claims;
        try {
            if (typeof token !== "string" || !token)
                throw new Error(
                    "no Authorization in the subscribe message (the namespace subscribes with AMAZON_COGNITO_USER_POOLS)",
                );
            claims = await this.o.issuer.verify(token, ["id", "access"]);
        } catch (e) {
            return refuse("UnauthorizedException", (e as Error).message);
        }
        if (!this.onSubscribe(identityOf(claims), m.channel, this.o.namespace)) {
            this.o.log(`events: onSubscribe refused ${claims.sub} on ${m.channel}`);
            return refuse("Unauthorized", "You are not authorized to make this call.");
        }
        const s: Subscription = { id, channel: m.channel, socket: ws, sent: 0 };
        mine.add(s);
        this.subs.add(s);
        send({ type: "subscribe_success", id });
    }

    /** Drops every realtime socket without a close frame, as a lost network does; returns how many. */
    dropConnections(): number {
        const all = [...this.wss.clients];
        for (const c of all) c.terminate();
        return all.length;
    }

    close(): void {
        for (const s of this.subs) if (s.held) clearTimeout(s.held.timer);
        for (const c of this.wss.clients) c.terminate();
        this.wss.close();
    }
}
