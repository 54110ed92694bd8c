// The subscriber-side contract of the chat protocol: seq 0..n in order, one terminal event, one request id.
import { strict as assert } from "assert";

/** Checks the subscriber-side contract and returns the parsed events. */
export function assertProtocol(events: any[], requestId: string, terminal: "done" | "error"): any[] {
    assert.ok(events.length > 0, "no events published");
    assert.deepEqual(
        events.map(e => e.seq),
        events.map((_, i) => i),
        `seq must be 0..n in order without gaps or duplicates: ${events.map(e => String(e.seq)).join(",")}`,
    );
    const terminals = events.filter(e => e.type === "done" || e.type === "error");
    assert.equal(terminals.length, 1, "exactly one done or error");
    assert.equal(events[events.length - 1].type, terminal);
    assert.ok(
        events.slice(0, -1).every(e => e.type === "delta" && typeof e.message === "string" && e.message.length > 0),
    );
    assert.ok(events.every(e => e.requestId === requestId));
    return events;
}
