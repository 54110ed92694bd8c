// The state machine definition: valid ASL (asl-validator, JSONata), and run through a small JSONata
// interpreter with the seed's input, a multi-turn input, bad inputs and simulated Converse results/errors.
import { strict as assert } from "assert";
import jsonata = require("jsonata");
import { buildDefinition, DefinitionOptions } from "../../../components/caller/stateMachineDefinition";
import {
    camel,
    converseOnTheWire,
    expressions,
    Interpreter,
    TaskCall,
    TaskFailure,
} from "../../../emulation/stepFunctions";

const aslValidator = require("asl-validator");

const ROLE_A = "arn:aws:iam::222222222222:role/bedrock-bridge-execution";
const ROLE_B = "arn:aws:iam::333333333333:role/bedrock-bridge-execution";
const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const APAC = "apac.anthropic.claude-sonnet-4-20250514-v1:0";

function options(over: Partial<DefinitionOptions> = {}): DefinitionOptions {
    return {
        targets: [{ roleArn: ROLE_A, label: "bedrock" }],
        allowedModelIds: [JP, APAC],
        defaultModelId: JP,
        maxTokens: 1000,
        temperature: 0.7,
        retry: { maxAttempts: 3, intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 30 },
        ...over,
    };
}

// Seed 000: the test input and what Converse answered (the SDK integration's PascalCase result).
const SEED_INPUT = { message: "こんにちは、日本語でテストしています。" };
const SEED_TEXT =
    "こんにちは!日本語のテストですね。\n\n私は日本語で会話することができます。何かご質問がございましたら、お気軽にお聞かせください。どのようなことについてお話ししたいですか?";
const SEED_RESULT = {
    Metrics: { LatencyMs: 2203 },
    Output: { Message: { Content: [{ Text: SEED_TEXT }], Role: "assistant" } },
    StopReason: "end_turn",
    Usage: { CacheReadInputTokens: 0, CacheWriteInputTokens: 0, InputTokens: 22, OutputTokens: 70, TotalTokens: 92 },
};

const answer =
    (result: unknown = SEED_RESULT) =>
    async (call: TaskCall) => {
        assert.equal(call.resource, "arn:aws:states:::aws-sdk:bedrockruntime:converse");
        return result;
    };
const throwing =
    (error: string, cause = "simulated") =>
    async () => {
        throw new TaskFailure(error, cause);
    };

function validate(definition: unknown): { isValid: boolean; errorsText: () => string } {
    // asl-validator fills in QueryLanguage on the object it is given.
    return aslValidator(JSON.parse(JSON.stringify(definition)));
}

describe("state machine definition: ASL", () => {
    it("is valid JSONata ASL for one target and for a chain of three", () => {
        for (const targets of [
            [{ roleArn: ROLE_A }],
            [{ roleArn: ROLE_A }, { roleArn: ROLE_B }, { roleArn: "arn:aws:iam::444444444444:role/x" }],
        ]) {
            const r = validate(buildDefinition(options({ targets })));
            assert.ok(r.isValid, r.errorsText());
        }
    });

    it("the validator would reject a broken expression (so the check above means something)", () => {
        const d: any = buildDefinition(options());
        d.States.PrepareRequest.Assign.request = "{% $merge([ %}";
        assert.equal(validate(d).isValid, false);
    });

    it("is JSONata at the top, with no JSONPath fields anywhere", () => {
        const d: any = buildDefinition(options());
        assert.equal(d.QueryLanguage, "JSONata");
        const text = JSON.stringify(d);
        for (const field of ["Parameters", "ResultPath", "ResultSelector", "InputPath", "OutputPath", '.$"'])
            assert.ok(!text.includes(field), field);
    });

    it("every {% %} expression compiles with jsonata", () => {
        const all = expressions(buildDefinition(options({ targets: [{ roleArn: ROLE_A }, { roleArn: ROLE_B }] })));
        assert.ok(all.length > 15);
        for (const { at, text } of all) {
            assert.doesNotThrow(() => jsonata(text.slice(2, -2)), at);
            assert.ok(!text.includes("\n"), `${at} is on one line`);
        }
    });

    it("retries Bedrock's transient errors with backoff and full jitter, then catches to named failures", () => {
        const task: any = buildDefinition(options()).States["Converse.1"];
        assert.equal(task.Resource, "arn:aws:states:::aws-sdk:bedrockruntime:converse");
        assert.deepEqual(task.Credentials, { RoleArn: ROLE_A });
        assert.equal(task.Retry.length, 1);
        const retry = task.Retry[0];
        assert.deepEqual([...retry.ErrorEquals].sort(), [
            "BedrockRuntime.InternalServerException",
            "BedrockRuntime.ModelNotReadyException",
            "BedrockRuntime.ServiceUnavailableException",
            "BedrockRuntime.ThrottlingException",
        ]);
        assert.equal(retry.JitterStrategy, "FULL");
        assert.equal(retry.BackoffRate, 2);
        assert.equal(retry.MaxAttempts, 3);
        assert.equal(retry.MaxDelaySeconds, 30);
        assert.ok(!retry.ErrorEquals.includes("BedrockRuntime.ValidationException"), "a bad request is not retried");
        assert.deepEqual(
            task.Catch.map((c: any) => c.ErrorEquals.at(-1)),
            ["BedrockRuntime.ServiceQuotaExceededException", "BedrockRuntime.AccessDeniedException", "States.ALL"],
        );
    });

    it("refuses a default model that is not allowed, and an empty target list", () => {
        assert.throws(
            () => buildDefinition(options({ defaultModelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" })),
            /not among the allowed models/,
        );
        assert.throws(() => buildDefinition(options({ targets: [] })), /at least one/);
    });

    it("holds maxTokens to one bound: the default within the limit, the limit within the model's 64,000", async () => {
        assert.throws(
            () => buildDefinition(options({ maxTokens: 9000 })),
            /need 1 <= maxTokens <= maxTokensLimit <= 64000/,
        );
        assert.throws(() => buildDefinition(options({ maxTokens: 1000, maxTokensLimit: 64001 })), /<= 64000/);
        const wide = new Interpreter(buildDefinition(options({ maxTokensLimit: 64000 })));
        const ok = await wide.run({ message: "hi", inferenceConfig: { maxTokens: 64000 } }, answer());
        assert.equal(ok.status, "SUCCEEDED", ok.cause);
        assert.equal(ok.calls[0].arguments.InferenceConfig.MaxTokens, 64000);
        const over = await wide.run({ message: "hi", inferenceConfig: { maxTokens: 64001 } }, answer());
        assert.equal(over.error, "BedrockBridge.InvalidInput");
    });
});

describe("state machine definition: executions", () => {
    // Shared so that the last test can check that every expression was evaluated by some case.
    const definition = buildDefinition(options({ targets: [{ roleArn: ROLE_A }, { roleArn: ROLE_B }] }));
    const sm = new Interpreter(definition);

    it("seed input: Converse gets exactly the seed's request, as the Bedrock role, and the output is shaped", async () => {
        const run = await sm.run(SEED_INPUT, answer());
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.path, ["ValidateInput", "PrepareRequest", "Converse.1"]);
        assert.equal(run.calls.length, 1);
        assert.deepEqual(run.calls[0].credentials, { RoleArn: ROLE_A });
        assert.deepEqual(run.calls[0].arguments, {
            ModelId: JP,
            Messages: [{ Role: "user", Content: [{ Text: "こんにちは、日本語でテストしています。" }] }],
            InferenceConfig: { MaxTokens: 1000, Temperature: 0.7 },
        });
        assert.deepEqual(run.output, {
            text: SEED_TEXT,
            stopReason: "end_turn",
            usage: {
                inputTokens: 22,
                outputTokens: 70,
                totalTokens: 92,
                cacheReadInputTokens: 0,
                cacheWriteInputTokens: 0,
            },
            latencyMs: 2203,
            modelId: JP,
        });
    });

    it("multi-turn input with system, model and inference settings becomes Converse's PascalCase request", async () => {
        const input = {
            messages: [
                { role: "user", content: "東京の天気は?" },
                { role: "assistant", content: "晴れです。" },
            ],
            message: "明日は?",
            system: "簡潔に答えてください。",
            modelId: APAC,
            inferenceConfig: { maxTokens: 200, topP: 0.9, stopSequences: ["\n\nHuman:"] },
        };
        const result = {
            Metrics: { LatencyMs: 812 },
            Output: { Message: { Role: "assistant", Content: [{ Text: "明日も" }, { Text: "晴れです。" }] } },
            StopReason: "max_tokens",
            Usage: { InputTokens: 40, OutputTokens: 200, TotalTokens: 240 },
        };
        const run = await sm.run(input, answer(result));
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.calls[0].arguments, {
            ModelId: APAC,
            Messages: [
                { Role: "user", Content: [{ Text: "東京の天気は?" }] },
                { Role: "assistant", Content: [{ Text: "晴れです。" }] },
                { Role: "user", Content: [{ Text: "明日は?" }] },
            ],
            // topP of its own: no default temperature beside it.
            InferenceConfig: { MaxTokens: 200, TopP: 0.9, StopSequences: ["\n\nHuman:"] },
            System: [{ Text: "簡潔に答えてください。" }],
        });
        assert.deepEqual(run.output, {
            text: "明日も晴れです。",
            stopReason: "max_tokens",
            usage: { inputTokens: 40, outputTokens: 200, totalTokens: 240 },
            latencyMs: 812,
            modelId: APAC,
        });
    });

    it("the real SDK serializes every argument of both requests (Converse knows every member)", async () => {
        for (const input of [
            SEED_INPUT,
            {
                messages: [
                    { role: "user", content: "a" },
                    { role: "assistant", content: "b" },
                ],
                message: "c",
                system: "s",
                inferenceConfig: { topP: 0.5, stopSequences: ["x"] },
            },
        ]) {
            const run = await sm.run(input, answer());
            const { ModelId, ...rest } = run.calls[0].arguments;
            const wire = await converseOnTheWire(run.calls[0].arguments);
            assert.equal(wire.path, `/model/${ModelId}/converse`);
            assert.deepEqual(wire.body, camel(rest));
        }
    });

    it("a conversation given only as messages (ending with the user) needs no message", async () => {
        const run = await sm.run(
            { messages: [{ role: "user", content: "hi" }], inferenceConfig: { temperature: 0 } },
            answer(),
        );
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.calls[0].arguments.Messages, [{ Role: "user", Content: [{ Text: "hi" }] }]);
        assert.deepEqual(run.calls[0].arguments.InferenceConfig, { MaxTokens: 1000, Temperature: 0 });
    });

    it("topP alone is sent without the default temperature (Claude Sonnet 4.5 refuses both)", async () => {
        const run = await sm.run({ message: "hi", inferenceConfig: { topP: 0.8 } }, answer());
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.calls[0].arguments.InferenceConfig, { MaxTokens: 1000, TopP: 0.8 });
    });

    it("both temperature and topP for a model that accepts only one fail before Bedrock, naming the fix", async () => {
        const run = await sm.run({ message: "hi", inferenceConfig: { temperature: 0.5, topP: 0.8 } }, answer());
        assert.equal(run.error, "BedrockBridge.InvalidInput", run.cause);
        assert.match(run.cause!, /both "temperature" and "topP".*only one of them/);
        assert.equal(run.calls.length, 0);
    });

    it("both temperature and topP go through for a model that takes both (Claude Sonnet 4)", async () => {
        const run = await sm.run(
            { message: "hi", modelId: APAC, inferenceConfig: { temperature: 0.5, topP: 0.8 } },
            answer(),
        );
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.calls[0].arguments.InferenceConfig, { MaxTokens: 1000, Temperature: 0.5, TopP: 0.8 });
    });

    it("an answer without text blocks gives empty text, not a failure", async () => {
        const result = {
            ...SEED_RESULT,
            Output: {
                Message: { Role: "assistant", Content: [{ ReasoningContent: { ReasoningText: { Text: "..." } } }] },
            },
        };
        const run = await sm.run(SEED_INPUT, answer(result));
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.equal(run.output.text, "");
    });

    const invalid: [string, unknown, RegExp][] = [
        ["no message", {}, /has no "message"/],
        ["a typo'd key", { mesage: "hi" }, /has no "message"/],
        ["empty message", { message: "" }, /"message" must be a non-empty string/],
        ["blank message", { message: "  \n " }, /"message" must be a non-empty string/],
        ["message not a string", { message: 42 }, /"message" must be a non-empty string/],
        ["null message", { message: null }, /"message" must be a non-empty string/],
        ["input not an object", "hello", /must be a JSON object/],
        ["input an array", [{ message: "hi" }], /must be a JSON object/],
        ["messages empty", { messages: [] }, /"messages" must be a non-empty list/],
        ["messages not a list", { messages: "hi" }, /"messages" must be a non-empty list/],
        ["bad role", { messages: [{ role: "system", content: "x" }] }, /every entry of "messages"/],
        ["empty content", { messages: [{ role: "user", content: "" }] }, /every entry of "messages"/],
        ["entry not an object", { messages: ["hi"] }, /every entry of "messages"/],
        [
            "starts with assistant",
            { messages: [{ role: "assistant", content: "x" }], message: "hi" },
            /must start with a "user" turn/,
        ],
        ["two user turns in a row", { messages: [{ role: "user", content: "a" }], message: "b" }, /alternate/],
        ["empty system", { message: "hi", system: "" }, /"system" must be a non-empty string/],
        ["model id not a string", { message: "hi", modelId: 7 }, /"modelId" must be a string/],
        [
            "inferenceConfig not an object",
            { message: "hi", inferenceConfig: [1] },
            /"inferenceConfig" must be an object/,
        ],
        [
            "unknown inference key",
            { message: "hi", inferenceConfig: { max_tokens: 5 } },
            /accepts only maxTokens, temperature, topP, stopSequences/,
        ],
        ["maxTokens zero", { message: "hi", inferenceConfig: { maxTokens: 0 } }, /maxTokens" must be a whole number/],
        [
            "maxTokens fraction",
            { message: "hi", inferenceConfig: { maxTokens: 1.5 } },
            /maxTokens" must be a whole number/,
        ],
        [
            "maxTokens as text",
            { message: "hi", inferenceConfig: { maxTokens: "100" } },
            /maxTokens" must be a whole number/,
        ],
        [
            "maxTokens above the limit",
            { message: "hi", inferenceConfig: { maxTokens: 8193 } },
            /"inferenceConfig\.maxTokens" must be a whole number from 1 to 8192 \(bedrock-bridge:stepFunctions\.maxTokensLimit\)/,
        ],
        [
            "temperature above 1",
            { message: "hi", inferenceConfig: { temperature: 1.5 } },
            /temperature" must be a number from 0 to 1/,
        ],
        ["topP below 0", { message: "hi", inferenceConfig: { topP: -0.1 } }, /topP" must be a number from 0 to 1/],
        [
            "stop sequence not text",
            { message: "hi", inferenceConfig: { stopSequences: [1] } },
            /stopSequences" must be a list of at most 4 strings/,
        ],
        [
            "too many stop sequences",
            { message: "hi", inferenceConfig: { stopSequences: ["a", "b", "c", "d", "e"] } },
            /at most 4/,
        ],
    ];
    for (const [what, input, cause] of invalid) {
        it(`bad input (${what}) fails with BedrockBridge.InvalidInput before calling Bedrock`, async () => {
            const run = await sm.run(input, answer());
            assert.equal(run.status, "FAILED");
            assert.equal(run.error, "BedrockBridge.InvalidInput", run.cause);
            assert.match(run.cause!, cause);
            assert.equal(run.calls.length, 0);
        });
    }

    it("a model id the Bedrock stack does not allow fails with BedrockBridge.ModelNotAllowed naming the allowed ones", async () => {
        const run = await sm.run({ message: "hi", modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }, answer());
        assert.equal(run.error, "BedrockBridge.ModelNotAllowed");
        assert.match(run.cause!, /"us\.anthropic\.claude-sonnet-4-5-20250929-v1:0" is not allowed/);
        assert.ok(run.cause!.includes(`${JP}, ${APAC}`), run.cause);
        assert.match(run.cause!, /bedrock-bridge:models/);
        assert.equal(run.calls.length, 0);
    });

    it("throttling is retried on the same target with growing delays, and succeeds there", async () => {
        let n = 0;
        const run = await sm.run(SEED_INPUT, async _call => {
            if (++n <= 3) throw new TaskFailure("BedrockRuntime.ThrottlingException", "Too many requests");
            return SEED_RESULT;
        });
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(
            run.calls.map(c => c.credentials.RoleArn),
            [ROLE_A, ROLE_A, ROLE_A, ROLE_A],
        );
        assert.deepEqual(run.retryDelays, [2, 4, 8]);
    });

    it("after the retries, throttling moves on to the next target, which answers", async () => {
        const run = await sm.run(SEED_INPUT, async call => {
            if (call.credentials.RoleArn === ROLE_A)
                throw new TaskFailure("BedrockRuntime.ThrottlingException", "Too many requests");
            return SEED_RESULT;
        });
        assert.equal(run.status, "SUCCEEDED", run.cause);
        assert.deepEqual(run.path, ["ValidateInput", "PrepareRequest", "Converse.1", "Converse.2"]);
        assert.deepEqual(
            run.calls.map(c => c.credentials.RoleArn),
            [ROLE_A, ROLE_A, ROLE_A, ROLE_A, ROLE_B],
        );
        assert.deepEqual(run.calls[4].arguments, run.calls[0].arguments, "the next target gets the same request");
        assert.equal(run.output.text, SEED_TEXT);
    });

    it("with accounts known, the output says which member served and how many were skipped", async () => {
        const pool = new Interpreter(
            buildDefinition(
                options({
                    targets: [
                        { roleArn: ROLE_A, accountId: "222222222222", region: "ap-northeast-1" },
                        { roleArn: ROLE_B, accountId: "333333333333", region: "ap-northeast-1" },
                    ],
                }),
            ),
        );
        const first = await pool.run(SEED_INPUT, answer());
        assert.deepEqual(first.output.servedBy, { accountId: "222222222222", region: "ap-northeast-1" });
        assert.equal(first.output.failovers, undefined);
        const second = await pool.run(SEED_INPUT, async call => {
            if (call.credentials.RoleArn === ROLE_A)
                throw new TaskFailure("BedrockRuntime.ThrottlingException", "Too many requests");
            return SEED_RESULT;
        });
        assert.deepEqual(second.output.servedBy, { accountId: "333333333333", region: "ap-northeast-1" });
        assert.equal(second.output.failovers, 1);
    });

    it("when every target keeps throttling, the execution fails with BedrockBridge.Throttled and the original error", async () => {
        const run = await sm.run(
            SEED_INPUT,
            throwing("BedrockRuntime.ThrottlingException", "Too many requests, please wait before trying again."),
        );
        assert.equal(run.error, "BedrockBridge.Throttled");
        assert.match(run.cause!, /BedrockRuntime\.ThrottlingException: Too many requests, please wait/);
        assert.match(run.cause!, /bedrock-bridge:bedrockStacks/);
        assert.equal(run.calls.length, 8);
    });

    it("a quota error is not retried but moves on", async () => {
        const run = await sm.run(SEED_INPUT, throwing("BedrockRuntime.ServiceQuotaExceededException"));
        assert.equal(run.error, "BedrockBridge.Throttled");
        assert.deepEqual(
            run.calls.map(c => c.credentials.RoleArn),
            [ROLE_A, ROLE_B],
        );
    });

    it("access denied ends in BedrockBridge.AccessDenied with a hint, without retries", async () => {
        const run = await sm.run(
            SEED_INPUT,
            throwing(
                "BedrockRuntime.AccessDeniedException",
                "You don't have access to the model with the specified model ID.",
            ),
        );
        assert.equal(run.error, "BedrockBridge.AccessDenied");
        assert.match(run.cause!, /You don't have access to the model/);
        assert.match(run.cause!, /bedrock-bridge:models/);
        assert.equal(run.calls.length, 1);
    });

    it("any other error ends in BedrockBridge.BedrockError carrying Bedrock's error and cause", async () => {
        const run = await sm.run(
            SEED_INPUT,
            throwing("BedrockRuntime.ValidationException", "The model returned the following errors: bad"),
        );
        assert.equal(run.error, "BedrockBridge.BedrockError");
        assert.equal(
            run.cause,
            "Bedrock Converse failed: BedrockRuntime.ValidationException: The model returned the following errors: bad",
        );
        assert.equal(run.calls.length, 1);
    });

    it("the cases above evaluated every expression of the definition", () => {
        const all = expressions(definition).map(e => e.text);
        const missed = all.filter(e => !sm.evaluated.has(e));
        assert.deepEqual(missed, []);
    });
});
