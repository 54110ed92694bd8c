// Time-budgeted delivery of an ordered list of events: one request in flight, at most `maxEventsPerRequest`
// events each, transient failures retried with capped, jittered backoff for as long as the deadline allows.
// No Pulumi imports, no I/O of its own (the caller's `send` does the request).

/** Sends events in one request within `timeoutMs`; resolves with the indices not accepted (partial failure). */
export type SendFn = (events: string[], timeoutMs: number) => Promise<unknown>; // { failed?: number[] } when AppSync names events it refused

export interface PublishError extends Error {
    status?: number;
    /** Failed attempts in a row when delivery gave up. */
    attempts: number;
    /** Whether sending the same events again can succeed (429, 5xx, network). */
    retryable: boolean;
    /** Delivery stopped because the time ran out, not because of the answer. */
    deadline?: boolean;
    /** Delivery stopped because no publish succeeded for the outage tolerance (`outageMs`). */
    outage?: boolean;
}

export function publishError(
    message: string,
    f: { status?: number; retryable?: boolean; attempts?: number; deadline?: boolean; outage?: boolean } = {},
): PublishError {
    const e = new Error(message) as PublishError;
    e.name = "PublishFailed";
    e.status = f.status;
    e.retryable = f.retryable ?? false;
    e.attempts = f.attempts ?? 1;
    if (f.deadline) e.deadline = true;
    if (f.outage) e.outage = true;
    return e;
}

export interface DeliveryOptions {
    send: SendFn;
    /** Absolute time (ms) the next attempt must end by; read before every attempt. */
    deadline: () => number;
    /** Absolute time after which delivery gives up (default: deadline()). */
    giveUpAt?: () => number;
    /** Per-request timeout, cut to the deadline (default 3 s). */
    requestTimeoutMs?: number;
    /** Failed attempts in a row before giving up (default: none, only the deadline). */
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** AppSync Events accepts at most 5 events per publish request. */
    maxEventsPerRequest?: number;
    /** Gives up once no attempt has been accepted for this long (an endpoint that is down, not a short storm):
     * counted from the start of the first failed attempt after the last accepted one (stats.failingSince). */
    outageMs?: number;
}

export interface DeliveryStats {
    /** Requests made, retries included. */
    requests: number;
    /** Events accepted. */
    accepted: number;
    /** Attempts that failed (transient) or were partly refused. */
    retries: number;
    /** Start of the first failed attempt since the last accepted one (kept across calls, like the counts). */
    failingSince?: number;
}

/** An attempt shorter than this cannot get an answer from a real endpoint: stop instead. */
const MIN_ATTEMPT_MS = 50;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Full jitter on a capped exponential: spreads concurrent relays without growing the wait unboundedly. */
export function backoffMs(failures: number, base = 50, cap = 1000): number {
    return base / 2 + Math.random() * Math.min(cap, base * 2 ** Math.max(0, failures - 1));
}

/**
 * Sends `pending` (mutated: accepted events are removed, in seq order) until it is empty. `refill` runs before
 * every attempt and may append events. The events themselves are never changed, so a resend is byte-identical.
 * Rejects with a PublishError when an answer is permanent, `maxAttempts` failed in a row, or time is up.
 */
export async function deliver(
    pending: string[],
    o: DeliveryOptions,
    refill?: () => void,
    stats: DeliveryStats = { requests: 0, accepted: 0, retries: 0 },
): Promise<DeliveryStats> {
    const per = Math.max(1, Math.min(5, o.maxEventsPerRequest ?? 5));
    const requestTimeout = o.requestTimeoutMs ?? 3000;
    const giveUpAt = o.giveUpAt ?? o.deadline;
    let failures = 0;
    let last: { problem: string; status?: number } = { problem: "no attempt" };
    const stop = (why: string) =>
        publishError(`${why} after ${failures} failed attempt(s): ${last.problem}`, {
            status: last.status,
            attempts: failures,
            retryable: true,
            deadline: true,
        });
    const outageEnd = () =>
        o.outageMs !== undefined && stats.failingSince !== undefined ? stats.failingSince + o.outageMs : Infinity;
    const outage = () =>
        publishError(
            `no publish succeeded for ${Math.round((Date.now() - stats.failingSince!) / 100) / 10} s ` +
                `(tolerance ${o.outageMs! / 1000} s) after ${failures} failed attempt(s): ${last.problem}`,
            { status: last.status, attempts: failures, retryable: true, outage: true },
        );
    for (;;) {
        refill?.();
        if (!pending.length) return stats;
        const now = Date.now();
        if (outageEnd() - now < MIN_ATTEMPT_MS) throw outage();
        if (giveUpAt() - now < MIN_ATTEMPT_MS) throw stop("publishing stopped at the function's deadline");
        if (o.deadline() - now < MIN_ATTEMPT_MS) {
            // This window is over but a later one is not (the relay's reserve opens with its terminal event).
            await sleep(10);
            continue;
        }
        // No attempt outlasts the outage tolerance: a silent endpoint is found out within it, not a timeout later.
        const timeoutMs = Math.min(
            requestTimeout,
            o.deadline() - now,
            giveUpAt() - now,
            outageEnd() - now,
            o.outageMs ?? Infinity,
        );
        const batch = pending.slice(0, per);
        stats.requests++;
        let acceptedSome = false;
        try {
            const out = (await o.send(batch, timeoutMs)) as { failed?: number[] } | undefined;
            const refused = new Set((out?.failed ?? []).filter(i => Number.isInteger(i) && i >= 0 && i < batch.length));
            // Partial failure: only the refused events stay, still ahead of anything newer.
            pending.splice(0, batch.length, ...batch.filter((_, i) => refused.has(i)));
            stats.accepted += batch.length - refused.size;
            acceptedSome = refused.size < batch.length;
            if (acceptedSome) stats.failingSince = undefined;
            if (!refused.size) {
                failures = 0;
                continue;
            }
            if (refused.size < batch.length) failures = 0;
            last = { problem: `${refused.size} event(s) not accepted` };
        } catch (e) {
            const err = e as Partial<PublishError>;
            if (!err?.retryable)
                throw Object.assign(err instanceof Error ? err : publishError(String(e)), { attempts: failures + 1 });
            last = { problem: String(err.message), status: err.status };
        }
        failures++;
        stats.retries++;
        if (!acceptedSome) stats.failingSince ??= now;
        if (outageEnd() - Date.now() < MIN_ATTEMPT_MS) throw outage();
        if (o.maxAttempts && failures >= o.maxAttempts)
            throw publishError(`publishing failed after ${failures} attempts: ${last.problem}`, {
                status: last.status,
                attempts: failures,
                retryable: true,
            });
        const room = giveUpAt() - Date.now() - MIN_ATTEMPT_MS;
        if (room <= 0) throw stop("publishing stopped at the function's deadline");
        const outageRoom = Math.max(0, outageEnd() - Date.now());
        await sleep(Math.min(backoffMs(failures, o.baseDelayMs, o.maxDelayMs), room, outageRoom));
    }
}
