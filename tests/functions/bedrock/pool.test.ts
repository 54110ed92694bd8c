// Quota pooling with the serialized invoker package: several Bedrock stacks (accounts) behind one caller, each
// limited to a requests-per-minute quota by the fake Bedrock, keyed by the account whose credentials signed.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { ResourceRecord } from "../../../tools/internal/mocks";
import { bedrockError, converseAnswer, FakeBedrock, FakeSts } from "../../../emulation/fakes";
import { decide, sessionOf } from "../../support/iam";
import { functionEnv, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { byType, json, one, runBedrock, runCaller } from "../../support/stacks";

const MEMBERS = ["222222222222", "333333333333", "444444444444"];

/** Account of the assumed-role key that signed (the fake STS embeds it in the access key id). */
const accountOf = (keyId?: string) => /^ASIAFAKE(\d{12})/.exec(keyId ?? "")?.[1] ?? "?";

describe("quota pool: invoker across several Bedrock accounts", () => {
    let bedrocks: Record<string, StackRun>;
    let caller: StackRun;
    let fn: ResourceRecord;
    let dir: string;
    let sts: FakeSts;
    let bedrock: FakeBedrock;
    let quota: Record<string, number>;
    let served: Record<string, number>;

    before(async () => {
        bedrocks = {};
        for (const [i, acct] of MEMBERS.entries()) {
            bedrocks[`bedrock-${i}`] = await runBedrock({ "aws:allowedAccountIds": [acct] }, `bedrock-${i}`);
        }
        caller = await runCaller(bedrocks, { "bedrock-bridge:bedrockStacks": Object.keys(bedrocks) });
        fn = one(caller, "aws:lambda/function:Function", "invoker");
        dir = await unpackFunction(fn, "invoker-pool");
    });
    beforeEach(async () => {
        sts = await new FakeSts().start();
        bedrock = await new FakeBedrock().start();
        quota = {};
        served = {};
        bedrock.handler = req => {
            const acct = accountOf(req.signedBy.accessKeyId);
            served[acct] = (served[acct] ?? 0) + 1;
            if (served[acct] > (quota[acct] ?? Infinity))
                return bedrockError("ThrottlingException", "Too many requests, please wait before trying again.");
            return converseAnswer(`from ${acct}`);
        };
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

    it("passes every member, in priority order, to the function", () => {
        const targets = JSON.parse(fn.inputs.environment.variables.BEDROCK_TARGETS);
        assert.deepEqual(
            targets.map((t: any) => t.accountId),
            MEMBERS,
        );
    });

    it("fails over on throttling, stays on the new member, and says who served", async () => {
        quota[MEMBERS[0]] = 2;
        const events = Array.from({ length: 5 }, (_, i) => ({ prompt: `q${i}` }));
        const r = await runLambda(dir, [{ events }], env());
        const results = r.steps[0];
        assert.ok(
            results.every(x => x.ok),
            JSON.stringify(results.filter(x => !x.ok)),
        );
        assert.deepEqual(
            results.map(x => x.value.servedBy.accountId),
            [MEMBERS[0], MEMBERS[0], MEMBERS[1], MEMBERS[1], MEMBERS[1]],
        );
        assert.deepEqual(
            results[2].value.failovers.map((f: any) => [f.accountId, f.error]),
            [[MEMBERS[0], "ThrottlingException"]],
        );
        assert.equal(results[3].value.failovers, undefined, "sticky: no new attempt on the throttled member");
        const firstMemberCalls = bedrock.requests.filter(q => accountOf(q.signedBy.accessKeyId) === MEMBERS[0]).length;
        assert.ok(firstMemberCalls <= 4, `the throttled member was not hammered (${firstMemberCalls} calls)`);
        assert.match(r.stdout + r.stderr, /bedrock-failover.*222222222222/, "the throttle is reported");
        // One AssumeRole per member used, not per request.
        assert.deepEqual(
            sts.calls.map(c => /iam::(\d{12})/.exec(c.roleArn)![1]),
            [MEMBERS[0], MEMBERS[1]],
        );
    });

    it("stays on the member it moved to after the cooldown ends (prompt caching works per account)", async () => {
        quota[MEMBERS[0]] = 1;
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "a" }, { prompt: "b" }] }, { sleepMs: 1200, events: [{ prompt: "c" }] }],
            env({ BEDROCK_COOLDOWN_SECONDS: "1" }),
        );
        assert.deepEqual(
            r.steps.flat().map(x => x.value.servedBy.accountId),
            [MEMBERS[0], MEMBERS[1], MEMBERS[1]],
        );
    });

    it("answers a clear all-throttled error with a retry time once every member is cooling, without calling Bedrock", async () => {
        for (const m of MEMBERS) quota[m] = 1;
        const r = await runLambda(
            dir,
            [{ events: [{ prompt: "1" }, { prompt: "2" }, { prompt: "3" }, { prompt: "4" }, { prompt: "5" }] }],
            env(),
        );
        const results = r.steps[0];
        assert.deepEqual(
            results.slice(0, 3).map(x => x.value?.servedBy.accountId),
            MEMBERS,
        );
        assert.equal(results[3].errorType, "AllThrottled");
        assert.match(
            String(results[3].errorMessage),
            /All Bedrock accounts for jp\.anthropic\.claude-sonnet-4-5-20250929-v1:0 are throttled; retry after \d+ s/,
        );
        const before = bedrock.requests.length;
        assert.equal(results[4].errorType, "AllThrottled");
        assert.equal(bedrock.requests.length, before, "no request while every member cools down");
    });

    it("skips a member whose AssumeRole is denied, cools it down, and logs its role once", async () => {
        const deniedRole = JSON.parse(fn.inputs.environment.variables.BEDROCK_TARGETS)[0].roleArn;
        sts.deny.add(deniedRole);
        const r = await runLambda(dir, [{ events: [{ prompt: "a" }, { prompt: "b" }, { prompt: "c" }] }], env());
        const results = r.steps[0];
        assert.ok(
            results.every(x => x.ok),
            JSON.stringify(results.filter(x => !x.ok)),
        );
        assert.deepEqual(
            results.map(x => x.value.servedBy.accountId),
            [MEMBERS[1], MEMBERS[1], MEMBERS[1]],
        );
        assert.deepEqual(
            results[0].value.failovers.map((f: any) => [f.accountId, f.error]),
            [[MEMBERS[0], "AssumeRoleDenied"]],
        );
        assert.equal(results[1].value.failovers, undefined);
        // Not re-assumed on every request: one refused AssumeRole while it cools down.
        assert.equal(sts.calls.filter(c => c.roleArn === deniedRole).length, 1);
        const logged = (r.stdout + r.stderr).split("\n").filter(l => l.includes("bedrock-assume-role-denied"));
        assert.equal(logged.length, 1);
        assert.ok(logged[0].includes(deniedRole), "the log names the role to fix");
    });

    it("keeps AssumeRoleDenied, not AllThrottled, when no member's role can be assumed", async () => {
        for (const t of JSON.parse(fn.inputs.environment.variables.BEDROCK_TARGETS)) sts.deny.add(t.roleArn);
        const r = await runLambda(dir, [{ events: [{ prompt: "a" }, { prompt: "b" }] }], env());
        assert.deepEqual(
            r.steps[0].map(x => x.errorType),
            ["AssumeRoleDenied", "AssumeRoleDenied"],
        );
        assert.match(
            String(r.steps[0][0].errorMessage),
            /may not assume the role of any Bedrock account.*callerRolePath/,
        );
        assert.equal(sts.calls.length, MEMBERS.length, "each refusing role was asked once");
        assert.equal(bedrock.requests.length, 0);
    });

    it("does not fail over on errors that another account would not fix", async () => {
        bedrock.handler = () => bedrockError("ValidationException", "messages: first turn must be user");
        const r = await runLambda(dir, [{ events: [{ prompt: "x" }] }], env());
        assert.equal(r.steps[0][0].errorType, "ValidationError");
        assert.deepEqual(new Set(bedrock.requests.map(q => accountOf(q.signedBy.accessKeyId))), new Set([MEMBERS[0]]));
    });

    it("keeps stickiness and cooldown per model: a model only member 1 allows does not move the other model back", async () => {
        const A = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
        const B = "apac.anthropic.claude-sonnet-4-20250514-v1:0";
        const m1 = await runBedrock(
            { "aws:allowedAccountIds": [MEMBERS[0]], "bedrock-bridge:models": [A, B] },
            "two-models-1",
        );
        const m2 = await runBedrock(
            { "aws:allowedAccountIds": [MEMBERS[1]], "bedrock-bridge:models": [A] },
            "two-models-2",
        );
        const c = await runCaller(
            { "two-models-1": m1, "two-models-2": m2 },
            { "bedrock-bridge:bedrockStacks": ["two-models-1", "two-models-2"] },
        );
        const f = one(c, "aws:lambda/function:Function", "invoker");
        const d = await unpackFunction(f, "invoker-two-models");
        // Member 1's quota for A runs out after one answer; B has room there.
        const used: Record<string, number> = {};
        bedrock.handler = req => {
            const key = `${accountOf(req.signedBy.accessKeyId)} ${req.modelId}`;
            used[key] = (used[key] ?? 0) + 1;
            return key === `${MEMBERS[0]} ${A}` && used[key] > 1
                ? bedrockError("ThrottlingException", "Too many tokens, please wait before trying again.")
                : converseAnswer(`from ${key}`);
        };
        const r = await runLambda(
            d,
            [
                {
                    events: [
                        { prompt: "1", modelId: A },
                        { prompt: "2", modelId: A },
                        { prompt: "3", modelId: B },
                    ],
                },
                {
                    sleepMs: 1200,
                    events: [
                        { prompt: "4", modelId: A },
                        { prompt: "5", modelId: B },
                    ],
                },
            ],
            {
                ...functionEnv(f),
                AWS_ENDPOINT_URL_STS: sts.url,
                AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
                BEDROCK_COOLDOWN_SECONDS: "1",
            },
        );
        const results = r.steps.flat();
        assert.ok(
            results.every(x => x.ok),
            JSON.stringify(results.filter(x => !x.ok)),
        );
        assert.deepEqual(
            results.map(x => x.value.servedBy.accountId),
            [MEMBERS[0], MEMBERS[1], MEMBERS[0], MEMBERS[1], MEMBERS[0]],
        );
        assert.deepEqual(
            results[1].value.failovers.map((x: any) => x.error),
            ["ThrottlingException"],
        );
        // B is served by member 1 while A cools down there; and after the cooldown, A stays on member 2.
        assert.equal(results[2].value.failovers, undefined, "A's throttle did not take member 1 out for B");
        assert.equal(
            results[3].value.failovers,
            undefined,
            "B's answer from member 1 did not move A's stickiness back",
        );
        assert.equal(used[`${MEMBERS[0]} ${A}`], 2, "member 1 was asked for A only until it throttled");
    });

    it("lets exactly the caller roles that call Bedrock assume every member's role (IAM simulation)", async () => {
        const roles = byType(caller, "aws:iam/role:Role");
        const policies = byType(caller, "aws:iam/rolePolicy:RolePolicy");
        const callersThatAssume = new Set<string>();
        for (const b of Object.values(bedrocks)) {
            const role = one(b, "aws:iam/role:Role");
            const trust = json(role.inputs.assumeRolePolicy);
            for (const callerRole of roles) {
                const identity = policies.filter(p => p.inputs.role === callerRole.id).map(p => json(p.inputs.policy));
                const decision = await decide({
                    principal: sessionOf(callerRole.state.arn),
                    principalArn: callerRole.state.arn,
                    action: "sts:AssumeRole",
                    resource: role.state.arn,
                    resourceAccount: b.outputs.accountId,
                    identityPolicies: identity,
                    resourcePolicy: trust,
                });
                // Roles that call Bedrock (invoker, chat relay, state machine) may; the others (e.g. AppSync's logging role) may not.
                const needs = identity.some(d => d.Statement.some((st: any) => st.Action === "sts:AssumeRole"));
                assert.equal(
                    decision,
                    needs ? "Allowed" : "ImplicitlyDenied",
                    `${callerRole.name} -> ${role.state.arn}`,
                );
                if (needs) callersThatAssume.add(callerRole.name);
            }
        }
        assert.ok(
            ["invoker-role", "chat-relay-role", "sfn-invoker-role"].every(n => callersThatAssume.has(n)),
            [...callersThatAssume].join(", "),
        );
        // The invoker's policy names exactly the members' roles.
        const invokerRole = roles.find(r => r.name.startsWith("invoker"))!;
        const doc = json(policies.find(p => p.inputs.role === invokerRole.id)!.inputs.policy);
        const assume = doc.Statement.find((s: any) => s.Action === "sts:AssumeRole");
        assert.deepEqual(
            assume.Resource,
            Object.values(bedrocks).map(b => b.outputs.roleArn),
        );
    });

    it("fails preview when the default model is allowed by no member, naming the allowed ones", async () => {
        const b0 = await runBedrock(
            {
                "aws:allowedAccountIds": [MEMBERS[0]],
                "bedrock-bridge:models": ["apac.anthropic.claude-sonnet-4-20250514-v1:0"],
            },
            "only-apac",
        );
        await assert.rejects(
            runCaller({ "only-apac": b0 }, { "bedrock-bridge:bedrockStacks": ["only-apac"] }),
            /defaultModelId "jp\.anthropic\.claude-sonnet-4-5-20250929-v1:0" is not allowed by the referenced Bedrock stack\(s\) only-apac; allowed: apac\.anthropic/,
        );
    });
});
