// StreamingChatBackend under mocks: every resource of seed 003 as this program declares it, the IAM of each role
// through the simulator, the request schema through a JSON-schema validator, and the config errors.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { byType, failureOf, json, one, runBedrock, runCaller as runExampleCaller } from "../../support/stacks";

// The chat API alone: the example stack's gateway (a second REST API, components/gateway/) is left out.
const runCaller = (...[bedrock, overrides, ...rest]: Parameters<typeof runExampleCaller>) =>
    runExampleCaller(bedrock, { "bedrock-bridge:gateway": undefined, ...overrides }, ...rest);
import { decide, sessionOf } from "../../support/iam";
import { StackRun } from "../../../tools/internal/harness";

const CHAT = {
    allowedOrigins: ["https://chat.example.com", "http://localhost:5173"],
    maxPriorTurns: 2,
    throttling: { rateLimit: 5, burstLimit: 10 },
};
const ON_SUBSCRIBE = fs.readFileSync(
    path.join(__dirname, "..", "..", "..", "functions", "chat", "appsync", "onSubscribe.js"),
    "utf8",
);

describe("StreamingChatBackend", () => {
    let bedrock: StackRun;
    let run: StackRun;
    const r = (type: string, name?: string) => one(run, type, name);

    before(async () => {
        bedrock = await runBedrock();
        run = await runCaller(bedrock, { "bedrock-bridge:chat": CHAT });
    });

    it("is absent unless bedrock-bridge:chat is set, and absent with enabled: false", async () => {
        for (const overrides of [{ "bedrock-bridge:chat": undefined }, { "bedrock-bridge:chat": { enabled: false } }]) {
            const plain = await runCaller(bedrock, overrides);
            assert.equal(byType(plain, "aws:appsync/api:Api").length, 0);
            assert.equal(plain.outputs.chatRestEndpoint, undefined);
        }
    });

    it("creates a Cognito user pool with a strong password policy, admin-created users and a public SRP client", () => {
        const pool = r("aws:cognito/userPool:UserPool").inputs;
        assert.deepEqual(pool.passwordPolicy, {
            minimumLength: 12,
            requireLowercase: true,
            requireUppercase: true,
            requireNumbers: true,
            requireSymbols: true,
            temporaryPasswordValidityDays: 3,
        });
        assert.equal(pool.adminCreateUserConfig.allowAdminCreateUserOnly, true);
        const client = r("aws:cognito/userPoolClient:UserPoolClient").inputs;
        assert.equal(client.generateSecret, false);
        assert.deepEqual(client.explicitAuthFlows, ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
        assert.equal(client.preventUserExistenceErrors, "ENABLED");
        assert.equal(client.userPoolId, r("aws:cognito/userPool:UserPool").id);
    });

    it("uses an existing user pool and client when configured", async () => {
        const existing = await runCaller(bedrock, {
            "bedrock-bridge:chat": {
                ...CHAT,
                userPoolId: "ap-northeast-1_AbCdEf123",
                userPoolClientId: "1example23456789client",
            },
        });
        assert.equal(byType(existing, "aws:cognito/userPool:UserPool").length, 0);
        assert.equal(byType(existing, "aws:cognito/userPoolClient:UserPoolClient").length, 0);
        assert.deepEqual(one(existing, "aws:apigateway/authorizer:Authorizer").inputs.providerArns, [
            "arn:aws:cognito-idp:ap-northeast-1:111111111111:userpool/ap-northeast-1_AbCdEf123",
        ]);
        assert.equal(
            one(existing, "aws:appsync/api:Api").inputs.eventConfig.authProviders[0].cognitoConfig.userPoolId,
            "ap-northeast-1_AbCdEf123",
        );
        assert.equal(existing.outputs.chatUserPoolClientId, "1example23456789client");
    });

    it("creates an AppSync Events API: Cognito and IAM to connect, Cognito to subscribe, IAM to publish, logs with its own role", () => {
        const api = r("aws:appsync/api:Api").inputs;
        const pool = r("aws:cognito/userPool:UserPool");
        assert.deepEqual(api.eventConfig.authProviders, [
            {
                authType: "AMAZON_COGNITO_USER_POOLS",
                cognitoConfig: { userPoolId: pool.id, awsRegion: "ap-northeast-1" },
            },
            { authType: "AWS_IAM" },
        ]);
        assert.deepEqual(
            api.eventConfig.connectionAuthModes.map((m: any) => m.authType),
            ["AMAZON_COGNITO_USER_POOLS", "AWS_IAM"],
        );
        assert.deepEqual(api.eventConfig.defaultPublishAuthModes, [{ authType: "AWS_IAM" }]);
        assert.deepEqual(api.eventConfig.defaultSubscribeAuthModes, [{ authType: "AMAZON_COGNITO_USER_POOLS" }]);
        const logsRole = r("aws:iam/role:Role", "chat-appsync-logs");
        assert.equal(api.eventConfig.logConfig.cloudwatchLogsRoleArn, logsRole.state.arn);
        assert.equal(api.eventConfig.logConfig.logLevel, "ERROR");
        const trust = json(logsRole.inputs.assumeRolePolicy).Statement[0];
        assert.deepEqual(trust.Principal, { Service: "appsync.amazonaws.com" });
        assert.deepEqual(trust.Condition.StringEquals, { "aws:SourceAccount": "111111111111" });
        // AppSync's own log group, made by the stack with its retention (AppSync would make it with none) ...
        const group = r("aws:cloudwatch/logGroup:LogGroup", "chat-appsync-logs");
        assert.equal(group.inputs.name, `/aws/appsync/apis/${r("aws:appsync/api:Api").state.apiId}`);
        assert.equal(group.inputs.retentionInDays, 30);
        // ... so the role writes to exactly that group and cannot create log groups.
        const logs = json(r("aws:iam/rolePolicy:RolePolicy", "chat-appsync-logs").inputs.policy).Statement;
        assert.deepEqual(
            logs.map((s: any) => s.Resource),
            [[`${group.state.arn}:*`]],
        );
        assert.deepEqual(
            logs.flatMap((s: any) => s.Action),
            ["logs:CreateLogStream", "logs:PutLogEvents"],
        );
    });

    it("creates the channel namespace with the onSubscribe handler file, IAM publish and Cognito subscribe", () => {
        const ns = r("aws:appsync/channelNamespace:ChannelNamespace").inputs;
        assert.equal(ns.name, "bedrock-stream-response");
        assert.equal(ns.apiId, r("aws:appsync/api:Api").state.apiId);
        assert.equal(ns.codeHandlers, ON_SUBSCRIBE);
        assert.deepEqual(ns.publishAuthModes, [{ authType: "AWS_IAM" }]);
        assert.deepEqual(ns.subscribeAuthModes, [{ authType: "AMAZON_COGNITO_USER_POOLS" }]);
    });

    it("deploys the relay with nodejs22.x, its own role, the endpoint and limits, and no async retries", () => {
        const fn = r("aws:lambda/function:Function", "chat-relay");
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.role, r("aws:iam/role:Role", "chat-relay-role").state.arn);
        const env = fn.inputs.environment.variables;
        const dns = r("aws:appsync/api:Api").state.dns;
        assert.equal(env.APPSYNC_HTTP_ENDPOINT, `https://${dns.HTTP}/event`);
        assert.equal(env.CHAT_NAMESPACE, "bedrock-stream-response");
        assert.equal(env.CHAT_MODEL_ID, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert.deepEqual(json(env.CHAT_LIMITS), {
            minPromptChars: 1,
            maxPromptChars: 8000,
            maxPriorTurns: 2,
            maxTurnChars: 8000,
            maxTokens: 4096,
        });
        assert.equal(json(env.BEDROCK_TARGETS)[0].roleArn, bedrock.outputs.roleArn);
        // bedrock-bridge:chat.publishOutageSeconds (default): AppSync down this long ends the request.
        assert.equal(env.CHAT_PUBLISH_OUTAGE_SECONDS, "20");
        const asyncCfg = r("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs;
        assert.equal(asyncCfg.functionName, fn.state.name);
        assert.equal(asyncCfg.maximumRetryAttempts, 0);
        assert.equal(asyncCfg.maximumEventAgeInSeconds, 300);
    });

    it("relay role: publishes only to its namespace and reaches Bedrock only through the referenced role (simulator)", async () => {
        const role = r("aws:iam/role:Role", "chat-relay-role");
        assert.match(role.state.arn, /^arn:aws:iam::111111111111:role\/bedrock-bridge\//);
        const policy = json(r("aws:iam/rolePolicy:RolePolicy", "chat-relay-role").inputs.policy);
        const nsArn = r("aws:appsync/channelNamespace:ChannelNamespace").state.channelNamespaceArn;
        const apiArn = r("aws:appsync/api:Api").state.apiArn;
        // Cross-account AssumeRole needs the Bedrock role's trust too: the real one from the Bedrock stack run.
        const bedrockRole = bedrock.resources.find(
            x => x.type === "aws:iam/role:Role" && x.state.arn === bedrock.outputs.roleArn,
        )!;
        const ask = (action: string, resource: string, account = "111111111111") =>
            decide({
                principal: sessionOf(role.state.arn),
                principalArn: role.state.arn,
                action,
                resource,
                resourceAccount: account,
                identityPolicies: [policy],
                resourcePolicy:
                    resource === bedrock.outputs.roleArn ? json(bedrockRole.inputs.assumeRolePolicy) : undefined,
            });
        assert.equal(await ask("appsync:EventPublish", nsArn), "Allowed");
        assert.equal(await ask("appsync:EventPublish", `${apiArn}/channelNamespace/default`), "ImplicitlyDenied");
        assert.equal(
            await ask(
                "appsync:EventPublish",
                "arn:aws:appsync:ap-northeast-1:111111111111:apis/otherapi/channelNamespace/bedrock-stream-response",
            ),
            "ImplicitlyDenied",
        );
        assert.equal(await ask("appsync:EventSubscribe", nsArn), "ImplicitlyDenied");
        assert.equal(await ask("appsync:EventConnect", apiArn), "ImplicitlyDenied");
        assert.equal(await ask("sts:AssumeRole", bedrock.outputs.roleArn, "222222222222"), "Allowed");
        assert.equal(
            await ask("sts:AssumeRole", "arn:aws:iam::222222222222:role/bedrock-bridge-other", "222222222222"),
            "ImplicitlyDenied",
        );
        assert.equal(
            await ask(
                "bedrock:InvokeModelWithResponseStream",
                "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            "ImplicitlyDenied",
        );
        const logGroup = r("aws:cloudwatch/logGroup:LogGroup", "chat-relay-logs").state.arn;
        assert.equal(await ask("logs:PutLogEvents", `${logGroup}:log-stream:x`), "Allowed");
    });

    it("POST: Cognito authorizer, body model and validator, async AWS integration with the sub from the token", () => {
        const authorizer = r("aws:apigateway/authorizer:Authorizer");
        assert.equal(authorizer.inputs.type, "COGNITO_USER_POOLS");
        assert.deepEqual(authorizer.inputs.providerArns, [r("aws:cognito/userPool:UserPool").state.arn]);
        assert.equal(authorizer.inputs.identitySource, "method.request.header.Authorization");
        const post = r("aws:apigateway/method:Method", "chat-post").inputs;
        assert.equal(post.httpMethod, "POST");
        assert.equal(post.authorization, "COGNITO_USER_POOLS");
        assert.equal(post.authorizerId, authorizer.id);
        assert.equal(post.requestValidatorId, r("aws:apigateway/requestValidator:RequestValidator").id);
        assert.equal(r("aws:apigateway/requestValidator:RequestValidator").inputs.validateRequestBody, true);
        assert.deepEqual(post.requestModels, { "application/json": "ChatRequest" });
        const integ = r("aws:apigateway/integration:Integration", "chat-post-integration").inputs;
        assert.equal(integ.type, "AWS");
        assert.equal(integ.integrationHttpMethod, "POST");
        assert.equal(integ.uri, r("aws:lambda/function:Function", "chat-relay").state.invokeArn);
        assert.equal(integ.passthroughBehavior, "NEVER");
        assert.deepEqual(integ.requestParameters, { "integration.request.header.X-Amz-Invocation-Type": "'Event'" });
        const tpl: string = integ.requestTemplates["application/json"];
        assert.match(tpl, /"body": \$input\.json\('\$'\)/);
        assert.match(tpl, /"sub": "\$util\.escapeJavaScript\(\$context\.authorizer\.claims\.sub\)"/);
        assert.match(tpl, /"requestId": "\$context\.requestId"/);
        assert.doesNotMatch(tpl, /\$input\.(path|json)\('\$\.sub'\)/, "the sub never comes from the body");
        // The template, with the placeholders filled as API Gateway would, is the event the relay parses.
        const rendered = tpl
            .replace("$input.json('$')", JSON.stringify({ prompt: "hi", sessionid: "s-1" }))
            .replace("$util.escapeJavaScript($context.authorizer.claims.sub)", "sub-1")
            .replace("$context.requestId", "req-1");
        assert.deepEqual(JSON.parse(rendered), {
            body: { prompt: "hi", sessionid: "s-1" },
            sub: "sub-1",
            requestId: "req-1",
        });
    });

    it("the request model rejects bad bodies (400 from the gateway)", () => {
        const Ajv = require("ajv");
        const schema = json(r("aws:apigateway/model:Model").inputs.schema);
        assert.equal(schema.$schema, "http://json-schema.org/draft-04/schema#");
        delete schema.$schema;
        const valid = new Ajv().compile(schema);
        const ok = [
            { prompt: "hello", sessionid: "0f8e4d1c-2b3a-4c5d-9e8f-7a6b5c4d3e2f" },
            {
                prompt: "x".repeat(8000),
                sessionid: "s-1",
                history: [
                    { role: "user", content: "a" },
                    { role: "assistant", content: "b" },
                ],
            },
        ];
        const bad = [
            {},
            { prompt: "hello" },
            { sessionid: "s-1" },
            { prompt: "", sessionid: "s-1" },
            { prompt: "x".repeat(8001), sessionid: "s-1" },
            { prompt: "hi", sessionid: "a/b" },
            { prompt: "hi", sessionid: "*" },
            { prompt: "hi", sessionid: "x".repeat(51) },
            { prompt: "hi", sessionid: "s_1" },
            { prompt: "hi", sessionid: "s-1", sub: "someone-else" },
            { prompt: 5, sessionid: "s-1" },
            { prompt: "hi", sessionid: "s-1", history: Array(5).fill({ role: "user", content: "a" }) },
            { prompt: "hi", sessionid: "s-1", history: [{ role: "system", content: "a" }] },
        ];
        for (const b of ok) assert.ok(valid(b), JSON.stringify(valid.errors));
        for (const b of bad) assert.equal(valid(b), false, `accepted ${JSON.stringify(b).slice(0, 80)}`);
    });

    it("answers 202 with the request id, CORS only for the configured origins, OPTIONS included", () => {
        const resp = r("aws:apigateway/integrationResponse:IntegrationResponse", "chat-post-202").inputs;
        assert.equal(resp.statusCode, "202");
        const tpl: string = resp.responseTemplates["application/json"];
        assert.match(tpl, /\{"requestId": "\$context\.requestId"\}/);
        assert.match(tpl, /\$origin == "https:\/\/chat\.example\.com" \|\| \$origin == "http:\/\/localhost:5173"/);
        assert.match(tpl, /\$context\.responseOverride\.header\.Access-Control-Allow-Origin = \$origin/);
        assert.equal(
            resp.responseParameters["method.response.header.Access-Control-Allow-Origin"],
            "'https://chat.example.com'",
        );
        assert.doesNotMatch(
            JSON.stringify(run.resources.filter(x => x.type.startsWith("aws:apigateway")).map(x => x.inputs)),
            /'\*'/,
            "never a wildcard origin",
        );
        const options = r("aws:apigateway/method:Method", "chat-options").inputs;
        assert.equal(options.authorization, "NONE");
        assert.equal(r("aws:apigateway/integration:Integration", "chat-options-integration").inputs.type, "MOCK");
        const pre = r("aws:apigateway/integrationResponse:IntegrationResponse", "chat-options-200").inputs
            .responseParameters;
        assert.equal(pre["method.response.header.Access-Control-Allow-Methods"], "'POST,OPTIONS'");
        assert.match(pre["method.response.header.Access-Control-Allow-Headers"], /Authorization/);
        const gw = byType(run, "aws:apigateway/response:Response").map(x => x.inputs);
        assert.deepEqual(gw.map(g => g.responseType).sort(), ["DEFAULT_4XX", "DEFAULT_5XX"]);
        assert.ok(
            gw.every(
                g =>
                    g.responseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] ===
                    "'https://chat.example.com'",
            ),
        );
    });

    it("lets only this API's POST invoke the relay (lambda permission with the source ARN)", () => {
        const perm = r("aws:lambda/permission:Permission").inputs;
        assert.equal(perm.principal, "apigateway.amazonaws.com");
        assert.equal(perm.action, "lambda:InvokeFunction");
        assert.equal(perm.function, r("aws:lambda/function:Function", "chat-relay").state.name);
        assert.equal(perm.sourceArn, `${r("aws:apigateway/restApi:RestApi").state.executionArn}/*/POST/chat`);
        assert.equal(perm.sourceAccount, "111111111111");
    });

    it("stage on a fresh account: no access logs (API Gateway would refuse them without the account setting), nothing account-wide", () => {
        const stage = r("aws:apigateway/stage:Stage").inputs;
        assert.equal(stage.accessLogSettings, undefined);
        assert.equal(
            byType(run, "aws:cloudwatch/logGroup:LogGroup").filter(l => l.name === "chat-api-access-logs").length,
            0,
        );
        assert.equal(byType(run, "aws:apigateway/account:Account").length, 0);
    });

    it("apiGatewayAccount: existing turns the stage's access logs on, without touching the account setting", async () => {
        const existing = await runCaller(bedrock, { "bedrock-bridge:apiGatewayAccount": "existing" });
        assert.equal(byType(existing, "aws:apigateway/account:Account").length, 0);
        const stage = one(existing, "aws:apigateway/stage:Stage").inputs;
        assert.equal(
            stage.accessLogSettings.destinationArn,
            one(existing, "aws:cloudwatch/logGroup:LogGroup", "chat-api-access-logs").state.arn,
        );
        assert.equal(json(stage.accessLogSettings.format).sub, "$context.authorizer.claims.sub");
    });

    it("apiGatewayAccount: manage sets the account setting with its own role, warns that it is account-wide, and logs", async () => {
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        (pulumi.log as any).warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        let managed;
        try {
            managed = await runCaller(bedrock, { "bedrock-bridge:apiGatewayAccount": "manage" });
        } finally {
            (pulumi.log as any).warn = original;
        }
        const account = one(managed, "aws:apigateway/account:Account");
        const role = one(managed, "aws:iam/role:Role", "apigateway-account-cloudwatch");
        assert.equal(account.inputs.cloudwatchRoleArn, role.state.arn);
        const trust = json(role.inputs.assumeRolePolicy).Statement[0];
        assert.deepEqual(trust.Principal, { Service: "apigateway.amazonaws.com" });
        assert.deepEqual(trust.Condition, { StringEqualsIfExists: { "aws:SourceAccount": "111111111111" } });
        assert.equal(
            one(managed, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "apigateway-account-cloudwatch").inputs
                .policyArn,
            "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        );
        assert.ok(one(managed, "aws:apigateway/stage:Stage").inputs.accessLogSettings.destinationArn);
        assert.equal(managed.outputs.apiGatewayCloudWatchRoleArn, role.state.arn);
        assert.ok(
            warnings.some(w => /ACCOUNT-WIDE \(one per region per account\)/.test(w)),
            warnings.join("\n"),
        );
        assert.match(
            await failureOf(runCaller(bedrock, { "bedrock-bridge:apiGatewayAccount": "yes" })),
            /bedrock-bridge:apiGatewayAccount must be one of manage, existing, none/,
        );
    });

    it("stage: throttling, and a deployment that changes when the API does", async () => {
        const stage = r("aws:apigateway/stage:Stage").inputs;
        assert.equal(stage.stageName, "prod");
        assert.equal(stage.deployment, r("aws:apigateway/deployment:Deployment").id);
        const existing = await runCaller(bedrock, { "bedrock-bridge:apiGatewayAccount": "existing" });
        const fmt = json(one(existing, "aws:apigateway/stage:Stage").inputs.accessLogSettings.format);
        assert.equal(fmt.requestId, "$context.requestId");
        assert.equal(fmt.sub, "$context.authorizer.claims.sub");
        const ms = r("aws:apigateway/methodSettings:MethodSettings").inputs;
        assert.equal(ms.methodPath, "*/*");
        assert.equal(ms.settings.throttlingRateLimit, 5);
        assert.equal(ms.settings.throttlingBurstLimit, 10);
        const triggers = r("aws:apigateway/deployment:Deployment").inputs.triggers;
        const other = await runCaller(bedrock, { "bedrock-bridge:chat": { ...CHAT, maxPromptChars: 2000 } });
        const otherTriggers = one(other, "aws:apigateway/deployment:Deployment").inputs.triggers;
        assert.notEqual(otherTriggers.configuration, triggers.configuration);
        const same = await runCaller(bedrock, { "bedrock-bridge:chat": CHAT });
        assert.deepEqual(one(same, "aws:apigateway/deployment:Deployment").inputs.triggers, triggers);
    });

    it("exports the REST endpoint, AppSync endpoints, namespace, user pool and client ids", () => {
        const o = run.outputs;
        const dns = r("aws:appsync/api:Api").state.dns;
        const api = r("aws:apigateway/restApi:RestApi").id;
        assert.equal(o.chatRestEndpoint, `https://${api}.execute-api.ap-northeast-1.amazonaws.com/prod/chat`);
        assert.equal(o.chatEventsHttpEndpoint, `https://${dns.HTTP}/event`);
        assert.equal(o.chatEventsRealtimeEndpoint, `wss://${dns.REALTIME}/event/realtime`);
        assert.equal(o.chatNamespace, "bedrock-stream-response");
        assert.equal(o.chatUserPoolId, r("aws:cognito/userPool:UserPool").id);
        assert.equal(o.chatUserPoolClientId, r("aws:cognito/userPoolClient:UserPoolClient").id);
    });

    it("checks the relay's whole environment in bytes at preview (Lambda's 4 KB), naming chat.systemPrompt", async () => {
        // 1,400 Japanese characters: within the character bound, but 4.2 KB of UTF-8.
        const japanese = "日本語で簡潔に答えてください。".repeat(100);
        assert.equal(japanese.length, 1500);
        const msg = await failureOf(runCaller(bedrock, { "bedrock-bridge:chat": { ...CHAT, systemPrompt: japanese } }));
        assert.match(msg, /function chat-relay: its environment is \d+ bytes, over Lambda's limit of 4096 bytes/);
        assert.match(msg, /biggest part is bedrock-bridge:chat\.systemPrompt \(CHAT_SYSTEM_PROMPT\) with 45\d\d bytes/);
        assert.ok(!msg.includes("error serializing property"), msg);
        // The same number of ASCII characters fits, and the relay gets the prompt.
        const ascii = await runCaller(bedrock, { "bedrock-bridge:chat": { ...CHAT, systemPrompt: "a".repeat(1500) } });
        const env = one(ascii, "aws:lambda/function:Function", "chat-relay").inputs.environment.variables;
        assert.equal(env.CHAT_SYSTEM_PROMPT.length, 1500);
        assert.ok(Buffer.byteLength(JSON.stringify(env)) <= 4096);
    });

    it("fails preview with messages naming the chat keys", async () => {
        const cases: [unknown, RegExp][] = [
            [{}, /bedrock-bridge:chat\.allowedOrigins is required/],
            [
                { allowedOrigins: ["https://*.example.com"] },
                /bedrock-bridge:chat\.allowedOrigins must list exact origins/,
            ],
            [
                { ...CHAT, userPoolId: "ap-northeast-1_AbCdEf123" },
                /userPoolId and bedrock-bridge:chat\.userPoolClientId go together/,
            ],
            [{ ...CHAT, namespace: "bad/name" }, /bedrock-bridge:chat\.namespace is not valid/],
            [
                { ...CHAT, maxEventAgeSeconds: 30 },
                /bedrock-bridge:chat\.maxEventAgeSeconds must be a whole number from 60 to 21600/,
            ],
            [
                { ...CHAT, systemPrompt: "x".repeat(2001) },
                /bedrock-bridge:chat\.systemPrompt must be a non-empty string of at most 2000/,
            ],
            [{ ...CHAT, colour: "blue" }, /bedrock-bridge:chat\.colour is not a chat setting/],
            ["yes", /bedrock-bridge:chat must be structured YAML/],
            [["a"], /bedrock-bridge:chat must be a map/],
            [
                { ...CHAT, modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" },
                /bedrock-bridge:chat\.modelId "us\.anthropic.*" is not allowed/,
            ],
        ];
        for (const [chat, expected] of cases) {
            assert.match(await failureOf(runCaller(bedrock, { "bedrock-bridge:chat": chat as any })), expected);
        }
        const bedrockSide = await failureOf(runBedrock({ "bedrock-bridge:chat": CHAT }));
        assert.match(bedrockSide, /bedrock-bridge:chat belongs to the caller side/);
    });
});
