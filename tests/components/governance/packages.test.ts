// Tenant callers end to end: the serialized invoker and relay packages in a fresh process against fake STS,
// Bedrock Runtime and AppSync; the state machine of a tenant caller executed by the JSONata interpreter.
// The request Bedrock sees names the tenant's application profile ARN and carries its guardrail.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { ResourceRecord } from "../../../tools/internal/mocks";
import { bedrockError, FakeBedrock, FakeSts, textStream } from "../../../emulation/fakes";
import { FakeAppSync } from "../../../emulation/fakeAppSync";
import { startFakeEndpoints, stopFakeEndpoints } from "../../../emulation/fakeEndpoints";
import { functionEnv, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { json, one } from "../../support/stacks";
import { converseOnTheWire, Interpreter, TaskFailure } from "../../../emulation/stepFunctions";
import { assertProtocol } from "../../support/chatProtocol";
import { BEDROCK, JP, REGION, runGoverned, runTenantCaller } from "../../support/governance";

const CHAT = { allowedOrigins: ["https://chat.example.com"] };
const SUB = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const BLOCKED = "Sorry, this request is not allowed by the organization's content policy.";

describe("governance: tenant callers' packages against local fakes", function () {
    let gov: StackRun;
    let caller: StackRun;
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    let appsync: FakeAppSync;
    const dirs: Record<string, string> = {};
    const fns: Record<string, ResourceRecord> = {};

    before(async () => {
        gov = await runGoverned();
        caller = await runTenantCaller(gov, "support", { "bedrock-bridge:chat": CHAT }, "caller-support-pkg");
        for (const name of ["invoker", "chat-relay"]) {
            fns[name] = one(caller, "aws:lambda/function:Function", name);
            dirs[name] = await unpackFunction(fns[name], `gov-${name}`);
        }
    });
    beforeEach(async () => {
        ({ sts, bedrock, appsync } = await startFakeEndpoints());
    });
    afterEach(() => stopFakeEndpoints({ sts, bedrock, appsync }));
    const env = (name: string) => ({
        ...functionEnv(fns[name]),
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        APPSYNC_HTTP_ENDPOINT: appsync.url,
    });
    const support = () => gov.outputs.tenants.support;
    const converse = (text: string, stopReason = "end_turn") => ({
        json: {
            output: { message: { role: "assistant", content: [{ text }] } },
            stopReason,
            usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 },
            metrics: { latencyMs: 10 },
        },
    });

    it("invoker: calls the tenant's application profile with its guardrail, as the tenant role; servedBy names the tenant", async () => {
        bedrock.handler = () => converse("hello");
        const r = await runLambda(dirs.invoker, [{ events: [{ prompt: "hi", modelId: JP }] }], env("invoker"));
        const [res] = r.steps[0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(sts.calls[0].roleArn, support().roleArn);
        const req = bedrock.requests[0];
        assert.equal(req.modelId, support().profiles[JP]);
        assert.match(req.modelId, /:application-inference-profile\//);
        assert.deepEqual(req.body.guardrailConfig, {
            guardrailIdentifier: support().guardrail.arn,
            guardrailVersion: support().guardrail.version,
        });
        assert.equal(res.value.modelId, JP, "callers keep seeing the model id they asked for");
        assert.deepEqual(res.value.servedBy, { accountId: BEDROCK, region: REGION, tenant: "support" });
        assert.equal(res.value.guardrailIntervened, undefined);
    });

    it("invoker: a guardrail intervention is a clear result, not an error", async () => {
        bedrock.handler = () => converse(BLOCKED, "guardrail_intervened");
        const r = await runLambda(
            dirs.invoker,
            [{ events: [{ prompt: "something the policy blocks" }] }],
            env("invoker"),
        );
        const [res] = r.steps[0];
        assert.ok(res.ok, res.errorMessage);
        assert.equal(res.value.stopReason, "guardrail_intervened");
        assert.equal(res.value.guardrailIntervened, true);
        assert.equal(res.value.text, BLOCKED);
    });

    it("relay: streams from the tenant's profile with the guardrail in sync mode; the tenant is in the log", async () => {
        bedrock.handler = () => ({ stream: textStream(["Hello", " there"]) });
        const r = await runLambda(
            dirs["chat-relay"],
            [{ events: [{ body: { prompt: "hi", sessionid: "s-1" }, sub: SUB, requestId: "req-1" }] }],
            env("chat-relay"),
        );
        assert.ok(r.steps[0][0].ok, r.steps[0][0].errorMessage);
        const req = bedrock.requests[0];
        assert.equal(req.op, "converse-stream");
        assert.equal(req.modelId, support().profiles[JP]);
        assert.deepEqual(req.body.guardrailConfig, {
            guardrailIdentifier: support().guardrail.arn,
            guardrailVersion: support().guardrail.version,
            streamProcessingMode: "sync",
        });
        const events = assertProtocol(appsync.received(`/bedrock-stream-response/${SUB}/s-1`), "req-1", "done");
        assert.equal(events.at(-1).stopReason, "end_turn");
        const finished = r.stdout
            .split("\n")
            .filter(Boolean)
            .map(l => {
                try {
                    return JSON.parse(l);
                } catch {
                    return {};
                }
            })
            .find(l => l.msg === "relay finished");
        assert.equal(finished?.tenant, "support");
    });

    it("relay: a guardrail intervention ends the chat stream with done and the intervention's stop reason", async () => {
        bedrock.handler = () => ({ stream: textStream([BLOCKED], { stopReason: "guardrail_intervened" }) });
        const r = await runLambda(
            dirs["chat-relay"],
            [{ events: [{ body: { prompt: "blocked topic", sessionid: "s-2" }, sub: SUB, requestId: "req-2" }] }],
            env("chat-relay"),
        );
        assert.equal(r.steps[0][0].value.outcome, "done");
        const events = assertProtocol(appsync.received(`/bedrock-stream-response/${SUB}/s-2`), "req-2", "done");
        assert.equal(
            events
                .filter(e => e.type === "delta")
                .map(e => e.message)
                .join(""),
            BLOCKED,
        );
        assert.equal(events.at(-1).type, "done");
        assert.equal(events.at(-1).stopReason, "guardrail_intervened");
    });

    it("quota pool: with tenants in every member, a throttled member hands over to the next one's profile", async () => {
        const g1 = await runGoverned({}, "gov-pool-1");
        const g2 = await runGoverned({ "aws:allowedAccountIds": ["333333333333"] }, "gov-pool-2");
        const pooled = await runTenantCaller([g1, g2], "support", {}, "caller-pool");
        const fn = one(pooled, "aws:lambda/function:Function", "invoker");
        const targets = JSON.parse(fn.inputs.environment.variables.BEDROCK_TARGETS);
        assert.deepEqual(
            targets.map((t: any) => t.accountId),
            ["222222222222", "333333333333"],
        );
        const dir = await unpackFunction(fn, "gov-invoker-pool");
        bedrock.handler = req =>
            req.modelId === targets[0].profiles[JP]
                ? bedrockError("ThrottlingException", "Too many requests")
                : converse("from the second member");
        const r = await runLambda(dir, [{ events: [{ prompt: "hi" }] }], {
            ...functionEnv(fn),
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
        });
        const [res] = r.steps[0];
        assert.ok(res.ok, res.errorMessage);
        assert.deepEqual(
            bedrock.requests.map(q => q.modelId),
            [targets[0].profiles[JP], targets[1].profiles[JP]],
        );
        assert.ok(
            bedrock.requests.every((q, i) => q.body.guardrailConfig.guardrailIdentifier === targets[i].guardrail.arn),
        );
        assert.deepEqual(res.value.servedBy, { accountId: "333333333333", region: REGION, tenant: "support" });
        assert.deepEqual(
            sts.calls.map(c => c.roleArn),
            targets.map((t: any) => t.roleArn),
        );
    }).timeout(60000);
}).timeout(120000);

describe("governance: the tenant caller's state machine", () => {
    it("sends the tenant's application profile ARN and guardrail, reports the plain model id, fails over per member", async () => {
        const g1 = await runGoverned({}, "gov-sfn-1");
        const g2 = await runGoverned({ "aws:allowedAccountIds": ["333333333333"] }, "gov-sfn-2");
        const run = await runTenantCaller([g1, g2], "support", {}, "caller-sfn");
        const definition = json(one(run, "aws:sfn/stateMachine:StateMachine").inputs.definition);
        const [t1, t2] = [g1, g2].map(g => g.outputs.tenants.support);
        const sm = new Interpreter(definition);
        const exec = await sm.run({ message: "hi" }, async call => {
            // The first member stays throttled through its retries, so the chain moves on.
            if (call.credentials.RoleArn === t1.roleArn)
                throw new TaskFailure("BedrockRuntime.ThrottlingException", "throttled");
            return {
                Output: { Message: { Content: [{ Text: BLOCKED }], Role: "assistant" } },
                StopReason: "guardrail_intervened",
                Usage: { InputTokens: 1, OutputTokens: 1, TotalTokens: 2 },
                Metrics: { LatencyMs: 5 },
            };
        });
        assert.equal(exec.status, "SUCCEEDED", exec.cause);
        const calls = exec.calls.filter((c, i, all) => all.findIndex(x => x.state === c.state) === i);
        assert.deepEqual(
            calls.map(c => c.credentials.RoleArn),
            [t1.roleArn, t2.roleArn],
        );
        assert.deepEqual(
            calls.map(c => c.arguments.ModelId),
            [t1.profiles[JP], t2.profiles[JP]],
        );
        assert.deepEqual(
            calls.map(c => c.arguments.GuardrailConfig),
            [t1, t2].map(t => ({ GuardrailIdentifier: t.guardrail.arn, GuardrailVersion: t.guardrail.version })),
        );
        assert.equal(exec.output.modelId, JP);
        assert.equal(
            exec.output.stopReason,
            "guardrail_intervened",
            "an intervention is a normal result with its stop reason",
        );
        assert.deepEqual(exec.output.servedBy, { accountId: "333333333333", region: REGION, tenant: "support" });
        // The real SDK accepts these arguments as Converse input: the guardrail and the profile ARN reach the wire.
        const wire = await converseOnTheWire(calls[0].arguments);
        assert.equal(wire.path, `/model/${t1.profiles[JP]}/converse`);
        assert.deepEqual(wire.body.guardrailConfig, {
            guardrailIdentifier: t1.guardrail.arn,
            guardrailVersion: t1.guardrail.version,
        });
    });
});
