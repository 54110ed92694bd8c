// WorkloadGateway under mocks: the REST API with its streamed Lambda proxy integrations, the authorizer as API key
// source, a usage plan per key, the gateway responses both SDKs read, the token table, the IAM of both roles through
// the simulator, the secret outputs, the config errors naming the key, and the authorizer's serialized package run
// against the keys the stack created.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackRun } from "../../../tools/internal/harness";
import { byType, failureOf, json, one, restApiRoutes, runBedrock, runCaller } from "../../support/stacks";
import { decide, sessionOf } from "../../support/iam";
import { functionEnv, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { errorTemplate, GATEWAY_ERRORS } from "../../../components/gateway/gatewayResponses";
import { keySettings } from "../../../components/gateway/workloadGateway";
import { emittedMetrics } from "../../../functions/metrics/metricCatalog";

const CALLER = "111111111111";
const BEDROCK = "222222222222";
const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const APAC = "apac.anthropic.claude-sonnet-4-20250514-v1:0";
const GATEWAY = {
    keys: [
        {
            name: "orders-service",
            models: ["claude-sonnet-4-5"],
            tokensPerMinute: 100000,
            requestsPerSecond: 5,
            burst: 8,
        },
        { name: "ci" },
    ],
    aliases: { "claude-sonnet-4-5": JP },
};
const FN = "aws:lambda/function:Function";

describe("WorkloadGateway", () => {
    let bedrock: StackRun;
    let run: StackRun;
    const r = (type: string, name?: string) => one(run, type, name);

    before(async () => {
        bedrock = await runBedrock();
        run = await runCaller(bedrock, { "bedrock-bridge:gateway": GATEWAY });
    });

    it("is absent unless bedrock-bridge:gateway is set, and absent with enabled: false", async () => {
        // The example caller stack sets one: removed, then switched off.
        for (const overrides of [
            { "bedrock-bridge:gateway": undefined },
            { "bedrock-bridge:gateway": { enabled: false } },
        ]) {
            const plain = await runCaller(bedrock, overrides);
            assert.equal(byType(plain, "aws:dynamodb/table:Table").length, 0);
            assert.equal(byType(plain, "aws:apigateway/apiKey:ApiKey").length, 0);
            assert.equal(plain.outputs.gatewayUrl, undefined);
        }
    });

    it("creates a regional REST API whose API keys come from the authorizer", () => {
        const api = r("aws:apigateway/restApi:RestApi", "gateway-api").inputs;
        assert.deepEqual(api.endpointConfiguration, { types: "REGIONAL" });
        assert.equal(api.apiKeySource, "AUTHORIZER");
    });

    it("serves the OpenAI and Anthropic routes (count_tokens too) through the authorizer, API key required", () => {
        const authorizer = r("aws:apigateway/authorizer:Authorizer", "gateway-authorizer");
        assert.deepEqual(restApiRoutes(run, r("aws:apigateway/restApi:RestApi", "gateway-api")).sort(), [
            "GET /v1/models",
            "POST /v1/chat/completions",
            "POST /v1/messages",
            "POST /v1/messages/count_tokens",
        ]);
        const methods = byType(run, "aws:apigateway/method:Method").filter(m => m.name.startsWith("gateway-"));
        for (const m of methods) {
            assert.equal(m.inputs.authorization, "CUSTOM");
            assert.equal(m.inputs.authorizerId, authorizer.id);
            assert.equal(m.inputs.apiKeyRequired, true, m.name);
        }
    });

    it("streams: each integration is a Lambda proxy with responseTransferMode STREAM on the function's response-streaming invoke ARN", () => {
        const fn = r(FN, "gateway");
        assert.match(
            fn.state.responseStreamingInvokeArn,
            /\/2021-11-15\/functions\/.+\/response-streaming-invocations$/,
        );
        const integrations = byType(run, "aws:apigateway/integration:Integration").filter(i =>
            i.name.startsWith("gateway-"),
        );
        assert.equal(integrations.length, 4);
        for (const i of integrations) {
            assert.equal(i.inputs.type, "AWS_PROXY");
            assert.equal(i.inputs.integrationHttpMethod, "POST");
            assert.equal(i.inputs.responseTransferMode, "STREAM");
            assert.equal(i.inputs.uri, fn.state.responseStreamingInvokeArn);
            // 15 minutes: what a streamed integration may last (gatewayLimits.test.ts checks the config key).
            assert.equal(i.inputs.timeoutMilliseconds, 900000, "the function's timeout");
        }
        assert.equal(fn.inputs.timeout, 900);
    });

    it("calls the REQUEST authorizer on every request, uncached, whichever of the two headers the client sends", () => {
        const a = r("aws:apigateway/authorizer:Authorizer", "gateway-authorizer").inputs;
        assert.equal(a.type, "REQUEST");
        assert.equal(a.authorizerResultTtlInSeconds, 0);
        assert.equal(a.authorizerUri, r(FN, "gateway-authorizer").state.invokeArn);
        // Not a header: API Gateway would answer 401 itself when that header is missing.
        assert.match(a.identitySource, /^stageVariables\.\w+$/);
        const variable = a.identitySource.split(".")[1];
        const stage = r("aws:apigateway/stage:Stage", "gateway-stage").inputs;
        assert.ok(stage.variables[variable], "the stage sets the identity source's variable");
    });

    it("creates one API key per configured key, in a usage plan of its own on the stage, with its throttle", () => {
        const stage = r("aws:apigateway/stage:Stage", "gateway-stage");
        const api = r("aws:apigateway/restApi:RestApi", "gateway-api");
        const keys = byType(run, "aws:apigateway/apiKey:ApiKey");
        assert.deepEqual(keys.map(k => k.name).sort(), ["gateway-key-ci", "gateway-key-orders-service"]);
        for (const k of keys) assert.equal(k.inputs.value, undefined, "the value is AWS's to generate");
        const plan = (key: string) => r("aws:apigateway/usagePlan:UsagePlan", `gateway-plan-${key}`).inputs;
        assert.deepEqual(plan("orders-service").throttleSettings, { rateLimit: 5, burstLimit: 8 });
        assert.deepEqual(plan("ci").throttleSettings, { rateLimit: 10, burstLimit: 20 }, "the defaults");
        for (const key of ["orders-service", "ci"]) {
            assert.deepEqual(plan(key).apiStages, [{ apiId: api.id, stage: stage.inputs.stageName }]);
            const link = r("aws:apigateway/usagePlanKey:UsagePlanKey", `gateway-plan-key-${key}`).inputs;
            assert.equal(link.keyId, r("aws:apigateway/apiKey:ApiKey", `gateway-key-${key}`).id);
            assert.equal(link.usagePlanId, r("aws:apigateway/usagePlan:UsagePlan", `gateway-plan-${key}`).id);
            assert.equal(link.keyType, "API_KEY");
        }
    });

    it("exports the base URL ending in /v1 and the key values only as a Pulumi secret", () => {
        const stage = r("aws:apigateway/stage:Stage", "gateway-stage");
        assert.equal(run.outputs.gatewayUrl, `${stage.state.invokeUrl}/v1`);
        assert.match(run.outputs.gatewayUrl, /^https:\/\/\w+\.execute-api\.ap-northeast-1\.amazonaws\.com\/prod\/v1$/);
        assert.ok(run.secretOutputs?.includes("gatewayKeys"), "gatewayKeys is secret");
        const value = (key: string) => r("aws:apigateway/apiKey:ApiKey", `gateway-key-${key}`).state.value;
        assert.deepEqual(run.outputs.gatewayKeys, { "orders-service": value("orders-service"), ci: value("ci") });
        const plain = Object.entries(run.outputs).filter(([k]) => !run.secretOutputs?.includes(k));
        assert.ok(!JSON.stringify(plain).includes(value("ci")), "no key value among the plain outputs");
    });

    it("packages the keys' SHA-256 and names with the authorizer, never a key value, and none in its environment", async () => {
        const fn = r(FN, "gateway-authorizer");
        const value = (key: string) => r("aws:apigateway/apiKey:ApiKey", `gateway-key-${key}`).state.value;
        const sha = (v: string) => crypto.createHash("sha256").update(v).digest("hex");
        const table = JSON.stringify({ [sha(value("orders-service"))]: "orders-service", [sha(value("ci"))]: "ci" });
        const dir = await unpackFunction(fn, "gateway-authorizer");
        try {
            const code = fs.readFileSync(path.join(dir, "__index.js"), "utf8");
            assert.ok(code.includes(JSON.stringify(table)), "the key table is a literal of the package");
            assert.ok(!code.includes(value("ci")), "no key value in the package");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual(functionEnv(fn), {}, "nothing of the keys in the environment");
        // Hashes of 40 random characters reveal no key: the package is not made a Pulumi secret for them.
        assert.ok(!fn.secretInputs.includes("code"), JSON.stringify(fn.secretInputs));
    });

    it("gives the gateway function its table, keys (aliases resolved), aliases and the allowed models", () => {
        const table = r("aws:dynamodb/table:Table");
        assert.equal(table.inputs.billingMode, "PAY_PER_REQUEST");
        assert.equal(table.inputs.hashKey, "pk");
        assert.deepEqual(table.inputs.attributes, [{ name: "pk", type: "S" }]);
        assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
        // Named for the stack: the deploy role is granted exactly this table (tests/tools/deployPolicyScope.test.ts).
        assert.match(table.inputs.name, /^bedrock-bridge-.+-gateway-limits$/);
        const env = functionEnv(r(FN, "gateway"));
        assert.equal(env.GATEWAY_TABLE, table.state.name);
        // The key table is in the package (below: the serialized package reads it), not in the environment.
        assert.equal(env.GATEWAY_KEYS, undefined);
        assert.deepEqual(keySettings(GATEWAY as never), {
            "orders-service": { models: [JP], tokensPerMinute: 100000 },
            ci: {},
        });
        assert.deepEqual(json(env.GATEWAY_ALIASES), GATEWAY.aliases);
        assert.deepEqual(json(env.GATEWAY_MODELS).sort(), [APAC, JP]);
        assert.equal(env.MAX_TOKENS, "4096");
        assert.ok(env.BEDROCK_TARGETS, "a CallerFunction: the Bedrock targets");
    });

    it("lets API Gateway invoke each function only from this API: the routes, and the authorizer by its id", () => {
        const api = r("aws:apigateway/restApi:RestApi", "gateway-api").state;
        const perms = byType(run, "aws:lambda/permission:Permission").filter(p => p.name.startsWith("gateway-"));
        const fn = r(FN, "gateway").state.name;
        const auth = r(FN, "gateway-authorizer").state.name;
        assert.deepEqual(
            perms
                .filter(p => p.inputs.function === fn)
                .map(p => p.inputs.sourceArn)
                .sort(),
            [
                `${api.executionArn}/*/GET/v1/models`,
                `${api.executionArn}/*/POST/v1/chat/completions`,
                `${api.executionArn}/*/POST/v1/messages`,
                `${api.executionArn}/*/POST/v1/messages/count_tokens`,
            ],
        );
        const authPerm = perms.find(p => p.inputs.function === auth)!;
        assert.equal(
            authPerm.inputs.sourceArn,
            `${api.executionArn}/authorizers/${r("aws:apigateway/authorizer:Authorizer", "gateway-authorizer").id}`,
        );
        for (const p of perms) {
            assert.equal(p.inputs.principal, "apigateway.amazonaws.com");
            assert.equal(p.inputs.action, "lambda:InvokeFunction");
            assert.equal(p.inputs.sourceAccount, CALLER);
        }
    });

    it("answers API Gateway's own errors in a body both SDKs read, 429 with Retry-After, 404 for unknown paths", () => {
        const responses = byType(run, "aws:apigateway/response:Response").filter(x => x.name.startsWith("gateway-"));
        const byType_ = Object.fromEntries(responses.map(x => [x.inputs.responseType, x.inputs]));
        for (const t of ["UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "QUOTA_EXCEEDED", "DEFAULT_4XX", "DEFAULT_5XX"])
            assert.ok(byType_[t], t);
        const expected: Record<string, [string, string]> = {
            UNAUTHORIZED: ["401", "authentication_error"],
            // How the authorizer refuses a body over 6 MB (functions/gateway/authorizer.ts, MAX_BODY_BYTES).
            INVALID_API_KEY: ["413", "request_too_large"],
            ACCESS_DENIED: ["401", "authentication_error"],
            THROTTLED: ["429", "rate_limit_error"],
            MISSING_AUTHENTICATION_TOKEN: ["404", "not_found_error"],
        };
        for (const [t, [status, type]] of Object.entries(expected)) {
            assert.equal(byType_[t].statusCode, status, t);
            // As API Gateway renders it: the $context variables replaced.
            const body = JSON.parse(
                byType_[t].responseTemplates["application/json"]
                    .replace("$context.requestId", "r-1")
                    .replace("$context.error.messageString", '"x"'),
            );
            assert.equal(body.type, "error", `${t}: Anthropic's envelope`);
            assert.equal(body.error.type, type, t);
            assert.ok(body.error.message.length > 10, `${t}: a message OpenAI's SDK shows`);
            assert.ok(body.error.code, `${t}: OpenAI's error.code`);
        }
        assert.equal(byType_.UNAUTHORIZED.responseTemplates["application/json"].includes("invalid_api_key"), true);
        assert.deepEqual(byType_.THROTTLED.responseParameters, { "gatewayresponse.header.Retry-After": "'1'" });
        // A key that does not work: the SDKs (and Claude Code) are told not to retry.
        for (const t of ["UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED"])
            assert.deepEqual(byType_[t].responseParameters, { "gatewayresponse.header.x-should-retry": "'false'" }, t);
        // API Gateway's own message where it has one, as a JSON string.
        const d4 = JSON.parse(
            errorTemplate(GATEWAY_ERRORS.find(e => e.responseType === "DEFAULT_4XX")!)
                .replace("$context.requestId", "r")
                .replace("$context.error.messageString", '"Invalid request body"'),
        );
        assert.deepEqual(d4.error, {
            type: "invalid_request_error",
            message: "Invalid request body",
            code: "invalid_request_error",
            // OpenAI's error shape has it; API Gateway's answers name no parameter.
            param: null,
        });
    });

    it("redeploys the stage when the routes, the responses, the authorizer or the function change", () => {
        const d = r("aws:apigateway/deployment:Deployment", "gateway-deployment").inputs;
        assert.equal(d.triggers.function, r(FN, "gateway").state.responseStreamingInvokeArn);
        assert.equal(d.triggers.authorizer, r("aws:apigateway/authorizer:Authorizer", "gateway-authorizer").id);
        assert.match(d.triggers.configuration, /^[0-9a-f]{64}$/);
        assert.equal(d.triggers.integrations.split(",").length, 4);
        assert.equal(
            r("aws:apigateway/stage:Stage", "gateway-stage").inputs.deployment,
            r("aws:apigateway/deployment:Deployment", "gateway-deployment").id,
        );
    });

    it("puts the gateway and its authorizer on the caller dashboard (per key) and under the function alarms", () => {
        const body = json(r("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        const text = JSON.stringify(body);
        for (const m of ["KeyRequests", "KeyInputTokens", "KeyOutputTokens", "KeyRefusals"])
            assert.ok(text.includes(m), m);
        // Every SEARCH names a dimension set the gateway really emits the metric with.
        const searches = [...text.matchAll(/SEARCH\('\{BedrockBridge,([\w,]+)\} MetricName=\\"(\w+)\\"/g)];
        const keyed = searches.filter(([, , name]) => name.startsWith("Key"));
        assert.equal(keyed.length, 4);
        for (const [, dims, name] of keyed) {
            const ok = emittedMetrics().some(
                e => e.name === name && e.dimensions.slice().sort().join() === dims.split(",").sort().join(),
            );
            assert.ok(ok, `${name} by ${dims}`);
        }
        const alarms = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map(a => a.name);
        assert.ok(alarms.includes("monitoring-gateway-all-throttled"), alarms.join(", "));
        assert.ok(alarms.includes("monitoring-gateway-error-rate"));
        // Every request goes through the authorizer first: its Lambda lines and error rate, none of our metrics.
        assert.ok(alarms.includes("monitoring-gateway-authorizer-error-rate"));
        assert.ok(!alarms.includes("monitoring-gateway-authorizer-all-throttled"));
        const authorizer = r(FN, "gateway-authorizer").state.name;
        const graphed = body.widgets.flatMap((w: any) =>
            w.properties.metrics
                .filter((l: unknown[]) => l[0] === "AWS/Lambda" && l[3] === authorizer)
                .map((l: unknown[]) => l[1]),
        );
        assert.deepEqual(graphed.sort(), ["Duration", "Errors", "Invocations", "Throttles"]);
    });

    describe("IAM (simulator)", () => {
        const roleOf = (name: string) => r("aws:iam/role:Role", name);
        const policiesOf = (role: { id: string }) =>
            byType(run, "aws:iam/rolePolicy:RolePolicy")
                .filter(p => p.inputs.role === role.id)
                .map(p => json(p.inputs.policy));
        // The Bedrock role's trust policy is the resource policy of a cross-account AssumeRole.
        const bedrockTrust = () => json(one(bedrock, "aws:iam/role:Role").inputs.assumeRolePolicy);
        const can = (roleName: string, action: string, resource: string, account = CALLER) => {
            const role = roleOf(roleName);
            return decide({
                principal: sessionOf(role.state.arn),
                principalArn: role.state.arn,
                action,
                resource,
                resourceAccount: account,
                identityPolicies: policiesOf(role),
                ...(account === BEDROCK ? { resourcePolicy: bedrockTrust() } : {}),
            });
        };
        const tableArn = () => r("aws:dynamodb/table:Table").state.arn;
        const other = `arn:aws:dynamodb:ap-northeast-1:${CALLER}:table/someone-elses`;

        it("the gateway function's role updates its own table only, and assumes the Bedrock role", async () => {
            assert.equal(await can("gateway-role", "dynamodb:UpdateItem", tableArn()), "Allowed");
            for (const action of ["dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:PutItem"])
                assert.equal(await can("gateway-role", action, tableArn()), "ImplicitlyDenied", action);
            assert.equal(await can("gateway-role", "dynamodb:UpdateItem", other), "ImplicitlyDenied");
            assert.equal(await can("gateway-role", "sts:AssumeRole", bedrock.outputs.roleArn, BEDROCK), "Allowed");
            assert.ok(roleOf("gateway-role").inputs.path === "/bedrock-bridge/", "under the trusted path");
        });

        it("the authorizer's role writes its log and nothing else, off the trusted path", async () => {
            const role = roleOf("gateway-authorizer");
            assert.equal(role.inputs.path, undefined);
            const log = r("aws:cloudwatch/logGroup:LogGroup", "gateway-authorizer-logs").state.arn;
            assert.equal(await can("gateway-authorizer", "logs:PutLogEvents", `${log}:log-stream:x`), "Allowed");
            assert.equal(
                await can("gateway-authorizer", "sts:AssumeRole", bedrock.outputs.roleArn, BEDROCK),
                "ImplicitlyDenied",
            );
            assert.equal(await can("gateway-authorizer", "dynamodb:UpdateItem", tableArn()), "ImplicitlyDenied");
            assert.equal(json(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "lambda.amazonaws.com");
        });
    });

    describe("configuration errors name the key", () => {
        const fails = (gateway: Record<string, unknown>) =>
            failureOf(runCaller(bedrock, { "bedrock-bridge:gateway": gateway }));

        it("a key name API Gateway, metrics or Pulumi would not take", async () => {
            const msg = await fails({ keys: [{ name: "orders service!" }] });
            assert.match(msg, /bedrock-bridge:gateway\.keys.*orders service!|bedrock-bridge:gateway\.keys\[0\]\.name/);
            assert.match(msg, /letters, digits, _ and -/);
        });

        it("two keys of one name, or no key at all", async () => {
            assert.match(
                await fails({ keys: [{ name: "ci" }, { name: "CI" }] }),
                /bedrock-bridge:gateway\.keys names "CI" more than once/,
            );
            assert.match(await fails({}), /bedrock-bridge:gateway\.keys is required/);
        });

        it("limits out of range", async () => {
            const msg = await fails({
                keys: [{ name: "ci", requestsPerSecond: 0, burst: 10001, tokensPerMinute: 0.5 }],
            });
            assert.match(msg, /"ci"\.requestsPerSecond/);
            assert.match(msg, /"ci"\.burst/);
            assert.match(msg, /"ci"\.tokensPerMinute/);
        });

        it("a key's model the Bedrock stack does not allow, naming the key", async () => {
            const msg = await fails({
                keys: [{ name: "orders-service", models: ["anthropic.claude-3-haiku-20240307-v1:0"] }],
            });
            assert.match(msg, /bedrock-bridge:gateway\.keys "orders-service"\.models names "anthropic\.claude-3-haiku/);
            assert.match(msg, new RegExp(`allowed: .*${JP.replace(/[.]/g, "\\.")}`));
        });

        it("an alias that shadows a real id, or points at a model not allowed", async () => {
            const shadow = await fails({ keys: [{ name: "ci" }], aliases: { [APAC]: JP } });
            assert.match(shadow, /gateway\.aliases ".*apac.*" is itself a model id/);
            const missing = await fails({
                keys: [{ name: "ci" }],
                aliases: { fast: "anthropic.claude-3-haiku-20240307-v1:0" },
            });
            assert.match(
                missing,
                /gateway\.aliases "fast" points to "anthropic\.claude-3-haiku-20240307-v1:0", which .* do not allow/,
            );
        });
    });

    it("the gateway's serialized package loads with the environment the stack gives it (cold start)", async function () {
        this.timeout(120000);
        const fn = r(FN, "gateway");
        const dir = await unpackFunction(fn, "gateway");
        // No invocation: loading the module runs the factory, which reads and checks every GATEWAY_* variable.
        const { steps, stderr } = await runLambda(dir, [], functionEnv(fn));
        assert.deepEqual(steps, []);
        assert.ok(!/Error/.test(stderr), stderr);
    });

    it("the authorizer's serialized package admits the stack's keys by either header and refuses others", async function () {
        this.timeout(120000);
        const fn = r(FN, "gateway-authorizer");
        const dir = await unpackFunction(fn, "gateway-authorizer");
        const key = r("aws:apigateway/apiKey:ApiKey", "gateway-key-orders-service").state.value;
        const methodArn = `arn:aws:execute-api:ap-northeast-1:${CALLER}:abc123/prod/POST/v1/messages`;
        const event = (headers: Record<string, string>) => ({ type: "REQUEST", methodArn, headers });
        const { steps } = await runLambda(
            dir,
            [
                {
                    events: [
                        event({ Authorization: `Bearer ${key}` }),
                        event({ "x-api-key": key }),
                        event({ Authorization: "Bearer not-a-key-of-this-stack-000000000000" }),
                        event({}),
                    ],
                },
            ],
            functionEnv(fn),
        );
        const [bearer, xApiKey, wrong, none] = steps[0];
        for (const ok of [bearer, xApiKey]) {
            assert.ok(ok.ok, JSON.stringify(ok));
            assert.equal(ok.value.principalId, "orders-service");
            assert.equal(ok.value.context.keyName, "orders-service");
            assert.equal(ok.value.usageIdentifierKey, key);
            assert.equal(ok.value.policyDocument.Statement[0].Effect, "Allow");
        }
        // Refused with a Deny policy (API Gateway's ACCESS_DENIED, set to 401), not with an error: a function error
        // would count on the authorizer's error alarm. Nothing but the Deny: no key name, no usage identifier.
        for (const bad of [wrong, none]) {
            assert.ok(bad.ok, JSON.stringify(bad));
            assert.deepEqual(Object.keys(bad.value).sort(), ["policyDocument", "principalId"]);
            assert.equal(bad.value.policyDocument.Statement[0].Effect, "Deny");
        }
        const denied = GATEWAY_ERRORS.find(e => e.responseType === "ACCESS_DENIED")!;
        assert.deepEqual([denied.statusCode, denied.type], ["401", "authentication_error"]);
    });
});
