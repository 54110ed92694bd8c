// The client library when the network or the sign-in goes away, against the sandbox's faults on demand: a realtime
// socket dropped mid-answer fails the answer at once (not at the timeout), and a sign-in the stack no longer
// accepts (a restarted sandbox, an expired token whose refresh is refused) says so and leaves no tokens in storage.
import { strict as assert } from "assert";
import { ConsoleLogger } from "aws-amplify/utils";
import { closeConnections, createChatClient, endpointsFromOutputs, type TokenStorage } from "../../client";
import { useNodeWebSocket } from "../../client/node";
import { chatRejection } from "../support/chatClient";
import { startSandbox, type Sandbox } from "../../sandbox";

const ALICE = { email: "alice@example.com", password: "Alice-Sandbox-1" };

/** A storage whose contents a test can look at (what a page keeps in sessionStorage). */
function inspectableStorage(): TokenStorage & { map: Map<string, string>; tokenKeys(): string[] } {
    const map = new Map<string, string>();
    return {
        map,
        tokenKeys: () => [...map.keys()].filter(k => /\.(idToken|accessToken|refreshToken)$/.test(k)),
        async setItem(k, v) {
            map.set(k, v);
        },
        async getItem(k) {
            return map.get(k) ?? null;
        },
        async removeItem(k) {
            map.delete(k);
        },
        async clear() {
            map.clear();
        },
    };
}

ConsoleLogger.LOG_LEVEL = "ERROR";

describe("client library: recovering from dropped connections and ended sessions", function () {
    this.timeout(120_000);
    let sb: Sandbox;
    const endpoints = () => endpointsFromOutputs(sb.outputs);

    before(async () => {
        // 25 chunks of 80 ms: an answer streams for about 2 s, long enough to break it in the middle.
        sb = await startSandbox({ users: [ALICE], port: 0, modelDelayMs: 80 });
        useNodeWebSocket({ ca: sb.caCert, host: new URL(sb.outputs.chatEventsHttpEndpoint).host });
    });
    after(async () => {
        await closeConnections();
        await sb?.stop();
    });

    it("a realtime socket that drops mid-answer fails the answer at once as ConnectionLost, with the text so far", async () => {
        // A timeout far longer than the test's own: a rejection here can only come from noticing the drop.
        const c = createChatClient(endpoints(), { timeoutMs: 100_000 });
        await c.signIn(ALICE.email, ALICE.password);
        // Amplify's closeAll stops its connection-state announcements for good: the client must still notice a
        // drop after closeConnections (a process, or a mocha worker, that closed its connections before).
        await c.newSession().ask("warm up");
        await closeConnections();
        const prompt = "Tell me something long, please";
        let dropped = 0;
        const lost = await chatRejection(
            c.newSession().ask(prompt, {
                onText: () => {
                    if (!dropped) dropped = sb.dropRealtimeConnections();
                },
            }),
        );
        assert.ok(dropped >= 1, "the sandbox dropped the page's socket");
        assert.equal(lost.code, "ConnectionLost", lost.message);
        assert.match(lost.message, /connection dropped/i);
        assert.match(lost.message, /ask again/i);
        assert.ok(
            lost.partialText && sb.answerFor(prompt).startsWith(lost.partialText),
            "the text so far comes with it",
        );
        assert.ok(lost.partialText.length < sb.answerFor(prompt).length, "the drop came before the end");
        // Amplify reconnects: the next answer arrives whole.
        const next = await c.newSession().ask("And now?");
        assert.equal(next.text, sb.answerFor("And now?"));
    });

    it("a restarted sandbox's refusal says to sign in again, never mentions channels, and clears the tokens", async () => {
        const storage = inspectableStorage();
        const c = createChatClient(endpoints(), { storage });
        await c.signIn(ALICE.email, ALICE.password);
        assert.equal((await c.newSession().ask("before the restart")).text, sb.answerFor("before the restart"));
        assert.ok(storage.tokenKeys().length >= 3, "signed in: tokens stored");
        await sb.invalidateSessions();
        const before = sb.modelRequests();
        const e = await chatRejection(c.newSession().ask("after the restart"));
        assert.equal(e.code, "Unauthorized", e.message);
        assert.match(e.message, /sign in again/i);
        assert.doesNotMatch(e.message, /channel|another user|someone/i);
        assert.deepEqual(storage.tokenKeys(), [], "no stale token stays in storage");
        assert.equal(await c.user(), undefined);
        assert.equal(sb.modelRequests(), before, "nothing reached the model");
        // Signing in again works, and so does asking.
        await c.signIn(ALICE.email, ALICE.password);
        assert.equal((await c.newSession().ask("signed in again")).text, sb.answerFor("signed in again"));
    });

    it("resumeSession asks the pool: a stored sign-in that still holds resumes, an invalidated one is reported and removed", async () => {
        const storage = inspectableStorage();
        await createChatClient(endpoints(), { storage }).signIn(ALICE.email, ALICE.password);
        // A second client on the same storage: a reloaded page.
        const resumed = await createChatClient(endpoints(), { storage }).resumeSession();
        assert.equal(resumed?.email, ALICE.email);
        assert.equal(await createChatClient(endpoints(), { storage: inspectableStorage() }).resumeSession(), undefined);
        await sb.invalidateSessions();
        const e = await chatRejection(createChatClient(endpoints(), { storage }).resumeSession());
        assert.equal(e.code, "Unauthorized");
        assert.match(e.message, /no longer valid.*sign in again/i);
        assert.deepEqual(storage.tokenKeys(), []);
    });

    it("an expired token is renewed while the refresh token holds, and says 'expired' once the pool refuses it", async () => {
        const storage = inspectableStorage();
        await createChatClient(endpoints(), { storage }).signIn(ALICE.email, ALICE.password);
        // Replace the stored tokens with ones already past their lifetime (the refresh token stays).
        const expire = async () => {
            const short = await sb.token(ALICE.email, { validitySeconds: 1 });
            for (const k of storage.tokenKeys()) {
                if (k.endsWith(".idToken")) storage.map.set(k, short.idToken);
                if (k.endsWith(".accessToken")) storage.map.set(k, short.accessToken);
            }
        };
        await expire();
        const renewed = createChatClient(endpoints(), { storage });
        assert.equal((await renewed.resumeSession())?.email, ALICE.email, "renewed with the refresh token");
        assert.equal((await renewed.newSession().ask("renewed")).text, sb.answerFor("renewed"));

        await expire();
        await sb.invalidateSessions(); // the refresh token is refused from now on
        const e = await chatRejection(createChatClient(endpoints(), { storage }).resumeSession());
        assert.equal(e.code, "NotSignedIn");
        assert.match(e.message, /expired.*sign in again/i);
        assert.deepEqual(storage.tokenKeys(), [], "Amplify removed the refused tokens");

        // The same from ask, on a client that had been working.
        const c = createChatClient(endpoints(), { storage });
        await c.signIn(ALICE.email, ALICE.password);
        await expire();
        await sb.invalidateSessions();
        const a = await chatRejection(c.newSession().ask("too late"));
        assert.equal(a.code, "NotSignedIn");
        assert.match(a.message, /expired.*sign in again/i);
        // A client that never signed in says just that.
        const never = await chatRejection(createChatClient(endpoints()).newSession().ask("hello"));
        assert.equal(never.code, "NotSignedIn");
        assert.match(never.message, /Not signed in: sign in first/);
    });

    it("a session continued from saved turns sends them as history", async () => {
        const c = createChatClient(endpoints());
        await c.signIn(ALICE.email, ALICE.password);
        const earlier = [{ prompt: "Name a river.", answer: "The Danube." }];
        const s = c.newSession("restored-session-1", earlier);
        assert.equal(s.id, "restored-session-1");
        assert.deepEqual(s.turns, earlier);
        await s.ask("How long is it?");
        const sent = sb.lastModelRequest()?.messages?.map(m => m.content.map(x => x.text).join(""));
        assert.deepEqual(sent, ["Name a river.", "The Danube.", "How long is it?"]);
        assert.equal(s.turns.length, 2);
    });
});
