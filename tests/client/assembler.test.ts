// The seq assembler on its own: every order and repetition AppSync's at-least-once delivery can produce must give
// exactly the text and exactly one terminal event.
import { strict as assert } from "assert";
import { createAssembler, parseChatEvent } from "../../client/assembler";
import type { ChatEvent } from "../../client/types";

const R = "req-1";
/** Read through a call: an earlier assert.equal(a.terminal, undefined) has narrowed the property to never. */
const terminalOf = (a: { terminal?: ChatEvent }) => a.terminal;
const delta = (seq: number, message: string): ChatEvent => ({ type: "delta", seq, message, requestId: R });
const done = (seq: number): ChatEvent => ({
    type: "done",
    seq,
    stopReason: "end_turn",
    usage: { outputTokens: 3 },
    requestId: R,
});
const error = (seq: number): ChatEvent => ({ type: "error", seq, code: "Throttled", message: "busy", requestId: R });

/** Feeds events, returns what came out in order. */
function feed(events: ChatEvent[]) {
    const a = createAssembler();
    const out = events.flatMap(e => a.push(e));
    return { a, out, seqs: out.map(e => e.seq) };
}

/** A small deterministic shuffle (no Math.random: a failure must reproduce). */
function shuffled<T>(xs: T[], seed: number): T[] {
    const r = xs.slice();
    let s = seed;
    for (let i = r.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [r[i], r[j]] = [r[j], r[i]];
    }
    return r;
}

describe("client: seq assembler", () => {
    const words = ["Tokyo ", "is ", "the ", "capital ", "of ", "Japan", "."];
    const stream = [...words.map((w, i) => delta(i, w)), done(words.length)];

    it("in order: releases each event at once and ends on done", () => {
        const { a, out, seqs } = feed(stream);
        assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert.equal(a.text, "Tokyo is the capital of Japan.");
        assert.equal(a.terminal?.type, "done");
        assert.equal(out.filter(e => e.type !== "delta").length, 1);
    });

    it("ignores a seq it has seen, whether released or still held", () => {
        const a = createAssembler();
        assert.equal(a.push(delta(0, "A")).length, 1);
        assert.equal(a.push(delta(0, "A")).length, 0);
        assert.equal(a.push(delta(2, "C")).length, 0);
        assert.equal(a.push(delta(2, "C")).length, 0);
        assert.equal(a.held, 1);
        assert.deepEqual(
            a.push(delta(1, "B")).map(e => e.seq),
            [1, 2],
        );
        assert.equal(a.text, "ABC");
        assert.equal(a.ignored, 2);
    });

    it("holds a late seq until its predecessors arrive, then releases all in order", () => {
        const a = createAssembler();
        assert.deepEqual(a.push(delta(3, "D")), []);
        assert.deepEqual(a.push(delta(1, "B")), []);
        assert.equal(a.nextSeq, 0);
        assert.deepEqual(
            a.push(delta(0, "A")).map(e => e.seq),
            [0, 1],
        );
        assert.deepEqual(
            a.push(delta(2, "C")).map(e => e.seq),
            [2, 3],
        );
        assert.equal(a.text, "ABCD");
        assert.equal(a.terminal, undefined);
    });

    it("a terminal event that arrives first waits for the text before it", () => {
        const a = createAssembler();
        assert.deepEqual(a.push(done(2)), []);
        assert.equal(a.held, 1);
        a.push(delta(1, "y"));
        assert.equal(a.terminal, undefined);
        assert.deepEqual(
            a.push(delta(0, "x")).map(e => e.type),
            ["delta", "delta", "done"],
        );
        assert.equal(a.text, "xy");
        assert.equal(terminalOf(a)?.seq, 2);
    });

    it("after the terminal event nothing more is released (re-delivered or stray)", () => {
        const a = createAssembler();
        a.push(delta(0, "x"));
        a.push(error(1));
        assert.equal(a.terminal?.type, "error");
        assert.deepEqual(a.push(error(1)), []);
        assert.deepEqual(a.push(delta(2, "late")), []);
        assert.deepEqual(a.push(done(3)), []);
        assert.equal(a.text, "x");
    });

    it("any shuffle with every event delivered up to three times gives the exact text and one terminal", () => {
        for (let seed = 1; seed <= 200; seed++) {
            const copies = stream.flatMap((e, i) => Array.from({ length: 1 + ((seed + i) % 3) }, () => ({ ...e })));
            const { a, out } = feed(shuffled(copies, seed));
            assert.equal(a.text, words.join(""), `seed ${seed}`);
            assert.deepEqual(
                out.map(e => e.seq),
                [0, 1, 2, 3, 4, 5, 6, 7],
                `seed ${seed}`,
            );
            assert.equal(out.filter(e => e.type === "done").length, 1, `seed ${seed}`);
        }
    });

    it("parses the relay's JSON events and rejects anything else", () => {
        const ok = parseChatEvent(JSON.stringify({ type: "delta", seq: 0, message: "hi", requestId: R }));
        assert.deepEqual(ok, { type: "delta", seq: 0, message: "hi", requestId: R });
        assert.deepEqual(
            parseChatEvent({ type: "done", seq: 4, stopReason: "max_tokens", usage: null, requestId: R }),
            { type: "done", seq: 4, stopReason: "max_tokens", usage: null, requestId: R },
        );
        assert.equal(
            parseChatEvent({ type: "error", seq: 1, code: "Throttled", message: "busy", requestId: R })?.type,
            "error",
        );
        for (const bad of [
            "not json",
            null,
            7,
            { type: "delta", seq: -1, message: "x", requestId: R },
            { type: "delta", seq: 1.5, message: "x", requestId: R },
            { type: "delta", seq: 0, requestId: R },
            { type: "delta", seq: 0, message: "x" },
            { type: "done", seq: 0, requestId: R },
            { type: "other", seq: 0, requestId: R },
        ]) {
            assert.equal(parseChatEvent(bad), undefined, JSON.stringify(bad));
        }
    });
});
