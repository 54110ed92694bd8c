// AWS's own client library against the sandbox, unmodified: Amplify Auth (SRP sign-in, refresh, user
// attributes, global sign-out) against the Cognito emulation, and Amplify's events client against the realtime
// endpoint. If the emulation's SRP arithmetic or protocol drifted from Cognito's/AppSync's, these fail.
import { strict as assert } from "assert";
import WebSocket from "ws";
import { Sandbox, startSandbox } from "../../sandbox";
import { claimsOf, eventually } from "./support";

const ALICE = { email: "alice@example.com", password: "Alice-Amplify-1!" };

describe("local sandbox: Amplify's own clients", function () {
    this.timeout(120000);
    let sb: Sandbox;
    let amplify: any, auth: any, data: any;
    const savedWebSocket = (globalThis as any).WebSocket;

    before(async () => {
        sb = await startSandbox({ users: [ALICE], modelDelayMs: 2 });
        // Node 20 has no global WebSocket; Amplify uses the global one. This one trusts the sandbox's certificate.
        const ca = sb.caCert;
        (globalThis as any).WebSocket = class extends WebSocket {
            constructor(url: string, protocols?: string | string[]) {
                super(url, protocols, { ca });
            }
        };
        amplify = require("aws-amplify");
        auth = require("aws-amplify/auth");
        data = require("aws-amplify/data");
        const o = sb.outputs;
        amplify.Amplify.configure({
            Auth: {
                Cognito: {
                    userPoolId: o.chatUserPoolId,
                    userPoolClientId: o.chatUserPoolClientId,
                    userPoolEndpoint: o.cognitoEndpoint,
                },
            },
            API: { Events: { endpoint: o.chatEventsHttpEndpoint, region: o.region, defaultAuthMode: "userPool" } },
        });
    });
    after(async () => {
        await auth?.signOut().catch(() => undefined);
        data?.events.closeAll?.();
        (globalThis as any).WebSocket = savedWebSocket;
        await sb?.stop();
    });

    it("signIn (USER_SRP_AUTH + PASSWORD_VERIFIER): a wrong password and an unknown user get Cognito's error", async () => {
        for (const [username, password] of [
            [ALICE.email, "Wrong-Password-1!"],
            ["nobody@example.com", ALICE.password],
        ]) {
            await assert.rejects(
                auth.signIn({ username, password }),
                (e: any) => e.name === "NotAuthorizedException" && e.message === "Incorrect username or password.",
            );
        }
    });

    it("signIn succeeds with the right password; the tokens are Cognito-shaped and accepted by the REST endpoint", async () => {
        const r = await auth.signIn({ username: ALICE.email, password: ALICE.password });
        assert.deepEqual(r, { isSignedIn: true, nextStep: { signInStep: "DONE" } });
        const s = await auth.fetchAuthSession();
        const id = claimsOf(s.tokens.idToken.toString());
        assert.equal(id.iss, `https://cognito-idp.${sb.outputs.region}.amazonaws.com/${sb.outputs.chatUserPoolId}`);
        assert.equal(id.aud, sb.outputs.chatUserPoolClientId);
        assert.equal(id.token_use, "id");
        assert.equal(id.email, ALICE.email);
        assert.equal(claimsOf(s.tokens.accessToken.toString()).token_use, "access");
        const attrs = await auth.fetchUserAttributes();
        assert.equal(attrs.email, ALICE.email);
        assert.equal(attrs.sub, id.sub);
        const post = await fetch(sb.outputs.chatRestEndpoint, {
            method: "POST",
            headers: { authorization: s.tokens.idToken.toString(), "content-type": "application/json" },
            body: JSON.stringify({ prompt: "hi", sessionid: "amp-1" }),
        });
        assert.equal(post.status, 202);
    });

    it("refreshes tokens with the refresh token (GetTokensFromRefreshToken)", async () => {
        const before = (await auth.fetchAuthSession()).tokens.idToken.toString();
        await new Promise(r => setTimeout(r, 1100));
        const after = (await auth.fetchAuthSession({ forceRefresh: true })).tokens.idToken.toString();
        assert.notEqual(after, before);
        assert.equal(claimsOf(after).sub, claimsOf(before).sub);
        assert.ok(claimsOf(after).iat > claimsOf(before).iat);
    });

    it("events.connect + subscribe (userPool): the streamed answer arrives; another user's channel is refused", async () => {
        const s = await auth.fetchAuthSession();
        const sub = claimsOf(s.tokens.idToken.toString()).sub;
        const ns = sb.outputs.chatNamespace;
        const own = await data.events.connect(`/${ns}/${sub}/amp-2`);
        const got: any[] = [];
        const subscription = own.subscribe({ next: (m: any) => got.push(m.event), error: () => undefined });
        await subscription.ready;
        const post = await fetch(sb.outputs.chatRestEndpoint, {
            method: "POST",
            headers: { authorization: s.tokens.idToken.toString(), "content-type": "application/json" },
            body: JSON.stringify({ prompt: "amplify streams", sessionid: "amp-2" }),
        });
        assert.equal(post.status, 202);
        await eventually(() => (got.some(e => e.type === "done") ? true : undefined), "done over Amplify");
        assert.equal(
            got
                .filter(e => e.type === "delta")
                .map(e => e.message)
                .join(""),
            sb.answerFor("amplify streams"),
        );
        const other = await data.events.connect(`/${ns}/0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d/amp-2`);
        const refused = other.subscribe({
            next: () => assert.fail("received another user's events"),
            error: () => undefined,
        });
        await assert.rejects(refused.ready, /Unauthorized/);
        own.close();
        other.close();
    });

    it("signOut({global: true}) revokes the session: its access token is refused afterwards (GetUser)", async () => {
        const s = await auth.fetchAuthSession();
        const access = s.tokens.accessToken.toString();
        await auth.signOut({ global: true });
        const r = await fetch(sb.outputs.cognitoEndpoint, {
            method: "POST",
            headers: {
                "content-type": "application/x-amz-json-1.1",
                "x-amz-target": "AWSCognitoIdentityProviderService.GetUser",
            },
            body: JSON.stringify({ AccessToken: access }),
        });
        assert.equal(r.status, 400);
        assert.equal(((await r.json()) as any).__type, "NotAuthorizedException");
    });
});
