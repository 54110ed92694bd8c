// The gateway under abuse and at its limits, as planned: the stage throttle that bounds requests no usage plan
// meters (missing or unknown keys), the optional WAF rate-based rule, the authorizer's reserved concurrency, and the
// 15-minute timeout of a streamed answer (the function's and the integration's).
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { byType, failureOf, one, runBedrock, runCaller } from "../../support/stacks";
import { stageThrottle } from "../../../components/gateway/workloadGateway";
import type { GatewayConfig } from "../../../config";

const FN = "aws:lambda/function:Function";
const KEYS = [{ name: "orders-service", requestsPerSecond: 5, burst: 8 }, { name: "ci" }];

describe("WorkloadGateway limits", function () {
    this.timeout(120000);
    let bedrock: StackRun;
    let run: StackRun;
    const gatewayRun = (extra: Record<string, unknown> = {}) =>
        runCaller(bedrock, { "bedrock-bridge:gateway": { keys: KEYS, ...extra } });
    const settings = (r: StackRun) =>
        one(r, "aws:apigateway/methodSettings:MethodSettings", "gateway-settings").inputs.settings;

    before(async () => {
        bedrock = await runBedrock();
        run = await gatewayRun();
    });

    describe("stage throttle", () => {
        it("defaults to the sum of the keys' plans (5 + 10 per second, bursts 8 + 20), on every method", () => {
            const m = one(run, "aws:apigateway/methodSettings:MethodSettings", "gateway-settings").inputs;
            assert.equal(m.methodPath, "*/*");
            assert.equal(m.stageName, one(run, "aws:apigateway/stage:Stage", "gateway-stage").inputs.stageName);
            assert.equal(settings(run).throttlingRateLimit, 15);
            assert.equal(settings(run).throttlingBurstLimit, 28);
            assert.equal(settings(run).metricsEnabled, true);
        });

        it("defaults to at most the account's own throttle (10,000 per second, burst 5,000), however many keys", () => {
            const keys = Array.from({ length: 600 }, (_, i) => ({ name: `k${i}`, requestsPerSecond: 20, burst: 20 }));
            assert.deepEqual(stageThrottle({ keys } as unknown as GatewayConfig), {
                rateLimit: 10000,
                burstLimit: 5000,
            });
            const few = [{ name: "a", requestsPerSecond: 2.5, burst: 4 }];
            assert.deepEqual(stageThrottle({ keys: few } as unknown as GatewayConfig), {
                rateLimit: 2.5,
                burstLimit: 4,
            });
        });

        it("takes gateway.throttle when it is at least the sums", async () => {
            const r = await gatewayRun({ throttle: { requestsPerSecond: 100, burst: 200 } });
            assert.equal(settings(r).throttlingRateLimit, 100);
            assert.equal(settings(r).throttlingBurstLimit, 200);
        });

        it("refuses at preview a throttle below the sum of the keys' plans, naming both sums", async () => {
            const msg = await failureOf(gatewayRun({ throttle: { requestsPerSecond: 14, burst: 27 } }));
            assert.match(
                msg,
                /gateway\.throttle\.requestsPerSecond \(14\) is below the sum of the keys' requestsPerSecond \(15\)/,
            );
            assert.match(msg, /gateway\.throttle\.burst \(27\) is below the sum of the keys' burst \(28\)/);
        });
    });

    describe("authorizer reserved concurrency", () => {
        const reserved = (r: StackRun) => one(r, FN, "gateway-authorizer").inputs.reservedConcurrentExecutions;

        it("reserves 10 by default for a small stage throttle, one per 20 requests per second above", async () => {
            assert.equal(reserved(run), 10);
            const big = await gatewayRun({ throttle: { requestsPerSecond: 2000, burst: 3000 } });
            assert.equal(reserved(big), 100);
        });

        it("takes gateway.authorizerConcurrency, or reserves nothing with unreserved", async () => {
            assert.equal(reserved(await gatewayRun({ authorizerConcurrency: 25 })), 25);
            assert.equal(reserved(await gatewayRun({ authorizerConcurrency: "unreserved" })), undefined);
            assert.match(await failureOf(gatewayRun({ authorizerConcurrency: 0 })), /gateway\.authorizerConcurrency/);
        });

        it("leaves the gateway function itself unreserved (its answers are bounded by the usage plans)", () => {
            assert.equal(one(run, FN, "gateway").inputs.reservedConcurrentExecutions, undefined);
        });
    });

    describe("WAF", () => {
        it("is absent unless gateway.waf is set", () => {
            assert.equal(byType(run, "aws:wafv2/webAcl:WebAcl").length, 0);
            assert.equal(byType(run, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 0);
        });

        it("with gateway.waf: a regional web ACL with a per-IP rate-based rule, a 429 both SDKs read, on the stage", async () => {
            const r = await gatewayRun({ waf: { requestsPerIp: 3000, windowSeconds: 120 } });
            const acl = one(r, "aws:wafv2/webAcl:WebAcl");
            assert.equal(acl.inputs.scope, "REGIONAL");
            assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
            assert.equal(acl.inputs.rules.length, 1);
            const rule = acl.inputs.rules[0];
            assert.deepEqual(rule.statement.rateBasedStatement, {
                aggregateKeyType: "IP",
                limit: 3000,
                evaluationWindowSec: 120,
            });
            const custom = rule.action.block.customResponse;
            assert.equal(custom.responseCode, 429);
            assert.deepEqual(custom.responseHeaders, [{ name: "Retry-After", value: "60" }]);
            const body = acl.inputs.customResponseBodies.find(
                (b: { key: string }) => b.key === custom.customResponseBodyKey,
            );
            assert.equal(body.contentType, "APPLICATION_JSON");
            const parsed = JSON.parse(body.content);
            // Anthropic's {type: "error", error: {type, message}} and OpenAI's {error: {message, type, param, code}}.
            assert.equal(parsed.type, "error");
            assert.equal(parsed.error.type, "rate_limit_error");
            assert.equal(parsed.error.code, "rate_limit_exceeded");
            assert.ok("param" in parsed.error);
            assert.match(parsed.error.message, /3000 in 120 s/);
            assert.equal(
                rule.visibilityConfig.sampledRequestsEnabled,
                false,
                "no sampled requests (their headers carry keys)",
            );
            const assoc = one(r, "aws:wafv2/webAclAssociation:WebAclAssociation");
            assert.equal(assoc.inputs.webAclArn, acl.state.arn);
            assert.equal(assoc.inputs.resourceArn, one(r, "aws:apigateway/stage:Stage", "gateway-stage").state.arn);
        });

        it("refuses a window WAF does not offer, and a limit under 10", async () => {
            const msg = await failureOf(gatewayRun({ waf: { requestsPerIp: 5, windowSeconds: 30 } }));
            assert.match(msg, /gateway\.waf\.requestsPerIp/);
            assert.match(msg, /gateway\.waf\.windowSeconds.*60, 120, 300 or 600/);
        });
    });

    describe("timeout of a streamed answer", () => {
        it("defaults to 15 minutes: the function's timeout and the integrations' (what STREAM allows)", () => {
            assert.equal(one(run, FN, "gateway").inputs.timeout, 900);
            const integrations = byType(run, "aws:apigateway/integration:Integration").filter(i =>
                i.name.startsWith("gateway-"),
            );
            assert.equal(integrations.length, 4);
            for (const i of integrations) assert.equal(i.inputs.timeoutMilliseconds, 900000);
        });

        it("follows gateway.timeoutSeconds", async () => {
            const r = await gatewayRun({ timeoutSeconds: 120 });
            assert.equal(one(r, FN, "gateway").inputs.timeout, 120);
            for (const i of byType(r, "aws:apigateway/integration:Integration").filter(x =>
                x.name.startsWith("gateway-"),
            ))
                assert.equal(i.inputs.timeoutMilliseconds, 120000);
        });
    });
});
