// The ordered, coalescing relay between a model stream and a publisher. No Pulumi imports, no I/O of its own:
// the stream side calls delta/hold/done/error synchronously and never waits for a publish.
//
// Delivery is at-least-once, ordered by seq: an event gets its seq and its bytes when it is first sent and
// never changes after, so a resend (lost answer, partial failure) is byte-identical. Text that has not been
// sent yet stays one growing buffer, so an outage turns many small deltas into few large events instead of
// a growing queue (memory is bounded by the answer itself, which maxTokens bounds).
import { deliver, type DeliveryStats, type PublishError, type SendFn } from "./delivery";
import { cutForBytes, jsonStringBytes } from "./utf8";

export interface Usage {
    inputTokens?: number;
    outputTokens?: number;
    totalTokens?: number;
    cacheReadInputTokens?: number;
    cacheWriteInputTokens?: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type ChatEvent =
    | { type: "delta"; seq: number; message: string; requestId: string }
    | { type: "done"; seq: number; stopReason: string; usage: Usage | null; requestId: string }
    | { type: "error"; seq: number; code: string; message: string; requestId: string };

/** AppSync Events refuses events over 240 KB; ours stay 10 KB below, envelope included (UTF-8 bytes). */
export const MAX_EVENT_BYTES = 230_000;
/** AppSync documents no request size for Events publishes: large events go fewer per request, under about 1 MB. */
export const MAX_REQUEST_BYTES = 1_000_000;

export interface RelayOptions {
    requestId: string;
    /** Sends events (JSON strings, in seq order) in one request within timeoutMs; resolves with {failed: indices}
     * for a partial failure; rejects with an error whose `retryable` says whether a resend can help. */
    publish: SendFn;
    /** Absolute time (ms) by which every publish, retries included, has ended (default: 60 s from now). */
    endBy?: number;
    /** Kept back before endBy for the last text and the terminal event: no earlier attempt runs into it. */
    terminalReserveMs?: number;
    /** Deltas after the first are held for a window and sent as one event; the window starts at firstWindowMs
     * and doubles per flush up to windowMs, so the start of an answer stays lively and long answers need few requests. */
    windowMs?: number;
    firstWindowMs?: number;
    /** ...or sooner once this many bytes (UTF-8, as sent) are waiting. */
    maxBytes?: number;
    /** Largest event, envelope included, in UTF-8 bytes. */
    maxEventBytes?: number;
    /** AppSync Events accepts at most 5 events per publish request. */
    maxEventsPerRequest?: number;
    requestTimeoutMs?: number;
    /** Failed attempts in a row before giving up (default: none; retries last as long as time allows). */
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Called once when publishing failed for good, so the caller can stop reading the model. */
    onFailure?: (err: unknown) => void;
    /** Gives up once no publish has been accepted for this long (default: only endBy): an endpoint that is down
     * is not waited out to the deadline while the model keeps generating for nobody. */
    outageMs?: number;
    /** The error event tried once more (one attempt per request, no retries) when giving up for an outage. */
    outageEvent?: { code: string; message: string };
}

export interface RelayStats {
    ok: boolean;
    /** Events AppSync accepted (deltas, done/error). */
    events: number;
    /** Publish requests, retries included. */
    batches: number;
    /** Attempts that failed or were partly refused. */
    retries: number;
    /** Model deltas received. */
    deltas: number;
    terminal?: "done" | "error";
    error?: unknown;
    /** Gave up because no publish succeeded for outageMs; lastTry says whether the terminal event got through then. */
    outage?: { lastTry: "delivered" | "failed" };
}

export interface Relay {
    delta(text: string): void;
    /** The model's text is complete (messageStop): keep what is buffered for the terminal event's request. */
    hold(): void;
    done(stopReason: string, usage: Usage | null): Promise<RelayStats>;
    error(code: string, message: string): Promise<RelayStats>;
    /** Gives up at once (the caller's own deadline): finished resolves, nothing more is sent. */
    abandon(reason: unknown): void;
    /** Resolves once the terminal event was published or publishing failed. */
    readonly finished: Promise<RelayStats>;
    readonly failed: boolean;
    readonly terminated: boolean;
}

type Body = DistributiveOmit<ChatEvent, "seq" | "requestId">;

/** A last-try request shorter than this cannot get an answer from a real endpoint. */
const MIN_LAST_TRY_MS = 50;

const OUTAGE_EVENT = { code: "DeliveryFailed", message: "The answer could not be delivered. Please try again." };

export function createRelay(opts: RelayOptions): Relay {
    const windowMs = opts.windowMs ?? 200;
    let window = Math.min(windowMs, opts.firstWindowMs ?? 50);
    const maxBytes = opts.maxBytes ?? 12_000;
    const maxEventBytes = opts.maxEventBytes ?? MAX_EVENT_BYTES;
    const perRequest = Math.max(1, Math.min(5, opts.maxEventsPerRequest ?? 5));
    const endBy = opts.endBy ?? Date.now() + 60_000;
    const softEnd = endBy - (opts.terminalReserveMs ?? 0);
    const delivery: DeliveryStats = { requests: 0, accepted: 0, retries: 0 };
    const stats: RelayStats = { ok: true, events: 0, batches: 0, retries: 0, deltas: 0 };
    /** Sent (or about to be) and not yet accepted: seq and bytes fixed. */
    const pending: string[] = [];
    let seq = 0;
    let buffer = "";
    let bufferBytes = 0;
    let due = false;
    let timer: NodeJS.Timeout | undefined;
    let holding = false;
    let terminal: Body | undefined;
    let terminalSent = false;
    let failed = false;
    let pumping = false;
    let settled = false;
    let resolveFinished!: (s: RelayStats) => void;
    const finished = new Promise<RelayStats>(r => (resolveFinished = r));

    const freeze = (e: Body) => {
        pending.push(JSON.stringify({ ...e, seq: seq++, requestId: opts.requestId }));
    };
    const clearTimer = () => {
        if (timer) {
            clearTimeout(timer);
            timer = undefined;
        }
    };
    const textDue = () => buffer.length > 0 && (terminal !== undefined || (due && !holding));

    /** Before every attempt: cut waiting text into events that fit, then the terminal event, up to one request. */
    const refill = () => {
        if (failed) {
            pending.length = 0;
            return;
        }
        const room = () => MAX_REQUEST_BYTES - pending.reduce((n, e) => n + Buffer.byteLength(e), 0);
        while (textDue() && pending.length < perRequest && (!pending.length || room() > maxEventBytes)) {
            const envelope = Buffer.byteLength(
                JSON.stringify({ type: "delta", message: "", seq, requestId: opts.requestId }),
            );
            const cut = cutForBytes(buffer, maxEventBytes - envelope);
            const message = buffer.slice(0, cut);
            buffer = buffer.slice(cut);
            bufferBytes = Math.max(0, bufferBytes - jsonStringBytes(message));
            freeze({ type: "delta", message });
        }
        if (!buffer) {
            due = false;
            bufferBytes = 0;
            clearTimer();
        }
        if (terminal && !buffer && !terminalSent && pending.length < perRequest) {
            terminalSent = true;
            freeze(terminal);
        }
    };

    const settle = () => {
        if (settled) return;
        settled = true;
        clearTimer();
        Object.assign(stats, { events: delivery.accepted, batches: delivery.requests, retries: delivery.retries });
        resolveFinished(stats);
    };

    /**
     * After an outage: the events already frozen (their seqs are taken) and the terminal event, each request tried
     * once. Unsent text is dropped, so the terminal event's seq directly follows what was frozen and a subscriber
     * that orders by seq sees a complete, gapless end if this gets through.
     */
    const lastTry = async () => {
        if (!terminalSent) {
            terminalSent = true;
            freeze(terminal?.type === "error" ? terminal : { type: "error", ...(opts.outageEvent ?? OUTAGE_EVENT) });
            stats.terminal = "error";
        }
        // The whole last try fits in one request timeout (default 3 s), and always before endBy. Each request is
        // tried once, the next one even after one failed, so the terminal event is always among those tried.
        const lastBy = Math.min(endBy, Date.now() + (opts.requestTimeoutMs ?? 3000));
        let delivered = true;
        for (let i = 0; i < pending.length; i += perRequest) {
            const batch = pending.slice(i, i + perRequest);
            const timeoutMs = Math.floor((lastBy - Date.now()) / Math.ceil((pending.length - i) / perRequest));
            if (timeoutMs < MIN_LAST_TRY_MS) {
                delivered = false;
                break;
            }
            delivery.requests++;
            try {
                const out = (await opts.publish(batch, timeoutMs)) as { failed?: number[] } | undefined;
                const refused = new Set(
                    (out?.failed ?? []).filter(x => Number.isInteger(x) && x >= 0 && x < batch.length),
                );
                delivery.accepted += batch.length - refused.size;
                if (refused.size) delivered = false;
            } catch {
                delivered = false;
            }
        }
        stats.outage = { lastTry: delivered ? "delivered" : "failed" };
        pending.length = 0;
        settle();
    };

    const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        stats.ok = false;
        stats.error = err;
        buffer = "";
        opts.onFailure?.(err);
        if ((err as PublishError)?.outage) void lastTry();
        else {
            pending.length = 0;
            settle();
        }
    };

    const hasWork = () => pending.length > 0 || textDue() || (terminal !== undefined && !terminalSent);

    // One publish in flight; whatever arrives meanwhile joins the next request, in order.
    const pump = async () => {
        if (pumping || failed) return;
        pumping = true;
        try {
            do {
                await deliver(
                    pending,
                    {
                        send: opts.publish,
                        // Until the terminal event is queued, attempts end by the reserve's start, so the last text and
                        // the terminal event always get the whole reserve (the handler cuts the model when it begins).
                        deadline: () => (terminal ? endBy : softEnd),
                        giveUpAt: () => endBy,
                        requestTimeoutMs: opts.requestTimeoutMs,
                        maxAttempts: opts.maxAttempts,
                        baseDelayMs: opts.baseDelayMs,
                        maxDelayMs: opts.maxDelayMs,
                        maxEventsPerRequest: perRequest,
                        outageMs: opts.outageMs,
                    },
                    refill,
                    delivery,
                );
            } while (!failed && hasWork());
        } catch (err) {
            fail(err);
            return;
        } finally {
            pumping = false;
        }
        if (terminalSent && !pending.length) settle();
    };

    const kick = () => {
        if (!failed) void pump();
    };

    const terminate = (e: Body, kind: "done" | "error"): Promise<RelayStats> => {
        if (terminal || failed) return finished;
        terminal = e;
        stats.terminal = kind;
        clearTimer();
        kick();
        return finished;
    };

    return {
        delta(text: string) {
            if (terminal || failed || !text) return;
            stats.deltas++;
            buffer += text;
            bufferBytes += jsonStringBytes(text);
            if (seq === 0 && pending.length === 0) {
                // The first words go out at once: that is what the user waits for.
                due = true;
                kick();
            } else if (bufferBytes >= maxBytes) {
                due = true;
                clearTimer();
                kick();
            } else if (!timer && !holding && !due) {
                timer = setTimeout(() => {
                    timer = undefined;
                    window = Math.min(windowMs, window * 2);
                    due = true;
                    kick();
                }, window);
            }
        },
        hold() {
            holding = true;
            clearTimer();
        },
        done(stopReason: string, usage: Usage | null) {
            return terminate({ type: "done", stopReason, usage }, "done");
        },
        error(code: string, message: string) {
            return terminate({ type: "error", code, message }, "error");
        },
        abandon(reason: unknown) {
            fail(reason);
        },
        finished,
        get failed() {
            return failed;
        },
        get terminated() {
            return terminal !== undefined;
        },
    };
}
