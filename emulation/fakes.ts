// Local fake endpoints for the real AWS SDK clients: STS (query protocol, HTTP/1.1) and Bedrock Runtime
// (REST JSON and event streams over HTTP/2, as the client speaks it). Loopback only.
import * as http from "http";
import * as http2 from "http2";
import { AddressInfo } from "net";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/** The access key id that signed a SigV4 request, and the region/service in its scope. */
export function signer(headers: Record<string, string | string[] | undefined>): {
    accessKeyId?: string;
    region?: string;
    service?: string;
    bearer?: string;
} {
    const auth = String(headers["authorization"] ?? "");
    if (auth.startsWith("Bearer ")) return { bearer: auth.slice(7) };
    const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
    return m ? { accessKeyId: m[1], region: m[2], service: m[3] } : {};
}

/** An HTTP handler that gets the request's whole body. */
export function withBody(
    handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void | Promise<void>,
): http.RequestListener {
    return (req, res) => {
        // Buffers joined before decoding: a multi-byte character may straddle two chunks.
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => void handle(req, res, Buffer.concat(chunks).toString("utf8")));
    };
}

/** Listens on a free loopback port; returns the base URL. */
export async function listenLoopback(server: http.Server | http2.Http2Server): Promise<string> {
    await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface AssumeRoleCall {
    roleArn: string;
    sessionName: string;
    externalId?: string;
    durationSeconds?: number;
    signedBy?: string;
    at: number;
}

/** Fake STS: answers AssumeRole with fresh credentials that expire after `expiresInSeconds`. */
export class FakeSts {
    calls: AssumeRoleCall[] = [];
    expiresInSeconds = 3600;
    /** Role ARNs this fake refuses (AccessDenied, as STS answers when the trust policy does not match). */
    deny = new Set<string>();
    latencyMs = 0;
    private server?: http.Server;
    url = "";

    async start(): Promise<this> {
        this.server = http.createServer(
            withBody(async (req, res, body) => {
                const form = new URLSearchParams(body);
                if (this.latencyMs) await new Promise(r => setTimeout(r, this.latencyMs));
                if (form.get("Action") !== "AssumeRole") {
                    res.writeHead(400, { "content-type": "text/xml" });
                    res.end(
                        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>fake STS knows only AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
                    );
                    return;
                }
                const roleArn = form.get("RoleArn") ?? "";
                const sessionName = form.get("RoleSessionName") ?? "";
                this.calls.push({
                    roleArn,
                    sessionName,
                    externalId: form.get("ExternalId") ?? undefined,
                    durationSeconds: form.has("DurationSeconds") ? Number(form.get("DurationSeconds")) : undefined,
                    signedBy: signer(req.headers).accessKeyId,
                    at: Date.now(),
                });
                if (this.deny.has(roleArn)) {
                    res.writeHead(403, { "content-type": "text/xml" });
                    res.end(
                        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
                    );
                    return;
                }
                const n = this.calls.length;
                const account = /iam::(\d{12}):/.exec(roleArn)?.[1] ?? "000000000000";
                const roleName = roleArn.split("/").pop();
                const exp = new Date(Date.now() + this.expiresInSeconds * 1000).toISOString();
                res.writeHead(200, { "content-type": "text/xml" });
                res.end(
                    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
                        `<Credentials><AccessKeyId>ASIAFAKE${account}${String(n).padStart(4, "0")}</AccessKeyId><SecretAccessKey>fake-secret-${n}</SecretAccessKey>` +
                        `<SessionToken>fake-session-token-${n}</SessionToken><Expiration>${exp}</Expiration></Credentials>` +
                        `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}</Arn><AssumedRoleId>AROAFAKE:${sessionName}</AssumedRoleId></AssumedRoleUser>` +
                        `</AssumeRoleResult><ResponseMetadata><RequestId>fake-${n}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
                );
            }),
        );
        this.url = await listenLoopback(this.server);
        return this;
    }

    async stop(): Promise<void> {
        await new Promise(r => this.server?.close(r));
    }
}

export interface BedrockRequest {
    /** Converse, ConverseStream, InvokeModel ("invoke"), InvokeModelWithResponseStream ("invoke-stream") or CountTokens. */
    op: "converse" | "converse-stream" | "invoke" | "invoke-stream" | "count-tokens";
    modelId: string;
    body: any;
    headers: Record<string, string | string[] | undefined>;
    signedBy: ReturnType<typeof signer>;
}

/** One step of a scripted ConverseStream answer. */
export type StreamStep =
    | {
          event:
              | "messageStart"
              | "contentBlockStart"
              | "contentBlockDelta"
              | "contentBlockStop"
              | "messageStop"
              | "metadata"
              | "chunk";
          payload: unknown;
      }
    | { delayMs: number }
    | { exception: string; message: string }
    | { raw: Uint8Array };

export type BedrockAnswer =
    { json: unknown } | { error: { type: string; status: number; message: string } } | { stream: StreamStep[] };

export const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One event-stream message: `:event-type` for events, `:exception-type` for modeled exceptions. */
function frame(messageType: "event" | "exception", type: string, payload: unknown): Uint8Array {
    return codec.encode({
        headers: {
            [`:${messageType}-type`]: { type: "string", value: type },
            ":content-type": { type: "string", value: "application/json" },
            ":message-type": { type: "string", value: messageType },
        },
        body: fromUtf8(JSON.stringify(payload)),
    });
}

export function eventFrame(event: string, payload: unknown): Uint8Array {
    return frame("event", event, payload);
}

export function exceptionFrame(type: string, message: string): Uint8Array {
    return frame("exception", type, { message });
}

/** A normal streamed answer: text in chunks, then messageStop and the metadata event (usage) after it. */
export function textStream(
    chunks: string[],
    opts: { delayMs?: number; stopReason?: string; usage?: Record<string, number> } = {},
): StreamStep[] {
    const steps: StreamStep[] = [{ event: "messageStart", payload: { role: "assistant" } }];
    for (const text of chunks) {
        if (opts.delayMs) steps.push({ delayMs: opts.delayMs });
        steps.push({ event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text } } });
    }
    steps.push({ event: "contentBlockStop", payload: { contentBlockIndex: 0 } });
    steps.push({ event: "messageStop", payload: { stopReason: opts.stopReason ?? "end_turn" } });
    steps.push({
        event: "metadata",
        payload: {
            usage: opts.usage ?? { inputTokens: 10, outputTokens: chunks.length, totalTokens: 10 + chunks.length },
            metrics: { latencyMs: 42 },
        },
    });
    return steps;
}

/**
 * One InvokeModelWithResponseStream event: a `chunk` whose `bytes` are the base64 of the model's own stream event
 * (for Anthropic models, one of Anthropic's Messages stream events as JSON).
 */
export function invokeChunk(event: unknown): StreamStep {
    return { event: "chunk", payload: { bytes: Buffer.from(JSON.stringify(event), "utf8").toString("base64") } };
}

export function converseAnswer(
    text: string,
    usage = { inputTokens: 22, outputTokens: 70, totalTokens: 92 },
): BedrockAnswer {
    return {
        json: {
            output: { message: { role: "assistant", content: [{ text }] } },
            stopReason: "end_turn",
            usage,
            metrics: { latencyMs: 2203 },
        },
    };
}

const STATUS: Record<string, number> = {
    ThrottlingException: 429,
    AccessDeniedException: 403,
    ValidationException: 400,
    ResourceNotFoundException: 404,
    ServiceUnavailableException: 503,
    InternalServerException: 500,
    ServiceQuotaExceededException: 400,
    ModelNotReadyException: 429,
};

export function bedrockError(type: string, message: string, status = STATUS[type] ?? 400): BedrockAnswer {
    return { error: { type, status, message } };
}

/**
 * Bedrock's rule for Converse `requestMetadata` (API reference, Converse/ConverseStream request): at most 16 pairs,
 * keys 1..256 and values 0..256 characters of [a-zA-Z0-9\s:_@$#=/+,-.]. A request breaking it is refused with a
 * ValidationException, as Bedrock would.
 */
export function requestMetadataProblem(md: unknown): string | undefined {
    if (md === undefined) return undefined;
    if (!md || typeof md !== "object" || Array.isArray(md)) return "requestMetadata must be a map of strings";
    const entries = Object.entries(md as Record<string, unknown>);
    if (entries.length > 16) return `requestMetadata has ${entries.length} entries; at most 16`;
    const allowed = /^[a-zA-Z0-9\s:_@$#=/+,\-.]*$/;
    for (const [k, v] of entries) {
        if (k.length < 1 || k.length > 256 || !allowed.test(k))
            return `requestMetadata key ${JSON.stringify(k)} does not satisfy [a-zA-Z0-9\\s:_@$#=/+,-.]{1,256}`;
        if (typeof v !== "string" || v.length > 256 || !allowed.test(v))
            return `requestMetadata value of ${k} does not satisfy [a-zA-Z0-9\\s:_@$#=/+,-.]{0,256}`;
    }
    return undefined;
}

/** Fake Bedrock Runtime over HTTP/2 (h2c): Converse and ConverseStream answered by `handler`. */
export class FakeBedrock {
    requests: BedrockRequest[] = [];
    handler: (req: BedrockRequest) => BedrockAnswer | Promise<BedrockAnswer> = () => converseAnswer("hello");
    /** Called after each stream event frame is written (the benchmark times the model's last token with it). */
    onEvent?: (event: string, at: number) => void;
    /** Streamed answers the client closed (an aborted request) before all their steps were sent. */
    cancelledStreams: { modelId: string; at: number; stepsSent: number; steps: number }[] = [];
    private server?: http2.Http2Server;
    private sessions = new Set<http2.ServerHttp2Session>();
    url = "";

    async start(): Promise<this> {
        this.server = http2.createServer();
        this.server.on("session", s => {
            this.sessions.add(s);
            s.on("close", () => this.sessions.delete(s));
        });
        this.server.on("stream", (stream, headers) => {
            const chunks: Buffer[] = [];
            stream.on("data", (c: Buffer) => chunks.push(c));
            stream.on(
                "end",
                () =>
                    void this.answer(stream, headers, Buffer.concat(chunks).toString("utf8")).catch(() =>
                        stream.destroy(),
                    ),
            );
        });
        this.url = await listenLoopback(this.server);
        return this;
    }

    private async answer(
        stream: http2.ServerHttp2Stream,
        headers: http2.IncomingHttpHeaders,
        text: string,
    ): Promise<void> {
        const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/.exec(
            String(headers[":path"]),
        );
        if (!m) {
            stream.respond({
                ":status": 404,
                "x-amzn-errortype": "UnknownOperationException",
                "content-type": "application/json",
            });
            stream.end(JSON.stringify({ message: `fake Bedrock does not serve ${headers[":path"]}` }));
            return;
        }
        const req: BedrockRequest = {
            op: (m[2] === "invoke-with-response-stream" ? "invoke-stream" : m[2]) as BedrockRequest["op"],
            modelId: decodeURIComponent(m[1]),
            body: text ? JSON.parse(text) : {},
            headers: headers,
            signedBy: signer(headers),
        };
        this.requests.push(req);
        const refused = requestMetadataProblem(req.body.requestMetadata);
        const a = refused ? bedrockError("ValidationException", refused) : await this.handler(req);
        if ("error" in a) {
            stream.respond({
                ":status": a.error.status,
                "x-amzn-errortype": `${a.error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
                "content-type": "application/json",
            });
            stream.end(JSON.stringify({ message: a.error.message }));
        } else if ("json" in a) {
            stream.respond({ ":status": 200, "content-type": "application/json" });
            stream.end(JSON.stringify(a.json));
        } else {
            stream.respond({ ":status": 200, "content-type": "application/vnd.amazon.eventstream" });
            for (const [i, step] of a.stream.entries()) {
                if (stream.destroyed || stream.closed) {
                    this.cancelledStreams.push({
                        modelId: req.modelId,
                        at: Date.now(),
                        stepsSent: i,
                        steps: a.stream.length,
                    });
                    return;
                }
                if ("delayMs" in step) await new Promise(r => setTimeout(r, step.delayMs));
                else if ("raw" in step) stream.write(step.raw);
                else if ("exception" in step) stream.write(exceptionFrame(step.exception, step.message));
                else {
                    stream.write(eventFrame(step.event, step.payload));
                    this.onEvent?.(step.event, Date.now());
                }
            }
            stream.end();
        }
    }

    async stop(): Promise<void> {
        for (const s of this.sessions) s.destroy();
        await new Promise(r => this.server?.close(r));
    }
}
