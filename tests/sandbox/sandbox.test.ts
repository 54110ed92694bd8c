// The sandbox's emulated services, spoken to directly: API Gateway's authorizer, validator and mapping, AppSync
// Events' HTTP publish (SigV4) and realtime protocol with the real onSubscribe handler, and the relay's
// serialized package streaming the local model's answer through them.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { SignatureV4 } from "@smithy/signature-v4";
import { createAppSyncSender } from "../../functions/chat/appsyncPublisher";
import { Sandbox, SANDBOX_PROMPTS, startSandbox } from "../../sandbox";
import { sha256 } from "../../sandbox/sigv4";
import { ROOT } from "../../tools/internal/harness";
import { runBedrock, runCaller } from "../support/stacks";
import { claimsOf, eventually, forgedToken, RawRealtime, sleep, tampered } from "./support";

const ALICE = { email: "alice@example.com", password: "Alice-Sandbox-1!" };
const BOB = { email: "bob@example.com", password: "Bob-Sandbox-1!" };
const PUBLISHER = { accessKeyId: "AKIASANDBOXTEST00001", secretAccessKey: "sandbox-test-publisher-secret" };

describe("local sandbox: emulated services (protocol level)", function () {
    this.timeout(120000);
    let sb: Sandbox;
    let alice: Awaited<ReturnType<Sandbox["token"]>>;
    let bob: Awaited<ReturnType<Sandbox["token"]>>;
    const conns: RawRealtime[] = [];
    const host = () => new URL(sb.outputs.chatEventsHttpEndpoint).host;
    const channel = (sub: string, session: string) => `/${sb.outputs.chatNamespace}/${sub}/${session}`;
    const post = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(sb.outputs.chatRestEndpoint, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: typeof body === "string" ? body : JSON.stringify(body),
        });
    const open = async (token = alice.accessToken) => {
        const c = await RawRealtime.open(
            sb.outputs.chatEventsRealtimeEndpoint,
            { Authorization: token, host: host() },
            sb.caCert,
        );
        conns.push(c);
        return c;
    };

    before(async () => {
        sb = await startSandbox({ users: [ALICE, BOB], modelDelayMs: 2, publishers: [PUBLISHER] });
        alice = await sb.token(ALICE.email);
        bob = await sb.token(BOB.email);
    });
    after(async () => {
        conns.forEach(c => c.close());
        await sb?.stop();
    });

    describe("outputs", () => {
        it("has every output key of the caller stack, pointing at 127.0.0.1, plus the sandbox's own", async () => {
            const caller = await runCaller(await runBedrock());
            const written = JSON.parse(
                fs.readFileSync(path.join(path.dirname(sb.outputs.caCertFile), "outputs.json"), "utf8"),
            );
            assert.deepEqual(written, sb.outputs);
            for (const k of Object.keys(caller.outputs)) assert.ok(k in written, `outputs.json lacks ${k}`);
            for (const k of ["cognitoEndpoint", "pageUrl", "invokeUrl", "tokenUrl", "caCertFile"])
                assert.ok(written[k], k);
            for (const k of [
                "chatRestEndpoint",
                "chatEventsHttpEndpoint",
                "chatEventsRealtimeEndpoint",
                "cognitoEndpoint",
                "pageUrl",
                "invokeUrl",
                "tokenUrl",
            ]) {
                assert.equal(new URL(String(written[k])).hostname, "127.0.0.1", k);
            }
            assert.equal(written.chatUserPoolId, caller.outputs.chatUserPoolId);
        });

        it("listens on 127.0.0.1 only (the kernel's table of listening sockets)", function () {
            if (process.platform !== "linux") this.skip();
            const port = Number(new URL(sb.outputs.chatRestEndpoint).port);
            const hex = port.toString(16).toUpperCase().padStart(4, "0");
            const listening = ["/proc/net/tcp", "/proc/net/tcp6"]
                .flatMap(f => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(1) : []))
                .map(l => l.trim().split(/\s+/))
                .filter(c => c[1]?.endsWith(`:${hex}`) && c[3] === "0A")
                .map(c => c[1]);
            assert.deepEqual(listening, [`0100007F:${hex}`]);
        });

        it("reports the realtime URL that Amplify derives from the HTTP endpoint", () => {
            // Amplify's own function (not exported by the package, so loaded by file), the one events.connect calls.
            const { getRealtimeEndpointUrl } = require(
                path.join(
                    ROOT,
                    "node_modules/@aws-amplify/api-graphql/dist/cjs/Providers/AWSWebSocketProvider/appsyncUrl.js",
                ),
            );
            assert.equal(
                getRealtimeEndpointUrl(sb.outputs.chatEventsHttpEndpoint).toString(),
                sb.outputs.chatEventsRealtimeEndpoint,
            );
        });

        it("serves config.json in the scheme the page came by", async () => {
            const plain = (await (await fetch(new URL("/config.json", sb.outputs.chatRestEndpoint))).json()) as Record<
                string,
                string
            >;
            assert.equal(plain.chatRestEndpoint, sb.outputs.chatRestEndpoint);
            assert.match(plain.chatRestEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/prod\/chat$/);
            const page = await fetch(new URL("/", sb.outputs.chatRestEndpoint), { redirect: "manual" });
            assert.equal(
                page.status,
                302,
                "the page over http:// is sent to https:// (its socket needs the certificate)",
            );
            assert.equal(page.headers.get("location"), sb.outputs.pageUrl);
            // Over TLS (the certificate is valid for 127.0.0.1 against caCert), the URLs are https.
            const secure = await new Promise<Record<string, string>>((resolve, reject) => {
                https
                    .get(`${sb.outputs.pageUrl}config.json`, { ca: sb.caCert }, res => {
                        let text = "";
                        res.on("data", d => (text += d));
                        res.on("end", () => resolve(JSON.parse(text)));
                    })
                    .on("error", reject);
            });
            assert.equal(secure.chatRestEndpoint, sb.outputs.chatRestEndpoint.replace("http://", "https://"));
            assert.equal(secure.chatEventsRealtimeEndpoint, sb.outputs.chatEventsRealtimeEndpoint);
        });
    });

    describe("REST endpoint (API Gateway with the Cognito authorizer)", () => {
        const good = { prompt: "hello", sessionid: "s-rest" };

        it("refuses a missing, forged, tampered, access or expired token with 401 before reading the body", async () => {
            const before = sb.modelRequests();
            const forged = await forgedToken(claimsOf(alice.idToken));
            const short = await sb.token(ALICE.email, { validitySeconds: 1 });
            await sleep(2100);
            const cases: [string, Record<string, string>, string][] = [
                ["no token", {}, "Unauthorized"],
                ["forged signature", { authorization: forged }, "Unauthorized"],
                ["claims changed", { authorization: tampered(alice.idToken, { sub: bob.sub }) }, "Unauthorized"],
                ["access token (the method has no OAuth scopes)", { authorization: alice.accessToken }, "Unauthorized"],
                ["not the raw token", { authorization: `Bearer ${alice.idToken}` }, "Unauthorized"],
                ["expired", { authorization: short.idToken }, "The incoming token has expired"],
            ];
            for (const [label, headers, message] of cases) {
                const r = await post({ nonsense: true }, headers);
                assert.equal(r.status, 401, label);
                const body = (await r.json()) as Record<string, string>;
                assert.equal(body.message, message, label);
                assert.equal(body.detail, "", `${label}: nothing more than API Gateway says`);
                assert.match(body.requestId, /^[0-9a-f-]{36}$/);
            }
            assert.equal(sb.modelRequests(), before);
        });

        it("answers big bodies as API Gateway does: the validator below 10 MB, 413 above, never a reset", async () => {
            const before = sb.modelRequests();
            const auth = { authorization: alice.idToken };
            for (const mb of [1, 5]) {
                const r = await post({ prompt: "x".repeat(mb * 1024 * 1024), sessionid: "s-big" }, auth);
                assert.equal(r.status, 400, `${mb} MB`);
                const body = (await r.json()) as Record<string, string>;
                assert.equal(body.message, "Invalid request body");
                assert.match(body.detail, /is too long/);
            }
            const over = "x".repeat(10 * 1024 * 1024 + 1);
            // Over the quota API Gateway answers before the authorizer: even without a token, 413.
            for (const headers of [auth, {}]) {
                const r = await post(over, headers);
                assert.equal(r.status, 413);
                assert.equal(await r.text(), "HTTP content length exceeded 10485760 bytes.");
                assert.equal(r.headers.get("access-control-allow-origin"), null, "the default 413 has no CORS");
            }
            // Another endpoint says so in its own JSON, also without dropping the connection.
            const t = await fetch(sb.outputs.tokenUrl, { method: "POST", body: over });
            assert.equal(t.status, 413);
            assert.match(((await t.json()) as { message: string }).message, /over 10485760 bytes/);
            assert.equal(sb.modelRequests(), before);
        });

        it("answers a bad body with 400 and the validator's detail, before any model call or publish", async () => {
            const modelBefore = sb.modelRequests();
            const published = () => sb.published().filter(p => p.channel.endsWith("/s-1")).length;
            const cases: [unknown, string][] = [
                [{}, '[object has missing required properties (["prompt","sessionid"])]'],
                [
                    { prompt: "hi", sessionid: "a/b" },
                    '[ECMA 262 regex "^[A-Za-z0-9-]{1,50}$" does not match input string "a/b"]',
                ],
                [{ prompt: "", sessionid: "s-1" }, '[string "" is too short (length: 0, required minimum: 1)]'],
                [
                    { prompt: 5, sessionid: "s-1" },
                    '[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]',
                ],
                [
                    { prompt: "hi", sessionid: "s-1", sub: bob.sub },
                    '[object instance has properties which are not allowed by the schema: ["sub"]]',
                ],
                [
                    { prompt: "hi", sessionid: "s-1", history: [{ role: "system", content: "x" }] },
                    '[instance value ("system") not found in enum (possible values: ["user","assistant"])]',
                ],
                ["{not json", "[Invalid JSON: "],
            ];
            for (const [body, detail] of cases) {
                const r = await post(body, { authorization: alice.idToken });
                assert.equal(r.status, 400, JSON.stringify(body));
                const j = (await r.json()) as Record<string, string>;
                assert.equal(j.message, "Invalid request body");
                assert.ok(j.detail.startsWith(detail), `${JSON.stringify(body)}: ${j.detail}`);
            }
            const text = await post("prompt=hi", { authorization: alice.idToken, "content-type": "text/plain" });
            assert.equal(text.status, 415);
            await sleep(300);
            assert.equal(sb.modelRequests(), modelBefore, "no model call for a refused body");
            assert.equal(published(), 0, "nothing published for a refused body");
        });

        it("answers 202 at once with the request id; the sub comes from the token only", async () => {
            const c = await open();
            await c.init();
            assert.equal(
                (await c.subscribe("own", channel(alice.sub, "s-rest"), alice.accessToken, host())).type,
                "subscribe_success",
            );
            const r = await post({ ...good, prompt: "a slow answer, please" }, { authorization: alice.idToken });
            assert.equal(r.status, 202);
            const { requestId } = (await r.json()) as { requestId: string };
            assert.match(requestId, /^[0-9a-f-]{36}$/);
            assert.ok(!c.events("own").some(e => e.type === "done"), "202 came before the answer finished");
            const done = await eventually(() => c.events("own").find(e => e.type === "done"), "the done event");
            assert.equal(done.requestId, requestId, "the relay got the gateway's request id");
            assert.ok(sb.published().every(p => !p.channel.includes(bob.sub)));
        });

        it("applies the stage's throttling (burst, then 429) before the authorizer", async () => {
            const statuses = await Promise.all(Array.from({ length: 40 }, () => post({}).then(r => r.status)));
            assert.ok(statuses.includes(429), `no 429 among ${statuses.join(",")}`);
            assert.ok(statuses.every(s => s === 401 || s === 429));
            await sleep(2500); // the bucket refills (rateLimit per second) for the tests that follow
        });

        it("CORS as deployed: echoes an allowed Origin, otherwise the first configured one; preflight headers", async () => {
            const allowed = new URL(sb.outputs.pageUrl).origin;
            const pre = await fetch(sb.outputs.chatRestEndpoint, { method: "OPTIONS", headers: { origin: allowed } });
            assert.equal(pre.status, 200);
            assert.equal(pre.headers.get("access-control-allow-origin"), allowed);
            assert.equal(pre.headers.get("access-control-allow-methods"), "POST,OPTIONS");
            assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Authorization/);
            const other = await post(good, { authorization: alice.idToken, origin: "https://evil.example" });
            assert.equal(other.status, 202);
            assert.equal(other.headers.get("access-control-allow-origin"), allowed, "never the foreign origin");
            assert.equal(other.headers.get("vary"), "Origin");
            const get = await fetch(sb.outputs.chatRestEndpoint);
            assert.equal(get.status, 403);
        });
    });

    describe("Cognito user pool API", () => {
        const call = async (op: string, input: unknown) => {
            const r = await fetch(sb.outputs.cognitoEndpoint, {
                method: "POST",
                headers: {
                    "content-type": "application/x-amz-json-1.1",
                    "x-amz-target": `AWSCognitoIdentityProviderService.${op}`,
                },
                body: JSON.stringify(input),
            });
            return { status: r.status, errorType: r.headers.get("x-amzn-errortype"), body: (await r.json()) as any };
        };
        const clientId = () => sb.outputs.chatUserPoolClientId;

        it("REFRESH_TOKEN_AUTH gives new id and access tokens (no new refresh token); a made-up one is refused", async () => {
            const t = await sb.token(ALICE.email);
            const r = await call("InitiateAuth", {
                AuthFlow: "REFRESH_TOKEN_AUTH",
                ClientId: clientId(),
                AuthParameters: { REFRESH_TOKEN: t.refreshToken },
            });
            assert.equal(r.status, 200);
            assert.equal(claimsOf(r.body.AuthenticationResult.IdToken).sub, alice.sub);
            assert.equal(r.body.AuthenticationResult.RefreshToken, undefined);
            const bad = await call("InitiateAuth", {
                AuthFlow: "REFRESH_TOKEN_AUTH",
                ClientId: clientId(),
                AuthParameters: { REFRESH_TOKEN: "made-up" },
            });
            assert.equal(bad.body.__type, "NotAuthorizedException");
            assert.match(bad.errorType ?? "", /^NotAuthorizedException/);
        });

        it("refuses what the deployed app client does not allow: USER_PASSWORD_AUTH, another client id", async () => {
            const pw = await call("InitiateAuth", {
                AuthFlow: "USER_PASSWORD_AUTH",
                ClientId: clientId(),
                AuthParameters: { USERNAME: ALICE.email, PASSWORD: ALICE.password },
            });
            assert.equal(pw.status, 400);
            assert.equal(pw.body.__type, "InvalidParameterException");
            const other = await call("InitiateAuth", {
                AuthFlow: "USER_SRP_AUTH",
                ClientId: "someotherclient",
                AuthParameters: { USERNAME: ALICE.email, SRP_A: "ab" },
            });
            assert.equal(other.body.__type, "ResourceNotFoundException");
        });
    });

    describe("AppSync Events HTTP publish (SigV4)", () => {
        const url = () => sb.outputs.chatEventsHttpEndpoint;
        const sign = async (body: string, creds = PUBLISHER, region = sb.outputs.region) => {
            const u = new URL(url());
            const signer = new SignatureV4({
                service: "appsync",
                region,
                credentials: creds,
                sha256,
                uriEscapePath: true,
            });
            const signed = await signer.sign({
                method: "POST",
                protocol: u.protocol,
                hostname: u.hostname,
                port: Number(u.port),
                path: u.pathname,
                query: {},
                headers: { host: u.host, "content-type": "application/json" },
                body,
            } as any);
            return (signed as any).headers as Record<string, string>;
        };
        const send = (headers: Record<string, string>, body: string) => fetch(url(), { method: "POST", headers, body });

        it("accepts the project's publisher with known credentials and delivers to the subscriber", async () => {
            const c = await open();
            await c.init();
            await c.subscribe("pub", channel(alice.sub, "s-pub"), alice.idToken, host());
            const sender = createAppSyncSender({
                endpoint: url(),
                region: sb.outputs.region,
                credentials: async () => PUBLISHER,
            });
            const r = await sender(
                channel(alice.sub, "s-pub"),
                ['{"type":"delta","seq":0,"message":"x"}', '{"type":"done","seq":1}'],
                5000,
            );
            assert.deepEqual(r.failed, []);
            const got = await eventually(
                () => (c.events("pub").length === 2 ? c.events("pub") : undefined),
                "two events",
            );
            assert.deepEqual(
                got.map(e => e.seq),
                [0, 1],
            );
        });

        it("answers {successful, failed} and refuses what AppSync refuses", async () => {
            const ch = channel(alice.sub, "s-limits");
            const ok = JSON.stringify({
                channel: ch,
                events: ['{"a":1}', JSON.stringify({ big: "x".repeat(240 * 1024) })],
            });
            const r = await send(await sign(ok), ok);
            assert.equal(r.status, 200);
            const j = (await r.json()) as {
                successful: { index: number; identifier: string }[];
                failed: { index: number }[];
            };
            assert.deepEqual(
                j.successful.map(s => s.index),
                [0],
            );
            assert.deepEqual(
                j.failed.map(f => f.index),
                [1],
                "an event over 240 KB fails alone",
            );
            const bad: [string, unknown][] = [
                ["six events", { channel: ch, events: Array(6).fill("{}") }],
                ["no events", { channel: ch, events: [] }],
                ["event not JSON", { channel: ch, events: ["not json"] }],
                ["event not a string", { channel: ch, events: [{ a: 1 }] }],
                ["other namespace", { channel: `/default/${alice.sub}/s`, events: ["{}"] }],
                ["wildcard", { channel: `/${sb.outputs.chatNamespace}/*`, events: ["{}"] }],
                ["bad segment", { channel: `/${sb.outputs.chatNamespace}/a_b/s`, events: ["{}"] }],
            ];
            for (const [label, payload] of bad) {
                const body = JSON.stringify(payload);
                const res = await send(await sign(body), body);
                assert.equal(res.status, 400, label);
                assert.equal(((await res.json()) as any).errors[0].errorType, "BadRequestException", label);
            }
        });

        it("refuses unsigned, unknown-key, wrong-secret, wrong-region, tampered and Cognito-token publishes with 401", async () => {
            const body = JSON.stringify({ channel: channel(alice.sub, "s-sig"), events: ["{}"] });
            // Only this test's channels count: answers of earlier tests may still be publishing.
            const here = () =>
                sb.published().filter(p => p.channel.endsWith("/s-sig") || p.channel.endsWith("/s-other")).length;
            const cases: [string, Record<string, string>, string][] = [
                ["unsigned", { "content-type": "application/json" }, body],
                ["unknown key", await sign(body, { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }), body],
                ["wrong secret", await sign(body, { ...PUBLISHER, secretAccessKey: "guessed" }), body],
                ["wrong region", await sign(body, PUBLISHER, "us-east-1"), body],
                ["body changed after signing", await sign(body), body.replace("s-sig", "s-other")],
                ["a user's id token", { authorization: alice.idToken, "content-type": "application/json" }, body],
            ];
            for (const [label, headers, b] of cases) {
                const r = await send(headers, b);
                assert.equal(r.status, 401, label);
                assert.equal(((await r.json()) as any).errors[0].errorType, "UnauthorizedException", label);
            }
            assert.equal(here(), 0);
        });
    });

    describe("AppSync Events realtime (aws-appsync-event-ws)", () => {
        it("acks a connection with a valid token and a timeout; refuses none, forged or expired with connection_error", async () => {
            const ok = await open();
            const ack = await ok.init();
            assert.equal(ack.type, "connection_ack");
            assert.equal(ack.connectionTimeoutMs, 300000);
            const forged = await forgedToken(claimsOf(alice.accessToken));
            const short = await sb.token(ALICE.email, { validitySeconds: 1 });
            await sleep(2100);
            for (const [label, header] of [
                ["no header", undefined],
                ["forged", { Authorization: forged, host: host() }],
                ["expired", { Authorization: short.accessToken, host: host() }],
            ] as const) {
                const c = await RawRealtime.open(sb.outputs.chatEventsRealtimeEndpoint, header, sb.caCert);
                conns.push(c);
                const m = await c.init();
                assert.equal(m.type, "connection_error", label);
                assert.equal(m.errors?.[0].errorType, "UnauthorizedException", label);
                await eventually(() => (c.closed ? true : undefined), `${label}: socket closed`);
            }
        });

        it("refuses a forged or expired token at subscribe, and another user's channel by the onSubscribe handler", async () => {
            const c = await open();
            await c.init();
            const forged = await forgedToken(claimsOf(alice.idToken));
            const short = await sb.token(ALICE.email, { validitySeconds: 1 });
            await sleep(2100);
            const own = channel(alice.sub, "s-sub");
            assert.equal((await c.subscribe("f", own, forged, host())).errors?.[0].errorType, "UnauthorizedException");
            assert.equal(
                (await c.subscribe("e", own, short.idToken, host())).errors?.[0].errorType,
                "UnauthorizedException",
            );
            assert.equal(
                (await c.subscribe("n", own, undefined, host())).errors?.[0].errorType,
                "UnauthorizedException",
            );
            const refused = [
                channel(bob.sub, "s-sub"),
                `/${sb.outputs.chatNamespace}/${bob.sub}/*`,
                `/${sb.outputs.chatNamespace}/*`,
                `/${sb.outputs.chatNamespace}/${alice.sub}0/s`,
            ];
            for (const [i, ch] of refused.entries()) {
                const m = await c.subscribe(`x${i}`, ch, alice.idToken, host());
                assert.equal(m.type, "subscribe_error", ch);
                assert.equal(m.errors?.[0].errorType, "Unauthorized", ch);
            }
            assert.equal(
                (await c.subscribe("w", `/${sb.outputs.chatNamespace}/${alice.sub}/*`, alice.idToken, host())).type,
                "subscribe_success",
            );
            // Bob's answer never reaches Alice's connection, even through her wildcard.
            const r = await post({ prompt: "bob asks", sessionid: "s-sub" }, { authorization: bob.idToken });
            assert.equal(r.status, 202);
            await eventually(
                () =>
                    sb
                        .published()
                        .find(p => p.channel === channel(bob.sub, "s-sub") && p.events.some(e => e.includes('"done"'))),
                "bob's answer",
            );
            await sleep(100);
            assert.deepEqual(c.events("w"), []);
        });

        it("delivers a streamed answer: gapless seq, the model's exact text, exactly one terminal event", async () => {
            const c = await open(alice.idToken);
            await c.init();
            await c.subscribe("chat", channel(alice.sub, "s-stream"), alice.idToken, host());
            const prompt = "Tell me about the sandbox — 日本語 too";
            assert.equal((await post({ prompt, sessionid: "s-stream" }, { authorization: alice.idToken })).status, 202);
            const events = await eventually(
                () =>
                    c.events("chat").some(e => e.type === "done" || e.type === "error") ? c.events("chat") : undefined,
                "terminal event",
            );
            await sleep(200);
            const all = c.events("chat");
            assert.deepEqual(
                all.map(e => e.seq),
                all.map((_, i) => i),
                "seq gapless from 0, in order (no fault mode)",
            );
            assert.equal(all.filter(e => e.type === "done" || e.type === "error").length, 1);
            assert.equal(
                events
                    .filter(e => e.type === "delta")
                    .map(e => e.message)
                    .join(""),
                sb.answerFor(prompt),
            );
            assert.equal(sb.lastModelRequest()?.messages?.at(-1)?.content[0].text, prompt);
        });

        it("answers concurrent requests of two users, each exactly, each on its own channel", async () => {
            const a = await open(alice.idToken);
            const b = await open(bob.idToken);
            await Promise.all([a.init(), b.init()]);
            await a.subscribe("a", channel(alice.sub, "s-conc"), alice.idToken, host());
            await b.subscribe("b", channel(bob.sub, "s-conc"), bob.idToken, host());
            const statuses = await Promise.all([
                post({ prompt: "alice at the same time", sessionid: "s-conc" }, { authorization: alice.idToken }),
                post({ prompt: "bob at the same time", sessionid: "s-conc" }, { authorization: bob.idToken }),
            ]);
            assert.deepEqual(
                statuses.map(r => r.status),
                [202, 202],
            );
            for (const [c, id, prompt] of [
                [a, "a", "alice at the same time"],
                [b, "b", "bob at the same time"],
            ] as const) {
                const evs = await eventually(
                    () => (c.events(id).some(e => e.type === "done") ? c.events(id) : undefined),
                    `${id} done`,
                );
                assert.equal(
                    evs
                        .filter(e => e.type === "delta")
                        .map(e => e.message)
                        .join(""),
                    sb.answerFor(prompt),
                );
                assert.equal(new Set(evs.map(e => e.requestId)).size, 1);
            }
        });

        it("unsubscribe stops delivery; a model error becomes one error event", async () => {
            const c = await open();
            await c.init();
            await c.subscribe("u", channel(alice.sub, "s-unsub"), alice.idToken, host());
            c.send({ type: "unsubscribe", id: "u" });
            assert.equal(
                (await c.next(m => m.id === "u" && m.type.startsWith("unsubscribe"))).type,
                "unsubscribe_success",
            );
            await c.subscribe("t", channel(alice.sub, "s-throttle"), alice.idToken, host());
            await post(
                { prompt: `please ${SANDBOX_PROMPTS.throttle}`, sessionid: "s-throttle" },
                { authorization: alice.idToken },
            );
            await post({ prompt: "to the unsubscribed one", sessionid: "s-unsub" }, { authorization: alice.idToken });
            const err = await eventually(() => c.events("t").find(e => e.type === "error"), "error event");
            assert.match(err.code, /Throttled/);
            await eventually(
                () =>
                    sb
                        .published()
                        .find(
                            p =>
                                p.channel === channel(alice.sub, "s-unsub") && p.events.some(e => e.includes('"done"')),
                        ),
                "the unsubscribed answer",
            );
            await sleep(100);
            assert.deepEqual(c.events("u"), []);
        });
    });

    describe("invoker and state machine", () => {
        it("runs the invoker package and the state machine definition against the same model", async () => {
            const inv = await fetch(sb.outputs.invokeUrl, {
                method: "POST",
                body: JSON.stringify({ prompt: "invoke me" }),
            });
            assert.equal(inv.status, 200);
            assert.equal(((await inv.json()) as any).text, sb.answerFor("invoke me"));
            const sm = await fetch(`${sb.outputs.invokeUrl}?stateMachine=1`, {
                method: "POST",
                body: JSON.stringify({ message: "state machine" }),
            });
            const out = (await sm.json()) as any;
            assert.equal(out.status, "SUCCEEDED", JSON.stringify(out));
            assert.equal(out.output.text, sb.answerFor("state machine"));
            const bad = (await (
                await fetch(`${sb.outputs.invokeUrl}?stateMachine=1`, { method: "POST", body: JSON.stringify({}) })
            ).json()) as any;
            assert.equal(bad.status, "FAILED");
        });
    });
});

describe("local sandbox: fault mode redeliver", function () {
    this.timeout(120000);
    let sb: Sandbox;
    before(async () => {
        sb = await startSandbox({ users: [ALICE], modelDelayMs: 40, faults: ["redeliver"] });
    });
    after(async () => {
        await sb?.stop();
    });

    it("re-delivers and reorders events on the socket; ordering by seq and dropping repeats restores the answer", async () => {
        const t = await sb.token(ALICE.email);
        const c = await RawRealtime.open(
            sb.outputs.chatEventsRealtimeEndpoint,
            { Authorization: t.idToken, host: new URL(sb.outputs.chatEventsHttpEndpoint).host },
            sb.caCert,
        );
        try {
            await c.init();
            await c.subscribe("f", `/${sb.outputs.chatNamespace}/${t.sub}/s-fault`, t.idToken, "h");
            const prompt = "fault mode";
            for (let i = 0; i < 2; i++) {
                await fetch(sb.outputs.chatRestEndpoint, {
                    method: "POST",
                    headers: { authorization: t.idToken, "content-type": "application/json" },
                    body: JSON.stringify({ prompt, sessionid: "s-fault" }),
                });
                await eventually(
                    () => (c.events("f").filter(e => e.type === "done").length > i ? true : undefined),
                    "done",
                );
                await sleep(100);
            }
            const got = c.events("f");
            const byRequest = new Map<string, any[]>();
            for (const e of got) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e]);
            let dupes = 0,
                reordered = 0;
            for (const evs of byRequest.values()) {
                const seqs = evs.map(e => e.seq);
                dupes += seqs.length - new Set(seqs).size;
                reordered += seqs.some((s, i) => i > 0 && s < seqs[i - 1]) ? 1 : 0;
                const unique = [...new Map(evs.map(e => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
                assert.deepEqual(
                    unique.map(e => e.seq),
                    unique.map((_, i) => i),
                );
                assert.equal(
                    unique
                        .filter(e => e.type === "delta")
                        .map(e => e.message)
                        .join(""),
                    sb.answerFor(prompt),
                );
                // A re-delivered event is byte-identical.
                const raw = c.messages.filter(m => m.type === "data").map(m => m.event!);
                for (const e of evs)
                    assert.ok(
                        new Set(raw.filter(r => JSON.parse(r).seq === e.seq && JSON.parse(r).requestId === e.requestId))
                            .size === 1,
                    );
            }
            assert.ok(dupes > 0, "some events arrived twice");
            assert.ok(reordered > 0, "some events arrived out of order");
        } finally {
            c.close();
        }
    });
});
