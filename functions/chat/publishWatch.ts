// Watches the relay's publish requests for its metrics: when the first text delta was accepted, when the last
// publish was, and how many events went out more than once (retries, partial failures, lost replies).
// Events are recognized by their seq, never by their text. No Pulumi imports.

export interface PublishFacts {
    firstDeltaMs?: number;
    tailMs?: number;
    eventsResent: number;
}

const SEQ = /"seq":(\d+)/;
const DELTA = /^\{"type":"delta"/;

export function watchPublishes(started: number) {
    const sent = new Set<number>();
    let resent = 0;
    let firstDeltaAt: number | undefined;
    let lastAckAt: number | undefined;
    let lastTokenAt: number | undefined;
    return {
        /** The model produced text now. */
        token(): void {
            lastTokenAt = Date.now();
        },
        /** Wraps one publish request of `events`; its answer may list refused indexes in `failed`. */
        async send<T>(events: string[], request: () => Promise<T>): Promise<T> {
            for (const e of events) {
                const seq = Number(SEQ.exec(e)?.[1]);
                if (sent.has(seq)) resent++;
                else sent.add(seq);
            }
            const out = await request();
            const refused = new Set((out as { failed?: number[] } | undefined)?.failed ?? []);
            const accepted = events.filter((_, i) => !refused.has(i));
            if (accepted.length) {
                lastAckAt = Date.now();
                if (firstDeltaAt === undefined && accepted.some(e => DELTA.test(e))) firstDeltaAt = lastAckAt;
            }
            return out;
        },
        facts(): PublishFacts {
            return {
                firstDeltaMs: firstDeltaAt === undefined ? undefined : firstDeltaAt - started,
                tailMs:
                    lastAckAt !== undefined && lastTokenAt !== undefined && lastAckAt >= lastTokenAt
                        ? lastAckAt - lastTokenAt
                        : undefined,
                eventsResent: resent,
            };
        },
    };
}
