// Short-term Bedrock API keys inside functions: the key itself, its cache, the error mapping, and the serialized
// invoker package with bedrock-bridge:auth shortTermKey against fake STS and a fake Bedrock that checks the bearer.
import { strict as assert } from "assert";
import { mintShortTermKey, shortTermKeyProvider, SHORT_TERM_KEY_MAX_SECONDS } from "../../../functions/bedrock/bearer";
import { keyKind, toBridgeError } from "../../../functions/errors";
import { bedrockError, converseAnswer } from "../../../emulation/fakes";
import { decodeShortTermKey, EXPIRED, fakeEndpoints, INVALID, requireShortTermBearer } from "../../support/bearer";
import { functionEnv, packagedFunction, runLambda } from "../../../emulation/lambdaRunner";
import { failureOf, runBedrock, runCaller } from "../../support/stacks";
import { ResourceRecord } from "../../../tools/internal/mocks";
import { measure } from "../../../tools/internal/lambdaPackage";
import * as fs from "fs";
import * as path from "path";

const creds = (seconds: number, id = "ASIATESTKEY000000001") => ({
    accessKeyId: id,
    secretAccessKey: "secret",
    sessionToken: "session-token",
    expiration: new Date(Date.now() + seconds * 1000),
});

describe("short-term Bedrock API keys (functions/bedrock/bearer.ts)", () => {
    it("presigns CallWithBearerToken for the region with the given credentials", async () => {
        const key = await mintShortTermKey(creds(3600), "ap-northeast-1");
        const q = decodeShortTermKey(key.token);
        assert.equal(q.get("Action"), "CallWithBearerToken");
        assert.match(
            String(q.get("X-Amz-Credential")),
            /^ASIATESTKEY000000001\/\d{8}\/ap-northeast-1\/bedrock\/aws4_request$/,
        );
        assert.equal(q.get("X-Amz-Security-Token"), "session-token");
        assert.equal(q.get("Version"), "1");
    });

    it("never outlives the credentials, and never 12 hours", async () => {
        const short = await mintShortTermKey(creds(900), "ap-northeast-1");
        assert.ok(Number(decodeShortTermKey(short.token).get("X-Amz-Expires")) <= 900);
        assert.ok(short.expiration.getTime() <= Date.now() + 900_000);
        const long = await mintShortTermKey(creds(36 * 3600), "ap-northeast-1");
        assert.equal(Number(decodeShortTermKey(long.token).get("X-Amz-Expires")), SHORT_TERM_KEY_MAX_SECONDS);
        await assert.rejects(mintShortTermKey(creds(-5), "ap-northeast-1"), /already expired/);
    });

    it("mints once per container, single flight, and again within the refresh margin", async () => {
        let calls = 0;
        let lifetime = 3600;
        const provider = shortTermKeyProvider({
            region: "ap-northeast-1",
            credentials: async () => {
                calls++;
                await new Promise(r => setTimeout(r, 20));
                return creds(lifetime, `ASIATESTKEY00000000${calls}`);
            },
        });
        const first = await Promise.all([provider(), provider(), provider()]);
        assert.equal(calls, 1);
        assert.ok(first.every(k => k.token === first[0].token));
        assert.equal((await provider()).token, first[0].token);
        provider.invalidate();
        assert.equal(first[0].expiration.getTime(), 0, "the SDK's memoized identity is expired too");
        lifetime = 200; // inside the 300 s margin: every call makes a new key
        const a = await provider();
        const b = await provider();
        assert.equal(calls, 3);
        assert.notEqual(a.token, b.token);
    });

    it("maps the two bearer errors to clear messages naming the key type", () => {
        const denied = (message: string, bedrockAuth?: string) =>
            Object.assign(new Error(message), { name: "AccessDeniedException", bedrockAuth });
        const expired = toBridgeError(denied(EXPIRED, "shortTermKey"), { modelId: "m", region: "ap-northeast-1" });
        assert.equal(expired.code, "ShortTermKeyExpired");
        assert.match(expired.message, /short-term Bedrock API key has expired in ap-northeast-1.*npm run token/);
        const longTerm = toBridgeError(denied(INVALID), { auth: "longTermKey" });
        assert.equal(longTerm.code, "ApiKeyInvalid");
        assert.match(
            longTerm.message,
            /long-term Bedrock API key was rejected: it is disabled, expired, deleted or mistyped\. Re-enable it \(status: Active in bedrock-bridge:apiKeys/,
        );
        const shortTerm = toBridgeError(denied(INVALID, "shortTermKey"));
        assert.match(shortTerm.message, /short-term Bedrock API key was rejected.*Generate a new one/);
        const revoked = toBridgeError(
            denied(
                "User: arn:aws:sts::222222222222:assumed-role/bedrock-bridge-execution/bb-token-alice is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/x with an explicit deny in an identity-based policy",
                "shortTermKey",
            ),
        );
        assert.match(revoked.message, /explicit deny .*sessions were revoked \(AWSRevokeOlderSessions\)/);
        assert.equal(keyKind("bedrock-api-key-abc"), "shortTermKey");
        assert.equal(keyKind("ABSKQmVkcm9ja0FQSUtleS1"), "longTermKey");
    });
});

describe("invoker Lambda package with bedrock-bridge:auth shortTermKey", function () {
    const f = fakeEndpoints();
    let fn: ResourceRecord;
    let dir: string;
    let bedrockRoleArn: string;

    before(async () => {
        ({ fn, dir, bedrockRoleArn } = await packagedFunction(
            "invoker",
            { "bedrock-bridge:auth": "shortTermKey" },
            "invoker-bearer",
        ));
    });
    const env = () => ({ ...functionEnv(fn), ...f.env() });

    it("is deployed with BEDROCK_AUTH=shortTermKey and packs the token generator, not a second SDK", () => {
        assert.equal(fn.inputs.environment.variables.BEDROCK_AUTH, "shortTermKey");
        const packed = ["@aws", "@aws-sdk", "@smithy"].flatMap(scope =>
            fs.existsSync(path.join(dir, "node_modules", scope))
                ? fs.readdirSync(path.join(dir, "node_modules", scope)).map(n => `${scope}/${n}`)
                : [],
        );
        // The generator and the three small signing helpers the nodejs22.x runtime's SDK does not expose, and
        // Powertools Metrics' @aws/lambda-invoke-store (every caller function packs Powertools, docs/testing.md).
        assert.deepEqual(packed.sort(), [
            "@aws-sdk/util-format-url",
            "@aws/bedrock-token-generator",
            "@aws/lambda-invoke-store",
            "@smithy/hash-node",
            "@smithy/protocol-http",
        ]);
        // About 0.9 MB unpacked with Powertools (0.6 MB of it); a second SDK would add several MB.
        assert.ok(measure(dir).bytes < 1200 * 1024, `package is ${measure(dir).bytes} bytes`);
    });

    it("calls Bedrock with a short-term key made from the assumed role, once per container", async () => {
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "a" }, { prompt: "b" }, { prompt: "c" }], parallel: true }],
            env(),
        );
        assert.ok(
            r.steps[0].every(x => x.ok),
            JSON.stringify(r.steps[0]),
        );
        assert.equal(f.sts.calls.length, 1);
        assert.equal(f.sts.calls[0].roleArn, bedrockRoleArn);
        const tokens = new Set(f.bedrock.requests.map(q => q.signedBy.bearer));
        assert.equal(tokens.size, 1, "one key for all calls");
        const q = decodeShortTermKey([...tokens][0]!);
        assert.match(
            String(q.get("X-Amz-Credential")),
            /^ASIAFAKE222222222222\d{4}\/\d{8}\/ap-northeast-1\/bedrock\/aws4_request$/,
        );
        assert.ok(Number(q.get("X-Amz-Expires")) <= 3600, "never longer than the role session");
        assert.ok(
            f.bedrock.requests.every(x => x.signedBy.accessKeyId === undefined),
            "no SigV4 signature",
        );
        assert.ok(!(r.stdout + r.stderr).includes("bedrock-api-key-"), "the key is never logged");
    });

    it("makes a new key before the old one expires", async () => {
        // The key lives as long as the session: inside the 300 s margin after 5 s. The margin is wide so that the
        // first two calls stay inside one key's life on a loaded machine (a 1 s margin flaked under load).
        f.sts.expiresInSeconds = 305;
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "a" }, { prompt: "b" }] }, { sleepMs: 5500, events: [{ prompt: "c" }] }],
            env(),
        );
        assert.ok(
            r.steps.flat().every(x => x.ok),
            JSON.stringify(r.steps),
        );
        const tokens = f.bedrock.requests.map(q => q.signedBy.bearer);
        assert.equal(tokens[0], tokens[1]);
        assert.notEqual(tokens[1], tokens[2]);
    });

    it("reports an expired key as ShortTermKeyExpired and uses a new key on the next call", async () => {
        let first: string | undefined;
        f.bedrock.handler = requireShortTermBearer(req => {
            first ??= req.signedBy.bearer;
            return req.signedBy.bearer === first
                ? bedrockError("AccessDeniedException", EXPIRED)
                : converseAnswer("fresh");
        });
        // A second apart, so a new key differs from the old one (X-Amz-Date) even from the same session.
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "a" }] }, { sleepMs: 1100, events: [{ prompt: "b" }] }],
            env(),
        );
        const [[expired], [next]] = r.steps;
        assert.equal(expired.errorType, "ShortTermKeyExpired");
        assert.match(String(expired.errorMessage), /short-term Bedrock API key has expired/);
        assert.ok(next.ok, next.errorMessage);
        assert.equal(next.value.text, "fresh");
    });

    it("bedrock-bridge:auth accepts sigv4 or shortTermKey only, on the caller side", async () => {
        const b = await runBedrock();
        assert.match(
            await failureOf(runCaller(b, { "bedrock-bridge:auth": "apiKey" })),
            /bedrock-bridge:auth must be one of sigv4, shortTermKey \(got "apiKey"\)/,
        );
        assert.match(
            await failureOf(runBedrock({ "bedrock-bridge:auth": "shortTermKey" })),
            /bedrock-bridge:auth belongs to the caller side/,
        );
    });

    it("reports a rejected key as ApiKeyInvalid naming the short-term key", async () => {
        f.bedrock.handler = () => bedrockError("AccessDeniedException", INVALID);
        const r = await runLambda(dir, [{ events: [{ prompt: "a" }] }], env());
        assert.equal(r.steps[0][0].errorType, "ApiKeyInvalid");
        assert.match(String(r.steps[0][0].errorMessage), /short-term Bedrock API key was rejected/);
    });
});
