// The sandbox's gateway applies the stage throttle as API Gateway does: one token bucket over every request, before
// the authorizer, so a flood of missing or unknown keys (which no usage plan meters) is refused with the stack's
// THROTTLED gateway response, and spends the same bucket as good keys.
import { strict as assert } from "assert";
import { Sandbox, startSandbox } from "../../sandbox";

describe("sandbox gateway: the stage throttle bounds requests no usage plan meters", function () {
    this.timeout(120000);
    let sb: Sandbox;
    // One key of 0.01 requests per second and a bucket of 2: the stage throttle defaults to the same sums. A token
    // comes back every 100 s, so nothing refills during the test.
    before(async () => {
        sb = await startSandbox({ gateway: { keys: [{ name: "app", requestsPerSecond: 0.01, burst: 2 }] } });
    });
    after(async () => {
        await sb?.stop();
    });

    const models = (headers: Record<string, string>) =>
        fetch(`${sb.outputs.gatewayUrl}/models`, { headers }).then(async r => ({
            status: r.status,
            retryAfter: r.headers.get("retry-after"),
            body: (await r.json()) as { type?: string; error?: { type?: string; code?: string; message?: string } },
        }));

    it("refuses bad keys with 401 while the bucket lasts, then 429 THROTTLED, and a good key meets the same bucket", async () => {
        const first = await models({ authorization: "Bearer not-a-key" });
        const second = await models({});
        assert.deepEqual([first.status, second.status], [401, 401]);
        assert.equal(first.body.error?.code, "invalid_api_key");

        const third = await models({ "x-api-key": "also-not-a-key" });
        assert.equal(third.status, 429);
        assert.equal(third.retryAfter, "1");
        // The stack's THROTTLED gateway response: Anthropic's and OpenAI's error fields in one body.
        assert.equal(third.body.type, "error");
        assert.equal(third.body.error?.type, "rate_limit_error");
        assert.equal(third.body.error?.code, "rate_limit_exceeded");
        assert.match(third.body.error?.message ?? "", /throttle for all requests/);

        // The key's own usage plan has both its tokens left; the stage's bucket is empty.
        const good = await models({ authorization: `Bearer ${sb.outputs.gatewayKeys.app}` });
        assert.equal(good.status, 429);
    });
});
