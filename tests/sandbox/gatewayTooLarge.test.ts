// A body over Lambda's 6 MB (and under API Gateway's 10 MB) against the sandbox's gateway: refused with 413 before
// the function, in each SDK's own error shape, as the deployed API answers it (the authorizer's refusal, API
// Gateway's INVALID_API_KEY, the stack's gateway response); a body over 10 MB is API Gateway's own 413.
import { strict as assert } from "assert";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Sandbox, startSandbox } from "../../sandbox";

const SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SEVEN_MB = "x".repeat(7_000_000);

describe("sandbox gateway: request bodies over Lambda's 6 MB", function () {
    this.timeout(120000);
    let sb: Sandbox;
    before(async () => {
        sb = await startSandbox({ gateway: { keys: [{ name: "app" }] } });
    });
    after(async () => {
        await sb?.stop();
    });
    const caught = async (p: Promise<unknown>): Promise<unknown> => {
        try {
            await p;
        } catch (e) {
            return e;
        }
        throw new Error("the call succeeded");
    };

    it("OpenAI: 413 with {error: {message, type, param, code}} stating 6 MB, not retried", async () => {
        const openai = new OpenAI({
            apiKey: sb.outputs.gatewayKeys.app,
            baseURL: sb.outputs.gatewayUrl,
            maxRetries: 0,
        });
        const e = await caught(
            openai.chat.completions.create({ model: SONNET_45, messages: [{ role: "user", content: SEVEN_MB }] }),
        );
        assert.ok(e instanceof OpenAI.APIError, String(e));
        assert.equal(e.status, 413);
        assert.match(e.message, /over 6 MB/);
        const body = e.error as { message: string; type: string; code: string; param: unknown };
        assert.deepEqual(
            { type: body.type, code: body.code, param: body.param },
            { type: "request_too_large", code: "request_too_large", param: null },
        );
        assert.equal(e.headers?.get("x-should-retry"), "false");
    });

    it("Anthropic: 413 with {type: error, error: {type, message}} stating 6 MB", async () => {
        const anthropic = new Anthropic({
            apiKey: sb.outputs.gatewayKeys.app,
            baseURL: sb.outputs.gatewayUrl.replace(/\/v1$/, ""),
            maxRetries: 0,
        });
        const e = await caught(
            anthropic.messages.create({
                model: SONNET_45,
                max_tokens: 10,
                messages: [{ role: "user", content: SEVEN_MB }],
            }),
        );
        assert.ok(e instanceof Anthropic.APIError, String(e));
        assert.equal(e.status, 413);
        const body = e.error as { type: string; error: { type: string; message: string } };
        assert.equal(body.type, "error");
        assert.equal(body.error.type, "request_too_large");
        assert.match(body.error.message, /over 6 MB/);
    });

    it("a refused key with a large body is refused for its size too, and a body over 10 MB is API Gateway's own 413", async () => {
        const post = (body: string, key = "bbk-not-a-key") =>
            fetch(`${sb.outputs.gatewayUrl}/chat/completions`, {
                method: "POST",
                headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
                body,
            }).then(async r => ({ status: r.status, body: (await r.json()) as { error: { message: string } } }));
        const big = JSON.stringify({ model: SONNET_45, messages: [{ role: "user", content: SEVEN_MB }] });
        const refused = await post(big);
        assert.equal(refused.status, 413);
        assert.match(refused.body.error.message, /over 6 MB/);
        const huge = await post("x".repeat(11 * 1024 * 1024), sb.outputs.gatewayKeys.app);
        assert.equal(huge.status, 413);
        assert.match(huge.body.error.message, /10 MB/);
        // A small body still works with the key.
        const ok = await post(
            JSON.stringify({ model: SONNET_45, messages: [{ role: "user", content: "hi" }] }),
            sb.outputs.gatewayKeys.app,
        );
        assert.equal(ok.status, 200);
    });
});
