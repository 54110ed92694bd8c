// The token limiter on dynalite through the real DynamoDB client (windows, atomic reservations across limiters as
// across containers, settlement, retry-after), and the authorizer (both headers, hashes, constant-time compare).
import { strict as assert } from "assert";
import { LocalDynamo } from "../../../emulation/dynamo";
import { createAuthorizerHandler, sha256Hex } from "../../../functions/gateway/authorizer";
import { createLimiter } from "../../../functions/gateway/limiter";

describe("gateway limiter on dynalite", function () {
    this.timeout(30000);
    let dynamo: LocalDynamo;
    before(async () => {
        dynamo = await new LocalDynamo().start();
        await dynamo.createGatewayTable("gw-test");
    });
    after(async () => dynamo?.stop());

    it("reserves atomically across containers, settles with real usage, refuses a full window with retry-after", async () => {
        let now = Date.UTC(2026, 0, 1, 12, 0, 15);
        // Two limiters sharing the table: two containers of the function.
        const a = createLimiter({ table: "gw-test", client: dynamo.client(), now: () => now });
        const b = createLimiter({ table: "gw-test", client: dynamo.client(), now: () => now });
        const key = { tokensPerMinute: 1000, tokensPerDay: 1500 };
        const results = await Promise.allSettled(
            Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).reserve("k", key, 300)),
        );
        const ok = results.filter(r => r.status === "fulfilled");
        assert.equal(ok.length, 3, "exactly three reservations of 300 fit in 1000");
        const refused = results.find(r => r.status === "rejected") as PromiseRejectedResult;
        assert.equal(refused.reason.status, 429);
        assert.equal(refused.reason.retryAfterSeconds, 45);
        for (const r of ok) await (r as PromiseFulfilledResult<{ settle(n: number): Promise<void> }>).value.settle(50);
        await a.reserve("k", key, 800); // 150 used + 800 fits the minute; the day holds 950 of 1500
        now += 60_000; // next minute: the day window still holds 950
        await assert.rejects(
            a.reserve("k", key, 600),
            (e: { status: number; reason: string }) => e.status === 429 && e.reason === "tokensPerDay",
        );
        // The minute reservation made before the day refused it was given back: 500 still fits this minute.
        const r = await a.reserve("k", key, 500);
        await r.settle(0);
        await assert.rejects(a.reserve("k", key, 1001), (e: { status: number }) => e.status === 400);
        assert.ok(a.roundTrips > 0);
    });
});

describe("gateway authorizer", () => {
    const key = "bbk-0123456789abcdef";
    const handler = createAuthorizerHandler({ GATEWAY_KEY_HASHES: JSON.stringify({ [sha256Hex(key)]: "app" }) });
    const methodArn = "arn:aws:execute-api:ap-northeast-1:111111111111:abc123/prod/POST/v1/chat/completions";

    it("accepts the key as Bearer or x-api-key, with the key name and the usage identifier", async () => {
        for (const headers of [{ Authorization: `Bearer ${key}` }, { "X-Api-Key": key }]) {
            const r = await handler({ type: "REQUEST", methodArn, headers });
            assert.equal(r.principalId, "app");
            assert.deepEqual(r.context, { keyName: "app" });
            assert.equal(r.usageIdentifierKey, key);
            assert.deepEqual(r.policyDocument.Statement, [
                {
                    Action: "execute-api:Invoke",
                    Effect: "Allow",
                    Resource: "arn:aws:execute-api:ap-northeast-1:111111111111:abc123/prod/*/*",
                },
            ]);
        }
    });

    it("denies a missing or unknown key with a Deny policy on every route, logging no key", async () => {
        const logged: string[] = [];
        const log = console.log;
        console.log = (line: string) => logged.push(line);
        try {
            for (const headers of [
                {},
                { authorization: "Bearer nope" },
                { authorization: key },
                { "x-api-key": `${key}x` },
            ]) {
                const r = await handler({ methodArn, headers });
                assert.deepEqual(r, {
                    principalId: "refused",
                    policyDocument: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Action: "execute-api:Invoke",
                                Effect: "Deny",
                                Resource: "arn:aws:execute-api:ap-northeast-1:111111111111:abc123/prod/*/*",
                            },
                        ],
                    },
                });
            }
        } finally {
            console.log = log;
        }
        assert.equal(logged.length, 4);
        assert.ok(
            logged.every(l => !l.includes(key.slice(0, 12))),
            "no key in the log",
        );
        assert.deepEqual(
            logged.map(l => (JSON.parse(l) as { keySent: boolean }).keySent),
            [false, true, false, true], // a bare Authorization value is no Bearer key: none sent
        );
    });
});
