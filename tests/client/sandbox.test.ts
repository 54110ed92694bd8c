// The client library against the local sandbox in this process: AWS's own Amplify Auth (SRP) and events client
// talk to the sandbox's Cognito, REST and AppSync Events emulation, which runs the relay's serialized package.
import { strict as assert } from "assert";
import { createAmplifyContext } from "aws-amplify";
import { events } from "aws-amplify/data";
import { ConsoleLogger } from "aws-amplify/utils";
import {
    closeConnections,
    createChatClient,
    endpointsFromOutputs,
    postPrompt,
    type ChatClient,
    type ChatEvent,
} from "../../client";
import { useNodeWebSocket } from "../../client/node";
import { chatRejection } from "../support/chatClient";
import { startSandbox, type Sandbox } from "../../sandbox";

const ALICE = { email: "alice@example.com", password: "Alice-Sandbox-1" };
const BOB = { email: "bob@example.com", password: "Bob-Sandbox-22" };

/** A forged copy of a real token: the payload says another sub, the signature is the original's. */
function forge(token: string, sub: string): string {
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    return [h, Buffer.from(JSON.stringify({ ...payload, sub })).toString("base64url"), s].join(".");
}

/** Collects what an answer streams: the text pieces, the events once each, in order. */
function recorder() {
    const pieces: string[] = [];
    const seen: ChatEvent[] = [];
    return {
        pieces,
        seen,
        onText: (c: string) => {
            pieces.push(c);
        },
        onEvent: (e: ChatEvent) => {
            seen.push(e);
        },
    };
}

// Amplify warns on every custom Cognito endpoint (the sandbox's): expected here, noise in the test output.
ConsoleLogger.LOG_LEVEL = "ERROR";

describe("client library against the sandbox", function () {
    this.timeout(120_000);
    let sb: Sandbox;
    let alice: ChatClient;
    const endpoints = () => endpointsFromOutputs(sb.outputs);

    before(async () => {
        sb = await startSandbox({ users: [ALICE, BOB], port: 0, modelDelayMs: 20 });
        useNodeWebSocket({ ca: sb.caCert, host: new URL(sb.outputs.chatEventsHttpEndpoint).host });
        alice = createChatClient(endpoints(), { timeoutMs: 20_000 });
    });
    after(async () => {
        await closeConnections();
        await sb?.stop();
    });

    it("signs in with SRP through Amplify Auth, and refuses a wrong password in words", async () => {
        const wrong = await chatRejection(alice.signIn(ALICE.email, "Not-The-Password-1"));
        assert.equal(wrong.code, "WrongPassword");
        assert.match(wrong.message, /wrong email or password/);
        const user = await alice.signIn(ALICE.email, ALICE.password);
        assert.equal(user.email, ALICE.email);
        assert.equal(user.sub, (await sb.token(ALICE.email)).sub);
        assert.deepEqual(await alice.user(), user);
    });

    it("streams an answer that is assembled exactly, in several events, ending on one done", async () => {
        const prompt = "What does the relay do with each delta?";
        const r = recorder();
        const before = sb.modelRequests();
        const a = await alice.newSession().ask(prompt, r);
        assert.equal(a.text, sb.answerFor(prompt));
        assert.equal(r.pieces.join(""), a.text, "each piece of text shown once, in order");
        assert.ok(r.pieces.length > 1, `streamed in pieces, got ${r.pieces.length}`);
        assert.deepEqual(
            r.seen.map(e => e.seq),
            r.seen.map((_, i) => i),
        );
        assert.deepEqual(
            r.seen.filter(e => e.type !== "delta").map(e => e.type),
            ["done"],
        );
        assert.equal(r.seen.at(-1)?.type, "done");
        assert.ok(r.seen.every(e => e.requestId === a.requestId));
        assert.equal(a.stopReason, "end_turn");
        assert.equal(sb.modelRequests(), before + 1);
    });

    it("a follow-up turn carries the session's history to the model", async () => {
        const s = alice.newSession();
        const first = await s.ask("Name a mountain in Japan.");
        const second = await s.ask("How high is it?");
        assert.equal(second.text, sb.answerFor("How high is it?"));
        const sent = sb
            .lastModelRequest()
            ?.messages?.map(m => ({ role: m.role, text: m.content.map(c => c.text).join("") }));
        assert.deepEqual(sent, [
            { role: "user", text: "Name a mountain in Japan." },
            { role: "assistant", text: first.text },
            { role: "user", text: "How high is it?" },
        ]);
        assert.equal(s.turns.length, 2);
        // A new session starts without history.
        await alice.newSession().ask("Hello again");
        assert.equal(sb.lastModelRequest()?.messages?.length, 1);
    });

    it("a second user is refused on the first user's channel and receives none of its events", async () => {
        const aliceSub = (await alice.user())!.sub;
        const bobTokens = await sb.token(BOB.email);
        const e = endpoints();
        // Bob's own Amplify context (tokens from the sandbox), subscribing by hand to Alice's channel.
        const bobCtx = createAmplifyContext(
            {
                Auth: { Cognito: { userPoolId: e.userPoolId, userPoolClientId: e.userPoolClientId } },
                API: { Events: { endpoint: e.eventsHttpEndpoint, region: e.region, defaultAuthMode: "userPool" } },
            },
            {
                Auth: {
                    tokenProvider: {
                        getTokens: async () => ({
                            idToken: jwt(bobTokens.idToken),
                            accessToken: jwt(bobTokens.accessToken),
                        }),
                    },
                },
            },
        );
        const session = alice.newSession();
        const channel = await events.connect(bobCtx, `/${e.namespace}/${aliceSub}/${session.id}`, {
            authMode: "userPool",
        });
        const received: unknown[] = [];
        let failure: unknown;
        const sub = channel.subscribe(
            {
                next: d => {
                    received.push(d);
                },
                error: err => {
                    failure = err;
                },
            },
            { authMode: "userPool" },
        );
        await assert.rejects(sub.ready, /Unauthorized|denied|not authorized/i);
        assert.match(JSON.stringify(failure ?? ""), /Unauthorized/i);
        await session.ask("A secret of Alice's");
        assert.deepEqual(received, []);
        channel.close();
        // Bob on his own channel is served.
        const bob = createChatClient(e, { tokens: async () => bobTokens });
        const mine = await bob.newSession().ask("Bob's own question");
        assert.equal(mine.text, sb.answerFor("Bob's own question"));
    });

    it("a forged or expired token is refused with 401 at the REST endpoint, before any model call", async () => {
        const real = await sb.token(ALICE.email);
        const expired = await sb.token(ALICE.email, { validitySeconds: 1 });
        await new Promise(r => setTimeout(r, 2100));
        const before = sb.modelRequests();
        for (const token of [forge(real.idToken, (await sb.token(BOB.email)).sub), expired.idToken, "not-a-jwt"]) {
            const e = await chatRejection(
                postPrompt(endpoints().restEndpoint, token, { prompt: "hi", sessionid: "s-1" }),
            );
            assert.equal(e.status, 401);
            assert.equal(e.code, "Unauthorized");
        }
        assert.equal(sb.modelRequests(), before);
    });

    it("a forged or expired token is refused at subscribe: the answer fails as Unauthorized and nothing is posted", async () => {
        const real = await sb.token(ALICE.email);
        const expired = await sb.token(ALICE.email, { validitySeconds: 1 });
        await new Promise(r => setTimeout(r, 2100));
        const before = sb.modelRequests();
        const bobSub = (await sb.token(BOB.email)).sub;
        for (const t of [
            { idToken: forge(real.idToken, bobSub), accessToken: forge(real.accessToken, bobSub) },
            { idToken: expired.idToken, accessToken: expired.accessToken },
        ]) {
            const c = createChatClient(endpoints(), { tokens: async () => t, subscribeTimeoutMs: 10_000 });
            const e = await chatRejection(c.newSession().ask("Should never reach the model"));
            assert.equal(e.code, "Unauthorized", e.message);
        }
        assert.equal(sb.modelRequests(), before);
    });

    it("a bad body is refused with 400 and the model's detail, before any model call", async () => {
        const { idToken } = await sb.token(ALICE.email);
        const before = sb.modelRequests();
        const tooMuchHistory = Array.from({ length: 11 }, () => [
            { role: "user" as const, content: "q" },
            { role: "assistant" as const, content: "a" },
        ]).flat();
        const cases: [object, RegExp][] = [
            // API Gateway's validator words (json-schema-validator): what a user of the deployed stack sees too.
            [{ prompt: "", sessionid: "s-1" }, /too short/],
            [{ prompt: "hi", sessionid: "bad/segment" }, /regex|pattern/i],
            [{ prompt: "hi", sessionid: "s-1", history: tooMuchHistory }, /too long|at most 20/i],
            [{ prompt: "hi", sessionid: "s-1", extra: 1 }, /not allowed|extra/i],
        ];
        for (const [body, detail] of cases) {
            const e = await chatRejection(postPrompt(endpoints().restEndpoint, idToken, body as never));
            assert.equal(e.status, 400, JSON.stringify(body));
            assert.equal(e.code, "BadRequest");
            assert.match(e.message, detail);
        }
        assert.equal(sb.modelRequests(), before);
        // The library itself never sends a prompt outside the limits.
        const tooLong = await chatRejection(alice.newSession().ask("x".repeat(8001)));
        assert.equal(tooLong.code, "InvalidPrompt");
        assert.equal(sb.modelRequests(), before);
    });

    it("shows an error event to the caller as a StreamError with the stack's message", async () => {
        const { SANDBOX_PROMPTS } = await import("../../sandbox");
        const r = recorder();
        const e = await chatRejection(alice.newSession().ask(`please ${SANDBOX_PROMPTS.throttle}`, r));
        assert.equal(e.code, "StreamError");
        assert.equal(e.event?.code, "Throttled");
        assert.match(e.message, /busy/);
        assert.deepEqual(
            r.seen.map(x => x.type),
            ["error"],
        );
    });

    it("an answer cancelled half-way keeps streaming on the channel, but never into the next answer", async () => {
        const s = alice.newSession();
        const ac = new AbortController();
        const first = "Tell me a long story";
        const cancelled = await chatRejection(s.ask(first, { signal: ac.signal, onText: () => ac.abort() }));
        assert.equal(cancelled.code, "Cancelled");
        assert.ok(
            cancelled.partialText && sb.answerFor(first).startsWith(cancelled.partialText),
            "the text so far comes with it",
        );
        const r = recorder();
        const next = await s.ask("Now something else", r);
        assert.equal(next.text, sb.answerFor("Now something else"));
        assert.equal(r.pieces.join(""), next.text);
        assert.deepEqual(
            s.turns.map(t => t.prompt),
            ["Now something else"],
            "a cancelled turn is not history",
        );
        // The first request did go on streaming to this channel (the stack cannot be stopped from the client).
        const channel = `/${endpoints().namespace}/${(await alice.user())!.sub}/${s.id}`;
        const requests = new Set(
            sb
                .published()
                .filter(p => p.channel === channel)
                .flatMap(p => p.events.map(e => JSON.parse(e).requestId)),
        );
        assert.equal(requests.size, 2);
    });

    it("times out with a clear error when nothing arrives, and can be cancelled", async () => {
        // A REST endpoint that accepts but never publishes: the answer must not hang.
        const http = await import("http");
        const silent = http.createServer((_req, res) => {
            res.writeHead(202, { "content-type": "application/json" });
            res.end('{"requestId":"never"}');
        });
        await new Promise<void>(r => silent.listen(0, "127.0.0.1", r));
        try {
            const port = (silent.address() as { port: number }).port;
            const c = createChatClient(
                { ...endpoints(), restEndpoint: `http://127.0.0.1:${port}/chat` },
                { tokens: () => sb.token(ALICE.email) },
            );
            const t = await chatRejection(c.newSession().ask("anyone there?", { timeoutMs: 1500 }));
            assert.equal(t.code, "Timeout");
            assert.match(t.message, /No answer for 1.5 s/);
            // A POST that never gets an answer is bounded too.
            const hanging = http.createServer(() => {
                /* never answers */
            });
            await new Promise<void>(r => hanging.listen(0, "127.0.0.1", r));
            try {
                const h = createChatClient(
                    {
                        ...endpoints(),
                        restEndpoint: `http://127.0.0.1:${(hanging.address() as { port: number }).port}/chat`,
                    },
                    { tokens: () => sb.token(ALICE.email) },
                );
                assert.equal((await chatRejection(h.newSession().ask("hello?", { timeoutMs: 1500 }))).code, "Timeout");
            } finally {
                hanging.closeAllConnections();
                hanging.close();
            }
            const ac = new AbortController();
            setTimeout(() => ac.abort(), 300);
            const x = await chatRejection(c.newSession().ask("never mind", { signal: ac.signal, timeoutMs: 10_000 }));
            assert.equal(x.code, "Cancelled");
        } finally {
            silent.close();
        }
    });
});

describe("client library against the sandbox with re-delivered and reordered events", function () {
    this.timeout(120_000);
    let sb: Sandbox;
    before(async () => {
        sb = await startSandbox({ users: [ALICE], port: 0, modelDelayMs: 15, faults: ["redeliver"] });
        useNodeWebSocket({ ca: sb.caCert, host: new URL(sb.outputs.chatEventsHttpEndpoint).host });
    });
    after(async () => {
        await closeConnections();
        await sb?.stop();
    });

    it("assembles the exact text, each piece shown once, with one terminal event", async () => {
        const c = createChatClient(endpointsFromOutputs(sb.outputs));
        await c.signIn(ALICE.email, ALICE.password);
        let repeats = 0;
        for (const prompt of ["Explain at-least-once delivery.", "And ordering by seq?"]) {
            const r = recorder();
            const a = await c.newSession().ask(prompt, r);
            assert.equal(a.text, sb.answerFor(prompt));
            assert.equal(r.pieces.join(""), a.text);
            assert.deepEqual(
                r.seen.map(e => e.seq),
                r.seen.map((_, i) => i),
            );
            assert.equal(r.seen.filter(e => e.type === "done").length, 1);
            repeats += a.repeats;
        }
        assert.ok(repeats > 0, "the fault mode re-delivered events (else this test proves nothing)");
    });
});

function jwt(raw: string) {
    return { payload: JSON.parse(Buffer.from(raw.split(".")[1], "base64url").toString("utf8")), toString: () => raw };
}
