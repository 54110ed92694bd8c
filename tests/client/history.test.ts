// History and prompt limits: what the client sends must pass the stack's request model (the relay's own parser
// checks the same contract, so the test runs the history through it).
import { strict as assert } from "assert";
import { historyFor, promptProblem, type Turn } from "../../client/history";
import { DEFAULT_LIMITS } from "../../client/types";
import { parseChatEvent as parseRelayRequest } from "../../functions/chat/streamingChat";

const limits = { ...DEFAULT_LIMITS, maxPriorTurns: 2, maxTurnChars: 20, maxPromptChars: 30 };
const turns = (n: number): Turn[] =>
    Array.from({ length: n }, (_, i) => ({ prompt: `question ${i}`, answer: `answer ${i}` }));
const relayAccepts = (history: unknown, l = limits) =>
    parseRelayRequest(
        {
            sub: "0b5e2a6c-1111-2222-3333-444455556666",
            requestId: "r",
            body: { prompt: "next", sessionid: "s-1", history },
        },
        { ...l, maxTokens: 100 },
    );

describe("client: history within the stack's limits", () => {
    it("sends the most recent maxPriorTurns turns as alternating user/assistant messages", () => {
        const h = historyFor(turns(5), limits);
        assert.deepEqual(h, [
            { role: "user", content: "question 3" },
            { role: "assistant", content: "answer 3" },
            { role: "user", content: "question 4" },
            { role: "assistant", content: "answer 4" },
        ]);
        assert.ok(!("problem" in relayAccepts(h)));
    });

    it("shortens a message longer than maxTurnChars, keeping its beginning, without splitting a surrogate pair", () => {
        const long = "0123456789".repeat(5);
        const [, a] = historyFor([{ prompt: "q", answer: long }], limits);
        assert.equal(a.content.length, 20);
        assert.ok(a.content.startsWith("01234567890123"));
        assert.ok(a.content.endsWith("[...]"));
        const emoji = historyFor([{ prompt: "q", answer: "a".repeat(13) + "😀".repeat(10) }], limits)[1].content;
        assert.ok(emoji.length <= 20);
        assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/, "no lone high surrogate");
        assert.ok(!("problem" in relayAccepts(historyFor([{ prompt: long, answer: long }], limits))));
    });

    it("leaves out a turn whose answer was empty, and sends nothing when maxPriorTurns is 0", () => {
        assert.deepEqual(
            historyFor(
                [
                    { prompt: "q", answer: "  " },
                    { prompt: "q2", answer: "a2" },
                ],
                limits,
            ).map(m => m.content),
            ["q2", "a2"],
        );
        assert.deepEqual(historyFor(turns(3), { ...limits, maxPriorTurns: 0 }), []);
        assert.deepEqual(historyFor([], limits), []);
    });

    it("more turns than allowed would be refused by the relay: the client never sends them", () => {
        const tooMany = turns(3).flatMap(t => [
            { role: "user", content: t.prompt },
            { role: "assistant", content: t.answer },
        ]);
        assert.ok("problem" in relayAccepts(tooMany), "the relay's contract refuses 3 turns with maxPriorTurns 2");
        assert.equal(historyFor(turns(3), limits).length, 4);
    });

    it("names the problem of a prompt outside the limits", () => {
        assert.equal(promptProblem("hello", limits), undefined);
        assert.match(promptProblem("   ", limits)!, /empty/);
        assert.match(promptProblem("x".repeat(31), limits)!, /31 characters.*at most 30/);
        assert.match(promptProblem("ab", { ...limits, minPromptChars: 3 })!, /shorter than 3/);
    });
});

describe("client: session ids", () => {
    it("are valid channel segments ([A-Za-z0-9-], at most 50) and differ, with or without crypto.randomUUID", () => {
        const { newSessionId } = require("../../client/client") as typeof import("../../client/client");
        const crypto = globalThis.crypto as { randomUUID?: () => string };
        const original = crypto.randomUUID;
        const ids = [newSessionId(), newSessionId()];
        Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true, writable: true });
        try {
            ids.push(newSessionId(), newSessionId());
        } finally {
            Object.defineProperty(crypto, "randomUUID", { value: original, configurable: true, writable: true });
        }
        for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(new Set(ids).size, 4);
    });
});
