// Policy pack rules: the example stacks (what `npm run synth` renders) comply; deliberately bad resources fail
// with the rule's message.
import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { StackRun, readStackConfig } from "../../tools/internal/harness";
import { captureWarnings, runBedrock, runCaller } from "../support/stacks";
import { policies } from "../../policy/policies";
import {
    accountFromProvider,
    BROAD_MANAGED_POLICIES,
    checkAll,
    isWildcardResource,
    PolicyResource,
    rule,
    RULES,
    ALL_MODELS_TAG,
} from "../../policy/rules";
import { ALL_MODELS_TAG as COMPONENT_ALL_MODELS_TAG } from "../../components/bedrock/bedrockApiKeys";

const ACCOUNT = "111111111111";
const OTHER = "999999999999";

function asPolicyResources(run: StackRun): PolicyResource[] {
    return run.resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
}

function violations(name: string, resource: PolicyResource, config: Record<string, any> = {}): string[] {
    return rule(name).check(resource, { accountId: ACCOUNT, config });
}

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const rolePolicy = (...statements: object[]): PolicyResource => ({
    type: "aws:iam/rolePolicy:RolePolicy",
    name: "bad-policy",
    props: { role: "r", policy: doc(...statements) },
});
const role = (...trust: object[]): PolicyResource => ({
    type: "aws:iam/role:Role",
    name: "bad-role",
    props: { assumeRolePolicy: doc(...trust) },
});

describe("policy pack: the example stacks comply", () => {
    let bedrock: StackRun;
    let caller: StackRun;
    before(async () => {
        bedrock = await runBedrock();
        caller = await runCaller(bedrock);
    });

    for (const stack of ["bedrock", "caller"]) {
        it(`${stack} stack passes every rule`, () => {
            const run = stack === "bedrock" ? bedrock : caller;
            const accountId = accountFromProvider({
                allowedAccountIds: readStackConfig(stack).config["aws:allowedAccountIds"],
            });
            assert.ok(accountId, "the stack config names its account");
            assert.deepEqual(checkAll(asPolicyResources(run), { accountId }), []);
        });
    }

    it("every optional feature switched on passes every rule (chat backend, API keys, deny, audit trail)", async () => {
        const full = await runBedrock({
            "bedrock-bridge:denyLongTermBearerTokens": "true",
            "bedrock-bridge:auditTrail": "true",
            "bedrock-bridge:apiKeys": [{ name: "k", expiryDays: 30 }],
        });
        const chat = await runCaller(full, {
            "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"] },
            "bedrock-bridge:apiGatewayAccount": "manage",
        });
        assert.deepEqual(checkAll(asPolicyResources(full), { accountId: "222222222222" }), []);
        assert.deepEqual(checkAll(asPolicyResources(chat), { accountId: ACCOUNT }), []);
        // The rules had something to look at.
        const types = new Set([...full.resources, ...chat.resources].map(r => r.type));
        for (const t of [
            "aws:appsync/channelNamespace:ChannelNamespace",
            "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:lambda/function:Function",
            "aws:apigateway/account:Account",
        ]) {
            assert.ok(types.has(t), `no ${t} in the full stacks`);
        }
    });

    it("the rules see the stacks' IAM documents (not a vacuous pass)", () => {
        const roles = [...bedrock.resources, ...caller.resources].filter(r => r.type === "aws:iam/role:Role");
        const trustsOtherAccount = roles.some(
            r =>
                rule("cross-account-trust-has-principal-condition").check(
                    { type: r.type, name: r.name, props: r.inputs },
                    { accountId: "000000000000", config: {} },
                ).length === 0 && /111111111111:root/.test(r.inputs.assumeRolePolicy),
        );
        assert.ok(
            trustsOtherAccount,
            "the Bedrock execution role trusts the caller account and passes only thanks to its condition",
        );
        // Dropping the condition from the real trust policy makes the same role fail.
        const exec = roles.find(r => /111111111111:root/.test(r.inputs.assumeRolePolicy))!;
        const stripped = JSON.parse(exec.inputs.assumeRolePolicy);
        for (const s of stripped.Statement) delete s.Condition;
        const msgs = rule("cross-account-trust-has-principal-condition").check(
            { type: exec.type, name: exec.name, props: { assumeRolePolicy: JSON.stringify(stripped) } },
            { accountId: "222222222222", config: {} },
        );
        assert.equal(msgs.length, 1);
    });
});

describe("policy pack: bad resources fail with the rule's message", () => {
    const ruleName = "no-bedrock-wildcard-or-invoke-on-star";

    it("rejects bedrock:* and *", () => {
        for (const action of ["bedrock:*", "*", ["s3:GetObject", "Bedrock:*"]]) {
            const msgs = violations(
                ruleName,
                rolePolicy({
                    Sid: "TooMuch",
                    Effect: "Allow",
                    Action: action,
                    Resource: "arn:aws:bedrock:ap-northeast-1::foundation-model/x",
                }),
            );
            assert.equal(msgs.length, 1, JSON.stringify(action));
            assert.match(msgs[0], /RolePolicy "bad-policy" policy \(Sid TooMuch\) allows .*\*.*never grant bedrock:\*/);
        }
    });

    it("rejects invoke actions on every resource, and Allow with NotAction", () => {
        const star = violations(
            ruleName,
            rolePolicy({ Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: "*" }),
        );
        assert.equal(star.length, 1);
        assert.match(star[0], /invoke actions \(bedrock:InvokeModel\) on \*/);
        const wildcard = violations(
            ruleName,
            rolePolicy({
                Effect: "Allow",
                Action: "bedrock:Invoke*",
                Resource: "arn:aws:bedrock:*::foundation-model/*",
            }),
        );
        assert.match(
            wildcard.join("\n"),
            /bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream.* on arn:aws:bedrock:\*::foundation-model\/\*/,
        );
        const lambda = violations(
            ruleName,
            rolePolicy({ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ["*"] }),
        );
        assert.match(lambda.join("\n"), /lambda:InvokeFunction/);
        const notAction = violations(ruleName, rolePolicy({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }));
        assert.match(notAction.join("\n"), /NotAction \["iam:\*"\]/);
    });

    it("checks inline policies of roles, managed policies and user policies too", () => {
        const bad = { Effect: "Allow", Action: "bedrock:*", Resource: "*" };
        const resources: PolicyResource[] = [
            {
                type: "aws:iam/role:Role",
                name: "r",
                props: { assumeRolePolicy: doc(), inlinePolicies: [{ name: "inline", policy: doc(bad) }] },
            },
            { type: "aws:iam/policy:Policy", name: "p", props: { policy: doc(bad) } },
            {
                type: "aws:iam/userPolicy:UserPolicy",
                name: "u",
                props: { user: "key-user", policy: { Version: "2012-10-17", Statement: bad } },
            },
        ];
        for (const r of resources)
            assert.ok(
                violations(ruleName, r).some(m => m.includes(`"${r.name}"`) && m.includes("bedrock:*")),
                r.type,
            );
    });

    it("allows exact invoke grants, Deny statements and wildcards only in ARNs' resource ids", () => {
        assert.deepEqual(
            violations(
                ruleName,
                rolePolicy(
                    {
                        Effect: "Allow",
                        Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                        Resource:
                            "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
                    },
                    { Effect: "Deny", Action: "bedrock:*", Resource: "*" },
                    { Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" },
                ),
            ),
            [],
        );
        assert.equal(isWildcardResource("arn:aws:lambda:ap-northeast-1:111111111111:function:*"), true);
        assert.equal(isWildcardResource("arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/lambda/x:*"), false);
    });

    it("cross-account trust needs aws:PrincipalArn or aws:PrincipalOrgID", () => {
        const name = "cross-account-trust-has-principal-condition";
        const bare = violations(
            name,
            role({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: "sts:AssumeRole" }),
        );
        assert.equal(bare.length, 1);
        assert.match(
            bare[0],
            new RegExp(
                `Role "bad-role" trusts arn:aws:iam::${OTHER}:root without an aws:PrincipalArn or aws:PrincipalOrgID condition`,
            ),
        );
        assert.equal(violations(name, role({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" })).length, 1);
        assert.equal(
            violations(
                name,
                role({
                    Effect: "Allow",
                    Principal: { AWS: OTHER },
                    Action: "sts:AssumeRole",
                    Condition: { StringLike: { "aws:PrincipalArn": "*" } },
                }),
            ).length,
            1,
            "a condition matching anyone does not count",
        );
        assert.deepEqual(
            violations(
                name,
                role({
                    Effect: "Allow",
                    Principal: { AWS: OTHER },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
                }),
            ),
            [],
        );
        assert.deepEqual(
            violations(
                name,
                role({
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` },
                    Action: "sts:AssumeRole",
                }),
            ),
            [],
            "same-account principals are IAM's own business",
        );
        assert.equal(
            rule(name).check(
                role({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }),
                { config: {} },
            ).length,
            1,
            "without a known account every AWS principal needs the condition",
        );
    });

    it("service-principal trust needs aws:SourceAccount", () => {
        const name = "service-trust-has-source-account";
        // The trust policy CallbackFunction writes when it creates its own role.
        const msgs = violations(
            name,
            role({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
        );
        assert.equal(msgs.length, 1);
        assert.match(msgs[0], /Role "bad-role" trusts lambda\.amazonaws\.com without an aws:SourceAccount condition/);
        assert.deepEqual(
            violations(
                name,
                role({
                    Effect: "Allow",
                    Principal: { Service: ["states.amazonaws.com"] },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "AWS:SourceAccount": ACCOUNT } },
                }),
            ),
            [],
        );
    });

    it("Lambda needs an explicit role and no broad managed policies", () => {
        const name = "lambda-explicit-least-privilege-role";
        assert.match(
            violations(name, {
                type: "aws:lambda/function:Function",
                name: "fn",
                props: { runtime: "nodejs22.x" },
            }).join(),
            /Function "fn" has no role/,
        );
        assert.deepEqual(
            violations(name, {
                type: "aws:lambda/function:Function",
                name: "fn",
                props: { role: "arn:aws:iam::111111111111:role/x" },
            }),
            [],
        );
        const attach = violations(name, {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "fn-abc",
            props: { role: "fn", policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
        });
        assert.match(attach.join(), /RolePolicyAttachment "fn-abc" attaches the managed policy AmazonS3FullAccess/);
        assert.match(
            violations(name, {
                type: "aws:iam/role:Role",
                name: "r",
                props: { managedPolicyArns: ["arn:aws-cn:iam::aws:policy/AdministratorAccess"] },
            }).join(),
            /AdministratorAccess/,
        );
        assert.deepEqual(
            violations(name, {
                type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                name: "ok",
                props: { role: "fn", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
            }),
            [],
        );
    });

    it("covers every full-access policy CallbackFunction attaches by default", () => {
        // Read from the provider's own constants, the list lambdaMixins.js attaches.
        const defaults = [
            aws.iam.ManagedPolicy.LambdaFullAccess,
            aws.iam.ManagedPolicy.CloudWatchFullAccessV2,
            aws.iam.ManagedPolicy.CloudWatchEventsFullAccess,
            aws.iam.ManagedPolicy.AmazonS3FullAccess,
            aws.iam.ManagedPolicy.AmazonDynamoDBFullAccess,
            aws.iam.ManagedPolicy.AmazonSQSFullAccess,
            aws.iam.ManagedPolicy.AmazonKinesisFullAccess,
            aws.iam.ManagedPolicy.AmazonCognitoPowerUser,
        ];
        for (const arn of defaults) {
            assert.ok(BROAD_MANAGED_POLICIES.includes(arn.split("/").pop()!), arn);
            assert.equal(
                violations("lambda-explicit-least-privilege-role", {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "a",
                    props: { policyArn: arn },
                }).length,
                1,
                arn,
            );
        }
    });

    it("Bedrock API keys must expire within the configured maximum", () => {
        const name = "bedrock-api-key-expires";
        const key = (props: object): PolicyResource => ({
            type: "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
            name: "key",
            props: { serviceName: "bedrock.amazonaws.com", userName: "u", ...props },
        });
        assert.match(
            violations(name, key({})).join(),
            /ServiceSpecificCredential "key" is a Bedrock API key that never expires: set credentialAgeDays \(at most 90\)/,
        );
        assert.match(
            violations(name, key({ credentialAgeDays: 365 })).join(),
            /valid for 365 days: credentialAgeDays must be between 1 and 90/,
        );
        assert.match(
            violations(name, key({ credentialAgeDays: 31 }), { maxCredentialAgeDays: 30 }).join(),
            /between 1 and 30/,
        );
        assert.deepEqual(violations(name, key({ credentialAgeDays: 30 }), { maxCredentialAgeDays: 30 }), []);
        assert.deepEqual(violations(name, key({ serviceName: "codecommit.amazonaws.com" })), [], "only Bedrock keys");
    });

    it("log groups need retention", () => {
        const name = "log-group-retention";
        for (const props of [{}, { retentionInDays: 0 }]) {
            assert.match(
                violations(name, { type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props }).join(),
                /LogGroup "lg" has no retentionInDays/,
            );
        }
        assert.deepEqual(
            violations(name, { type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props: { retentionInDays: 14 } }),
            [],
        );
    });

    it("AppSync Events namespaces publish with AWS_IAM only", () => {
        const name = "appsync-iam-only-publish";
        const ns = (props: object): PolicyResource => ({
            type: "aws:appsync/channelNamespace:ChannelNamespace",
            name: "chat",
            props: { apiId: "a", name: "bedrock-stream-response", ...props },
        });
        assert.match(
            violations(
                name,
                ns({ publishAuthModes: [{ authType: "AWS_IAM" }, { authType: "AMAZON_COGNITO_USER_POOLS" }] }),
            ).join(),
            /ChannelNamespace "chat" allows publishing with AMAZON_COGNITO_USER_POOLS: only AWS_IAM may publish/,
        );
        assert.match(violations(name, ns({})).join(), /sets no publishAuthModes/);
        assert.deepEqual(
            violations(
                name,
                ns({
                    publishAuthModes: [{ authType: "AWS_IAM" }],
                    subscribeAuthModes: [{ authType: "AMAZON_COGNITO_USER_POOLS" }],
                }),
            ),
            [],
        );
    });

    it("a managed policy allowing every model needs the principal's acceptance tag (apiKeys[].allModels)", () => {
        const name = "bedrock-managed-policy-accepted";
        const limited = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess";
        const user = (tags: Record<string, string> = {}): PolicyResource => ({
            type: "aws:iam/user:User",
            name: "key-user",
            props: { name: "BedrockAPIKey-a", tags },
        });
        const attach: PolicyResource = {
            type: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
            name: "key-limited",
            props: { user: "BedrockAPIKey-a", policyArn: limited },
        };
        const run = (resources: PolicyResource[]) => checkAll(resources, { accountId: ACCOUNT }, [name]);
        const flagged = run([user(), attach]);
        assert.equal(flagged.length, 1);
        assert.match(flagged[0].message, /AmazonBedrockLimitedAccess .*every Bedrock model.*allModels: true/);
        assert.deepEqual(run([user({ [ALL_MODELS_TAG]: "accepted" }), attach]), []);
        assert.equal(run([user({ [ALL_MODELS_TAG]: "yes" }), attach]).length, 1, "only the exact value counts");
        // A role with the policy in managedPolicyArns, or an attachment to a principal outside the stack, too.
        assert.equal(
            run([{ type: "aws:iam/role:Role", name: "r", props: { name: "r", managedPolicyArns: [limited] } }]).length,
            1,
        );
        assert.equal(run([attach]).length, 1);
        // The component sets the very tag the rule reads.
        assert.equal(ALL_MODELS_TAG, COMPONENT_ALL_MODELS_TAG);
    });

    it("every rule has a distinct name and a description", () => {
        assert.equal(new Set(RULES.map(r => r.name)).size, RULES.length);
        for (const r of RULES) assert.ok(r.description.length > 20, r.name);
    });
});

describe("policy pack: wiring into @pulumi/policy", () => {
    function validate(
        name: string,
        args: { type: string; props: Record<string, any>; providerProps?: Record<string, any>; config?: object },
    ): string[] {
        const p = policies.find(x => x.name === name)!;
        const reported: string[] = [];
        const fn = (p as { validateResource?: unknown }).validateResource as (
            a: any,
            report: (m: string) => void,
        ) => void;
        fn(
            {
                type: args.type,
                name: "res",
                urn: `urn:pulumi:s::p::${args.type}::res`,
                props: args.props,
                provider: args.providerProps && {
                    type: "pulumi:providers:aws",
                    name: "default",
                    urn: "u",
                    props: args.providerProps,
                },
                getConfig: () => args.config ?? {},
            },
            m => reported.push(m),
        );
        return reported;
    }

    it("registers every rule as a mandatory policy", () => {
        assert.deepEqual(
            policies.map(p => p.name),
            RULES.map(r => r.name),
        );
        for (const p of policies) assert.equal(p.enforcementLevel, "mandatory");
    });

    it("reads the stack's account from the AWS provider and the limit from pack config", () => {
        const trust = {
            type: "aws:iam/role:Role",
            props: {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/x` },
                    Action: "sts:AssumeRole",
                }),
            },
        };
        assert.deepEqual(
            validate("cross-account-trust-has-principal-condition", {
                ...trust,
                providerProps: { allowedAccountIds: `["${ACCOUNT}"]` },
            }),
            [],
        );
        assert.equal(
            validate("cross-account-trust-has-principal-condition", {
                ...trust,
                providerProps: { allowedAccountIds: [OTHER] },
            }).length,
            1,
        );
        const key = {
            type: "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
            props: { serviceName: "bedrock.amazonaws.com", credentialAgeDays: 60 },
        };
        assert.deepEqual(validate("bedrock-api-key-expires", key), []);
        assert.match(
            validate("bedrock-api-key-expires", { ...key, config: { maxCredentialAgeDays: 7 } }).join(),
            /between 1 and 7/,
        );
    });
});

describe("policy pack: invocation logging delivers no prompt text unless the stack says so", () => {
    const name = "invocation-logging-no-prompt-text";
    const LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration";
    const config = (
        flags: Record<string, boolean | undefined>,
        dest: Record<string, unknown> = {
            cloudwatchConfig: { logGroupName: "/inv", roleArn: "arn:aws:iam::1:role/r" },
        },
    ): PolicyResource => ({
        type: LOGGING,
        name: "logging",
        urn: "urn:logging",
        props: { loggingConfig: { ...dest, ...flags } },
    });
    const group = (tags?: Record<string, string>): PolicyResource => ({
        type: "aws:cloudwatch/logGroup:LogGroup",
        name: "g",
        props: { name: "/inv", retentionInDays: 30, tags },
    });
    const off = {
        textDataDeliveryEnabled: false,
        imageDataDeliveryEnabled: false,
        embeddingDataDeliveryEnabled: false,
        videoDataDeliveryEnabled: false,
    };
    const check = (...resources: PolicyResource[]) => checkAll(resources, {}, [name]).map(v => v.message);

    it("accepts metadata-only logging and rejects any content delivery, including the provider's default of true", () => {
        assert.deepEqual(check(config(off), group()), []);
        assert.match(
            check(config({ ...off, textDataDeliveryEnabled: true }), group()).join(),
            /delivers textDataDeliveryEnabled \(prompts and answers\) to \/inv without the stack declaring it/,
        );
        const unset = check(config({}), group()).join();
        assert.match(
            unset,
            /textDataDeliveryEnabled, imageDataDeliveryEnabled, embeddingDataDeliveryEnabled, videoDataDeliveryEnabled/,
            "unset flags are true by the provider's default",
        );
        assert.match(
            check(config({ ...off, videoDataDeliveryEnabled: undefined }, { s3Config: { bucketName: "b" } })).join(),
            /videoDataDeliveryEnabled[^]*to b without/,
        );
    });

    it("accepts content delivery only when every destination carries the stack's declaration", () => {
        const declared = group({ "bedrock-bridge:prompt-text": "delivered-by-config" });
        assert.deepEqual(check(config({ ...off, textDataDeliveryEnabled: true }), declared), []);
        assert.equal(
            check(config({ ...off, textDataDeliveryEnabled: true }), group({ "bedrock-bridge:prompt-text": "none" }))
                .length,
            1,
        );
        const both = config(
            { ...off, textDataDeliveryEnabled: true },
            { cloudwatchConfig: { logGroupName: "/inv" }, s3Config: { bucketName: "b" } },
        );
        assert.equal(check(both, declared).length, 1, "the S3 bucket did not declare it");
        assert.deepEqual(
            check(both, declared, {
                type: "aws:s3/bucket:Bucket",
                name: "b",
                props: { bucket: "b", tags: { "bedrock-bridge:prompt-text": "delivered-by-config" } },
            }),
            [],
        );
    });

    it("the Bedrock stack passes with metadata-only logging and with textDelivery: true, and fails when someone flips the flag by hand", async () => {
        const metadata = await runBedrock({ "bedrock-bridge:invocationLogging": true });
        assert.ok(
            metadata.resources.some(r => r.type === LOGGING),
            "the stack configures invocation logging",
        );
        assert.deepEqual(checkAll(asPolicyResources(metadata), { accountId: "222222222222" }), []);
        const { result, warnings } = await captureWarnings(() =>
            runBedrock({ "bedrock-bridge:invocationLogging": { textDelivery: true } }),
        );
        assert.equal(warnings.length, 1);
        const text = asPolicyResources(result);
        assert.deepEqual(checkAll(text, {}, [name]), []);
        const flipped = asPolicyResources(metadata).map(r =>
            r.type === LOGGING
                ? { ...r, props: { loggingConfig: { ...r.props.loggingConfig, textDataDeliveryEnabled: true } } }
                : r,
        );
        assert.equal(checkAll(flipped, {}, [name]).length, 1);
    });

    it("is wired into the pack as a stack validation that reports against the logging resource", () => {
        const p = policies.find(x => x.name === name) as any;
        const reported: [string, string | undefined][] = [];
        p.validateStack(
            {
                resources: [config({ textDataDeliveryEnabled: true }), group()].map(r => ({
                    ...r,
                    urn: r.urn ?? r.name,
                })),
                getConfig: () => ({}),
            },
            (m: string, urn?: string) => reported.push([m, urn]),
        );
        assert.equal(reported.length, 1);
        assert.equal(reported[0][1], "urn:logging");
    });
});
