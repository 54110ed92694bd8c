// Helpers for the sandbox's protocol tests: a raw AppSync Events realtime client (the documented messages,
// spoken directly so that each can be checked) and tokens the sandbox did not sign.
import * as crypto from "crypto";
import { SignJWT, generateKeyPair } from "jose";
import WebSocket from "ws";

export interface RealtimeMessage {
    type: string;
    id?: string;
    event?: string;
    errors?: { errorType: string; message: string }[];
    connectionTimeoutMs?: number;
}

/** One realtime connection: every message kept, waiters for the next matching one. */
export class RawRealtime {
    readonly messages: RealtimeMessage[] = [];
    private waiters: { match: (m: RealtimeMessage) => boolean; resolve: (m: RealtimeMessage) => void }[] = [];
    closed = false;

    private constructor(readonly ws: WebSocket) {
        ws.on("message", raw => {
            const m = JSON.parse((raw as Buffer).toString("utf8")) as RealtimeMessage;
            this.messages.push(m);
            this.waiters = this.waiters.filter(w => (w.match(m) ? (w.resolve(m), false) : true));
        });
        ws.on("close", () => {
            this.closed = true;
        });
    }

    /** Opens the socket the way Amplify does: subprotocols aws-appsync-event-ws and header-<base64url JSON>. */
    static async open(url: string, header: Record<string, string> | undefined, ca: string): Promise<RawRealtime> {
        const protocols = [
            "aws-appsync-event-ws",
            ...(header ? [`header-${Buffer.from(JSON.stringify(header)).toString("base64url")}`] : []),
        ];
        const ws = new WebSocket(url, protocols, { ca });
        const c = new RawRealtime(ws);
        await new Promise<void>((resolve, reject) => {
            ws.once("open", () => resolve());
            ws.once("error", reject);
        });
        return c;
    }

    send(m: unknown): void {
        this.ws.send(JSON.stringify(m));
    }

    next(match: (m: RealtimeMessage) => boolean, timeoutMs = 5000): Promise<RealtimeMessage> {
        const seen = this.messages.find(match);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
            const t = setTimeout(
                () =>
                    reject(
                        new Error(
                            `no matching realtime message in ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`,
                        ),
                    ),
                timeoutMs,
            );
            this.waiters.push({
                match,
                resolve: m => {
                    clearTimeout(t);
                    resolve(m);
                },
            });
        });
    }

    async init(): Promise<RealtimeMessage> {
        this.send({ type: "connection_init" });
        return this.next(m => m.type === "connection_ack" || m.type === "connection_error");
    }

    async subscribe(id: string, channel: string, token: string | undefined, host: string): Promise<RealtimeMessage> {
        this.send({
            type: "subscribe",
            id,
            channel,
            authorization: token === undefined ? {} : { Authorization: token, host },
        });
        return this.next(m => m.id === id && (m.type === "subscribe_success" || m.type === "subscribe_error"));
    }

    /** The chat events received on subscription `id`, parsed, in arrival order. */
    events(id: string): any[] {
        return this.messages.filter(m => m.type === "data" && m.id === id).map(m => JSON.parse(m.event!));
    }

    close(): void {
        this.ws.close();
    }
}

/** A token shaped exactly like the sandbox's, signed by another key: what a forger can make. */
export async function forgedToken(claims: Record<string, unknown>): Promise<string> {
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "forged" })
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
}

/** The payload of a JWT (no verification). */
export function claimsOf(token: string): Record<string, any> {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

/** A token with the payload changed and the original signature kept. */
export function tampered(token: string, change: Record<string, unknown>): string {
    const [h, , s] = token.split(".");
    return [h, Buffer.from(JSON.stringify({ ...claimsOf(token), ...change })).toString("base64url"), s].join(".");
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Waits until `check` returns a value (polling), or fails with `what`. */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 10000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const v = check();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}
