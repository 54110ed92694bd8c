// The invoker's serialized package (__index.js from the Function's code archive) in a fresh Node process,
// with the real SDK clients against local fake STS and Bedrock Runtime endpoints.
import { strict as assert } from "assert";
import { bedrockError, converseAnswer, FakeBedrock, FakeSts } from "../../emulation/fakes";
import { functionEnv, packagedFunction, runLambda } from "../../emulation/lambdaRunner";
import { ResourceRecord } from "../../tools/internal/mocks";

describe("invoker Lambda package", function () {
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    let fn: ResourceRecord;
    let dir: string;
    let bedrockRoleArn: string;

    before(async () => {
        ({ fn, dir, bedrockRoleArn } = await packagedFunction("invoker"));
    });
    beforeEach(async () => {
        sts = await new FakeSts().start();
        bedrock = await new FakeBedrock().start();
    });
    afterEach(async () => {
        await sts.stop();
        await bedrock.stop();
    });

    const env = (extra: Record<string, string> = {}) => ({
        ...functionEnv(fn),
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        ...extra,
    });

    it("is deployed with an explicit nodejs22.x runtime and its own role", () => {
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.match(fn.inputs.role, /^arn:aws:iam::111111111111:role\/bedrock-bridge\//);
        assert.equal(fn.inputs.handler, "__index.handler");
    });

    it("answers {prompt} with text, stopReason, usage, latency and the serving account", async () => {
        bedrock.handler = () => converseAnswer("こんにちは");
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "クロスアカウントでのBedrock呼び出しテストです" }] }],
            env(),
        );
        const [res] = r.steps[0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.text, "こんにちは");
        assert.equal(res.value.stopReason, "end_turn");
        assert.deepEqual(res.value.usage.totalTokens, 92);
        assert.equal(res.value.latencyMs, 2203);
        assert.deepEqual(res.value.servedBy, { accountId: "222222222222", region: "ap-northeast-1" });
        // Bedrock saw the default model, the user's prompt, and a request signed with the assumed credentials.
        const req = bedrock.requests[0];
        assert.equal(req.modelId, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert.deepEqual(req.body.messages, [
            { role: "user", content: [{ text: "クロスアカウントでのBedrock呼び出しテストです" }] },
        ]);
        assert.match(String(req.signedBy.accessKeyId), /^ASIAFAKE222222222222/);
        assert.equal(req.signedBy.region, "ap-northeast-1");
        assert.equal(sts.calls[0].roleArn, bedrockRoleArn);
        assert.equal(sts.calls[0].sessionName, "bb-bedrock-bridge-test-fn");
        assert.equal(sts.calls[0].signedBy, "AKIAFAKELAMBDAROLE01");
    });

    it("assumes the role once across many sequential and concurrent invocations", async () => {
        sts.latencyMs = 50; // concurrent cold callers overlap the in-flight AssumeRole
        const events = Array.from({ length: 10 }, (_, i) => ({ prompt: `q${i}` }));
        const r = await runLambda(dir, [{ events, parallel: true }, { events }], env());
        assert.ok(
            r.steps.flat().every(x => x.ok),
            JSON.stringify(r.steps.flat().filter(x => !x.ok)),
        );
        assert.equal(bedrock.requests.length, 20);
        assert.equal(sts.calls.length, 1);
    });

    it("refreshes the credentials before they expire", async () => {
        // 301 s of validity with the default 300 s margin: good for about one second.
        sts.expiresInSeconds = 301;
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "a" }, { prompt: "b" }] }, { sleepMs: 1500, events: [{ prompt: "c" }] }],
            env(),
        );
        assert.ok(r.steps.flat().every(x => x.ok));
        assert.equal(sts.calls.length, 2);
        const keys = bedrock.requests.map(q => q.signedBy.accessKeyId);
        assert.equal(keys[0], keys[1]);
        assert.notEqual(keys[1], keys[2]);
    });

    it("accepts messages, system, inferenceConfig and an allowed modelId", async () => {
        const event = {
            messages: [
                { role: "user", content: "hi" },
                { role: "assistant", content: "hello" },
                { role: "user", content: [{ text: "more" }] },
            ],
            system: "be brief",
            inferenceConfig: { maxTokens: 100, temperature: 0.2 },
            modelId: "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        };
        const r = await runLambda(dir, [{ events: [event] }], env());
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const body = bedrock.requests[0].body;
        assert.equal(bedrock.requests[0].modelId, event.modelId);
        assert.equal(body.messages.length, 3);
        assert.deepEqual(body.system, [{ text: "be brief" }]);
        assert.deepEqual(body.inferenceConfig, { maxTokens: 100, temperature: 0.2 });
    });

    it("always sends an explicit maxTokens: the configured default, and never more than the configured limit", async () => {
        assert.equal(fn.inputs.environment.variables.MAX_TOKENS, "4096");
        assert.equal(fn.inputs.environment.variables.MAX_TOKENS_LIMIT, "8192");
        const r = await runLambda(
            dir,
            [
                {
                    events: [
                        { prompt: "x" },
                        { prompt: "y", inferenceConfig: { temperature: 0.1 } },
                        { prompt: "z", inferenceConfig: { maxTokens: 8192 } },
                        { prompt: "w", inferenceConfig: { maxTokens: 8193 } },
                    ],
                },
            ],
            env(),
        );
        assert.deepEqual(
            bedrock.requests.map(q => q.body.inferenceConfig),
            [{ maxTokens: 4096 }, { maxTokens: 4096, temperature: 0.1 }, { maxTokens: 8192 }],
        );
        assert.equal(r.steps[0][3].errorType, "InvalidRequest");
        assert.match(
            String(r.steps[0][3].errorMessage),
            /maxTokens must be a whole number from 1 to 8192 .*bedrock-bridge:invoker\.maxTokensLimit/,
        );
        // Raised by config, up to the model's own bound.
        const raised = await runLambda(
            dir,
            [{ events: [{ prompt: "v", inferenceConfig: { maxTokens: 64000 } }] }],
            env({ MAX_TOKENS_LIMIT: "64000" }),
        );
        assert.ok(raised.steps[0][0].ok, raised.steps[0][0].errorMessage);
        assert.equal(bedrock.requests[3].body.inferenceConfig.maxTokens, 64000);
    });

    it("rejects bad requests before calling Bedrock", async () => {
        const bad = [
            {},
            { prompt: "" },
            { prompt: "x", modelId: "anthropic.claude-3-haiku-20240307-v1:0" },
            { messages: [{ role: "assistant", content: "x" }] },
            { prompt: "x", inferenceConfig: { maxTokens: 0 } },
            { prompt: "x", messages: [] },
        ];
        const r = await runLambda(dir, [{ events: bad }], env());
        for (const res of r.steps[0]) {
            assert.equal(res.ok, false);
            assert.equal(res.errorType, "InvalidRequest", res.errorMessage);
        }
        assert.match(
            String(r.steps[0][2].errorMessage),
            /modelId "anthropic\.claude-3-haiku-20240307-v1:0" is not allowed/,
        );
        assert.equal(bedrock.requests.length, 0);
        assert.equal(sts.calls.length, 0);
    });

    it("maps Bedrock errors to clear errors without leaking the prompt into logs", async () => {
        const answers = [
            bedrockError("ThrottlingException", "Too many requests, please wait before trying again."),
            bedrockError("AccessDeniedException", "You don't have access to the model with the specified model ID."),
            bedrockError("AccessDeniedException", "User is not authorized to perform: bedrock:InvokeModel"),
            bedrockError("ValidationException", "Input is too long for requested model."),
            bedrockError("ServiceUnavailableException", "Service unavailable"),
        ];
        // Keyed by prompt: the SDK retries throttling and 5xx once, so order of requests is not one per event.
        bedrock.handler = req => answers[Number(/#(\d+)/.exec(req.body.messages[0].content[0].text)![1])];
        const secret = "my-private-prompt-text";
        const r = await runLambda(dir, [{ events: answers.map((_, i) => ({ prompt: `${secret} #${i}` })) }], env());
        const types = r.steps[0].map(x => x.errorType);
        assert.deepEqual(types, ["Throttled", "ModelNotEnabled", "AccessDenied", "InputTooLong", "ServiceUnavailable"]);
        assert.match(String(r.steps[0][0].errorMessage), /throttling.*jp\.anthropic\.claude-sonnet-4-5/i);
        assert.match(String(r.steps[0][1].errorMessage), /Model access .* is not enabled/);
        assert.ok(!(r.stdout + r.stderr).includes(secret), "the prompt must not be logged");
        assert.ok(!(r.stdout + r.stderr).includes("fake-secret"), "credentials must not be logged");
    });

    it("reports a refused AssumeRole as AssumeRoleDenied naming the trust to check", async () => {
        sts.deny.add(bedrockRoleArn);
        const r = await runLambda(dir, [{ events: [{ prompt: "x" }] }], env());
        assert.equal(r.steps[0][0].errorType, "AssumeRoleDenied");
        assert.match(String(r.steps[0][0].errorMessage), /callerRolePath/);
        assert.equal(bedrock.requests.length, 0);
    });
});
