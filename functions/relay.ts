// The ordered, coalescing relay between a model stream and a publisher. No Pulumi imports, no I/O of its own:
// the stream side calls delta/hold/done/error synchronously and never waits for a publish.

export interface Usage {
    inputTokens?: number;
    outputTokens?: number;
    totalTokens?: number;
    cacheReadInputTokens?: number;
    cacheWriteInputTokens?: number;
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

export type ChatEvent =
    | { type: "delta"; seq: number; message: string; requestId: string }
    | { type: "done"; seq: number; stopReason: string; usage: Usage | null; requestId: string }
    | { type: "error"; seq: number; code: string; message: string; requestId: string };

export interface RelayOptions {
    requestId: string;
    /** Sends events (JSON strings, in seq order) in one request; rejects when it gave up (after its own retries). */
    publish: (events: string[]) => Promise<unknown>;
    /** Deltas after the first are held for a window and sent as one event; the window starts at firstWindowMs
     * and doubles per flush up to windowMs, so the start of an answer stays lively and long answers need few requests. */
    windowMs?: number;
    firstWindowMs?: number;
    /** ...or sooner once this many characters are waiting. */
    maxChars?: number;
    /** AppSync Events accepts at most 5 events per publish request. */
    maxEventsPerRequest?: number;
    /** Called once when publishing failed for good, so the caller can stop reading the model. */
    onFailure?: (err: unknown) => void;
}

export interface RelayStats {
    ok: boolean;
    /** Events published (deltas, done/error). */
    events: number;
    /** Publish calls (batches). */
    batches: number;
    /** Model deltas received. */
    deltas: number;
    terminal?: "done" | "error";
    error?: unknown;
}

export interface Relay {
    delta(text: string): void;
    /** The model's text is complete (messageStop): keep what is buffered for the terminal event's request. */
    hold(): void;
    done(stopReason: string, usage: Usage | null): Promise<RelayStats>;
    error(code: string, message: string): Promise<RelayStats>;
    /** Resolves once the terminal event was published or publishing failed. */
    readonly finished: Promise<RelayStats>;
    readonly failed: boolean;
    readonly terminated: boolean;
}

export function createRelay(opts: RelayOptions): Relay {
    const windowMs = opts.windowMs ?? 200;
    let window = Math.min(windowMs, opts.firstWindowMs ?? 50);
    const maxChars = opts.maxChars ?? 4000;
    const perRequest = Math.max(1, Math.min(5, opts.maxEventsPerRequest ?? 5));
    const stats: RelayStats = { ok: true, events: 0, batches: 0, deltas: 0 };
    const queue: string[] = [];
    let seq = 0;
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    let holding = false;
    let closed = false;
    let failed = false;
    let pumping = false;
    let resolveFinished!: (s: RelayStats) => void;
    const finished = new Promise<RelayStats>(r => (resolveFinished = r));

    const enqueue = (e: DistributiveOmit<ChatEvent, "seq" | "requestId">) => {
        queue.push(JSON.stringify({ ...e, seq: seq++, requestId: opts.requestId }));
    };

    const flushBuffer = () => {
        if (timer) { clearTimeout(timer); timer = undefined; }
        if (buffer) {
            enqueue({ type: "delta", message: buffer });
            buffer = "";
        }
    };

    const settle = () => {
        if (timer) { clearTimeout(timer); timer = undefined; }
        resolveFinished(stats);
    };

    // One publish in flight; whatever queued meanwhile goes in the next request, in order.
    const pump = async () => {
        if (pumping || failed) return;
        pumping = true;
        try {
            while (queue.length) {
                const batch = queue.slice(0, perRequest);
                try {
                    await opts.publish(batch);
                } catch (err) {
                    failed = true;
                    stats.ok = false;
                    stats.error = err;
                    queue.length = 0;
                    buffer = "";
                    opts.onFailure?.(err);
                    settle();
                    return;
                }
                queue.splice(0, batch.length);
                stats.batches++;
                stats.events += batch.length;
            }
        } finally {
            pumping = false;
        }
        if (closed) settle();
    };

    const kick = () => { void pump(); };

    const terminate = (e: DistributiveOmit<ChatEvent, "seq" | "requestId">, kind: "done" | "error"): Promise<RelayStats> => {
        if (closed || failed) return finished;
        closed = true;
        stats.terminal = kind;
        flushBuffer();
        enqueue(e);
        kick();
        return finished;
    };

    return {
        delta(text: string) {
            if (closed || failed || !text) return;
            stats.deltas++;
            if (seq === 0 && !buffer) {
                // The first words go out at once: that is what the user waits for.
                enqueue({ type: "delta", message: text });
                kick();
                return;
            }
            buffer += text;
            if (buffer.length >= maxChars) {
                flushBuffer();
                kick();
            } else if (!timer && !holding) {
                timer = setTimeout(() => {
                    timer = undefined;
                    window = Math.min(windowMs, window * 2);
                    flushBuffer();
                    kick();
                }, window);
            }
        },
        hold() {
            holding = true;
            if (timer) { clearTimeout(timer); timer = undefined; }
        },
        done(stopReason: string, usage: Usage | null) {
            return terminate({ type: "done", stopReason, usage }, "done");
        },
        error(code: string, message: string) {
            return terminate({ type: "error", code, message }, "error");
        },
        finished,
        get failed() { return failed; },
        get terminated() { return closed; },
    };
}
