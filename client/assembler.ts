// Puts one request's events back in order. Delivery is at-least-once and ordered by seq (ARCHITECTURE.md): a seq
// seen before is ignored (a re-delivery is byte-identical), a later seq waits until all before it arrived, and
// the first terminal event in seq order ends the answer. Pure: no I/O, no timers.
import type { ChatEvent, TerminalEvent } from "./types";

export interface Assembler {
    /** Takes one event; returns the events this made releasable, in seq order (possibly none). */
    push(event: ChatEvent): ChatEvent[];
    /** The text of the deltas released so far. */
    readonly text: string;
    /** The terminal event, once released. */
    readonly terminal: TerminalEvent | undefined;
    /** The seq the assembler waits for next. */
    readonly nextSeq: number;
    /** Events held back because an earlier seq is missing. */
    readonly held: number;
    /** Events ignored: repeated seqs, and anything after the terminal. */
    readonly ignored: number;
}

export function createAssembler(): Assembler {
    const waiting = new Map<number, ChatEvent>();
    const parts: string[] = [];
    let next = 0;
    let terminal: TerminalEvent | undefined;
    let ignored = 0;

    return {
        push(event) {
            if (terminal || event.seq < next || waiting.has(event.seq)) {
                ignored++;
                return [];
            }
            waiting.set(event.seq, event);
            const released: ChatEvent[] = [];
            for (let ev = waiting.get(next); ev && !terminal; ev = waiting.get(next)) {
                waiting.delete(next);
                next++;
                released.push(ev);
                if (ev.type === "delta") parts.push(ev.message);
                else terminal = ev;
            }
            // Past the terminal nothing can follow: drop what a faulty sender put there.
            if (terminal) {
                ignored += waiting.size;
                waiting.clear();
            }
            return released;
        },
        get text() {
            return parts.join("");
        },
        get terminal() {
            return terminal;
        },
        get nextSeq() {
            return next;
        },
        get held() {
            return waiting.size;
        },
        get ignored() {
            return ignored;
        },
    };
}

/** Reads one subscription payload as an event of the protocol, or undefined for anything else. */
export function parseChatEvent(raw: unknown): ChatEvent | undefined {
    let v: unknown = raw;
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    if (!v || typeof v !== "object") return undefined;
    const e = v as Record<string, unknown>;
    if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0 || typeof e.requestId !== "string") return undefined;
    const base = { seq: e.seq as number, requestId: e.requestId };
    if (e.type === "delta" && typeof e.message === "string") return { type: "delta", ...base, message: e.message };
    if (e.type === "done" && typeof e.stopReason === "string") {
        const usage = e.usage && typeof e.usage === "object" ? (e.usage as Record<string, number>) : null;
        return { type: "done", ...base, stopReason: e.stopReason, usage };
    }
    if (e.type === "error" && typeof e.code === "string" && typeof e.message === "string")
        return { type: "error", ...base, code: e.code, message: e.message };
    return undefined;
}
