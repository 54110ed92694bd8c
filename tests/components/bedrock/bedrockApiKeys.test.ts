// Bedrock API keys in the Bedrock stack under mocks (users, policies, credentials, secret outputs, the optional
// deny, the audit trail, config errors), and an IAM matrix of those policies by an independent simulator.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { sharedMocks, StackRun } from "../../../tools/internal/harness";
import { ALLOW_ALL, decide, foundationModelArn, inferenceProfileArn } from "../../support/iam";
import { checkAll } from "../../../policy/rules";
import { byType, failureOf, json, one, runBedrock } from "../../support/stacks";

const ACCOUNT = "222222222222";
const REGION = "ap-northeast-1";
const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const APAC = "apac.anthropic.claude-sonnet-4-20250514-v1:0";
const profileArn = (id: string) => inferenceProfileArn(REGION, ACCOUNT, id);
const fmArn = foundationModelArn;
// IAM names are account-global: the user name carries the stack and region (two Bedrock stacks may share an account).
const KEY_USER_NAME = "BedrockAPIKey-exploration-bedrock-ap-northeast-1";
const KEY_USER = `arn:aws:iam::${ACCOUNT}:user/bedrock-bridge/api-keys/${KEY_USER_NAME}`;
const ROLE_NAME = "bedrock-bridge-execution-bedrock-ap-northeast-1";
/** The example stack shows short-term keys only; these tests declare the long-term key docs/api-keys.md describes. */
const EXAMPLE_KEY = { "bedrock-bridge:apiKeys": [{ name: "exploration", expiryDays: 30, status: "Active" }] };
const allowAll = ALLOW_ALL;
const KEY = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential";

/** Runs the Bedrock stack and collects what the program warned about. */
async function withWarnings(overrides: Record<string, unknown>): Promise<{ run: StackRun; warnings: string[] }> {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    (pulumi.log as any).warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    try {
        return { run: await runBedrock(overrides as any), warnings };
    } finally {
        (pulumi.log as any).warn = original;
    }
}

const statementsOf = (run: StackRun, type: string, name: string) => json(one(run, type, name).inputs.policy).Statement;

describe("BedrockApiKeys: long-term keys under mocks", () => {
    let run: StackRun;
    before(async () => {
        run = await runBedrock(EXAMPLE_KEY);
    });

    it("creates a declared key: a user under the key path with a Bedrock credential of 30 days", () => {
        const user = one(run, "aws:iam/user:User");
        assert.equal(user.inputs.name, KEY_USER_NAME);
        assert.equal(user.inputs.path, "/bedrock-bridge/api-keys/");
        assert.equal(user.state.arn, KEY_USER);
        const key = one(run, KEY);
        assert.equal(key.inputs.serviceName, "bedrock.amazonaws.com");
        assert.equal(key.inputs.userName, KEY_USER_NAME);
        assert.equal(key.inputs.credentialAgeDays, 30);
        assert.equal(key.inputs.status, "Active");
    });

    it("grants the key user the stack's models only, and bearer use of its own long-term key", () => {
        const statements = statementsOf(run, "aws:iam/userPolicy:UserPolicy", "api-keys-exploration");
        const roleModels = json(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement;
        assert.deepEqual(statements.slice(1), roleModels, "the same model statements as the execution role");
        assert.deepEqual(statements[0], {
            Sid: "CallWithLongTermKey",
            Effect: "Allow",
            Action: "bedrock:CallWithBearerToken",
            Resource: "*",
            Condition: { StringEquals: { "bedrock:bearerTokenType": "LONG_TERM" } },
        });
        assert.equal(
            byType(run, "aws:iam/userPolicyAttachment:UserPolicyAttachment").length,
            0,
            "no managed policy unless asked",
        );
    });

    it("exports names, users and credential ids, and the key secrets only as a Pulumi secret", () => {
        assert.deepEqual(
            run.outputs.apiKeys.map((k: any) => [k.name, k.userArn, k.status]),
            [["exploration", KEY_USER, "Active"]],
        );
        assert.match(run.outputs.apiKeys[0].credentialId, /^ACCA/);
        assert.ok(run.secretOutputs?.includes("apiKeySecrets"), "apiKeySecrets is secret");
        assert.ok(!run.secretOutputs?.includes("apiKeys"));
        const secret = one(run, KEY).state.serviceCredentialSecret;
        assert.equal(run.outputs.apiKeySecrets.exploration, secret);
        assert.ok(!JSON.stringify(run.outputs.apiKeys).includes(secret), "no secret among the plain outputs");
    });

    it("lets the execution role present its session as a short-term key, not a long-term one", async () => {
        const p = byType(run, "aws:iam/policy:Policy").find(x => x.name === "api-keys-short-term")!;
        assert.deepEqual(json(p.inputs.policy).Statement, [
            {
                Sid: "CallWithShortTermKey",
                Effect: "Allow",
                Action: "bedrock:CallWithBearerToken",
                Resource: "*",
                Condition: { StringEquals: { "bedrock:bearerTokenType": "SHORT_TERM" } },
            },
        ]);
        const attach = one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "api-keys-short-term");
        assert.equal(attach.inputs.role, ROLE_NAME);
        const off = await runBedrock({ "bedrock-bridge:shortTermKeys": "false" });
        // The stack's permissions boundary is the only managed policy left.
        assert.deepEqual(
            byType(off, "aws:iam/policy:Policy").map(p => p.name),
            ["permissions-boundary-policy"],
        );
        assert.equal(off.outputs.shortTermKeys, false);
    });

    it("disables a key with status Inactive, and keys may opt into the managed policy and Marketplace", async () => {
        const r = await runBedrock({
            "bedrock-bridge:allowMarketplace": "true",
            "bedrock-bridge:apiKeys": [
                { name: "old", expiryDays: 7, status: "Inactive" },
                { name: "console-like", expiryDays: 30, managedPolicy: true, marketplace: true },
            ],
        });
        const keys = byType(r, KEY);
        assert.deepEqual(
            keys.map(k => [k.inputs.userName, k.inputs.status, k.inputs.credentialAgeDays]),
            [
                ["BedrockAPIKey-old-bedrock-ap-northeast-1", "Inactive", 7],
                ["BedrockAPIKey-console-like-bedrock-ap-northeast-1", "Active", 30],
            ],
        );
        const old = statementsOf(r, "aws:iam/userPolicy:UserPolicy", "api-keys-old");
        assert.ok(
            !old.some((s: any) => String(s.Action).includes("aws-marketplace")),
            "the stack-wide Marketplace grant is the role's, not the key's",
        );
        const managed = one(r, "aws:iam/userPolicyAttachment:UserPolicyAttachment");
        assert.equal(managed.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess");
        const consoleLike = statementsOf(r, "aws:iam/userPolicy:UserPolicy", "api-keys-console-like");
        assert.deepEqual(
            consoleLike.map((s: any) => s.Sid),
            ["CallWithLongTermKey", "MarketplaceFirstUse"],
        );
    });

    it("warns loudly for a key that never expires or lives longer than 90 days", async () => {
        const { run: r, warnings } = await withWarnings({
            "bedrock-bridge:apiKeys": [
                { name: "forever", never: true },
                { name: "long", expiryDays: 365 },
                { name: "ok", expiryDays: 90 },
            ],
        });
        assert.deepEqual(
            byType(r, KEY).map(k => k.inputs.credentialAgeDays),
            [undefined, 365, 90],
        );
        assert.equal(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /bedrock-bridge:apiKeys "forever" NEVER EXPIRES/);
        assert.match(warnings[1], /bedrock-bridge:apiKeys "long" is valid for 365 days \(more than 90\)/);
    });

    it("builds nothing for keys when none are declared", async () => {
        const r = await runBedrock({ "bedrock-bridge:apiKeys": undefined });
        assert.equal(byType(r, "aws:iam/user:User").length + byType(r, KEY).length, 0);
        assert.equal(r.outputs.apiKeys, undefined);
        assert.equal(r.outputs.apiKeySecrets, undefined);
    });
});

describe("BedrockApiKeys: expired long-term keys", () => {
    /** Runs the stack with AWS's view of the credential: what the state holds after a refresh past the expiry. */
    async function withReportedStatus(
        status: string,
        overrides: Record<string, unknown>,
        key = "api-keys-exploration",
    ) {
        const mocks = sharedMocks();
        const original = mocks.newResource.bind(mocks);
        mocks.newResource = args => {
            const r = original(args);
            return args.type === KEY && args.name === key ? { ...r, state: { ...r.state, status } } : r;
        };
        try {
            return await withWarnings(overrides);
        } finally {
            mocks.newResource = original;
        }
    }

    it("preview fails, before pulumi up would try to set an expired key Active again, and says how to rotate", async () => {
        const msg = await failureOf(withReportedStatus("Expired", EXAMPLE_KEY));
        assert.match(
            msg,
            /bedrock-bridge:apiKeys "exploration" has expired .*add a key under a new name \(e\.g\. \{name: exploration-2, expiryDays: 30\}\).*set status: Expired for it/,
        );
    });

    it("status: Expired leaves the key's status to AWS and warns until the entry is removed", async () => {
        const { run: r, warnings } = await withReportedStatus("Expired", {
            "bedrock-bridge:apiKeys": [
                { name: "exploration", expiryDays: 30, status: "Expired" },
                { name: "exploration-2", expiryDays: 30 },
            ],
        });
        const [old, fresh] = byType(r, KEY);
        assert.equal(old.inputs.status, "Inactive", "never asks AWS to set Expired (read-only) or Active");
        assert.equal(fresh.inputs.status, "Active");
        assert.deepEqual(
            r.outputs.apiKeys.map((k: any) => [k.name, k.status]),
            [
                ["exploration", "Expired"],
                ["exploration-2", "Active"],
            ],
        );
        assert.equal(warnings.filter(w => /"exploration" has expired/.test(w)).length, 1, warnings.join("\n"));
    });
});

describe("BedrockApiKeys: optional deny of long-term keys", () => {
    let run: StackRun;
    before(async () => {
        run = await runBedrock({ ...EXAMPLE_KEY, "bedrock-bridge:denyLongTermBearerTokens": "true" });
    });

    it("creates a managed deny policy to attach to principals, attached to the execution role too", () => {
        const p = byType(run, "aws:iam/policy:Policy").find(x => x.name === "api-keys-deny-long-term")!;
        assert.deepEqual(json(p.inputs.policy).Statement, [
            {
                Sid: "DenyLongTermBedrockApiKeys",
                Effect: "Deny",
                Action: "bedrock:CallWithBearerToken",
                Resource: "*",
                Condition: { StringEquals: { "bedrock:bearerTokenType": "LONG_TERM" } },
            },
            {
                Sid: "DenyLongTermBedrockMantleApiKeys",
                Effect: "Deny",
                Action: "bedrock-mantle:CallWithBearerToken",
                Resource: "*",
                Condition: { StringEquals: { "bedrock-mantle:bearerTokenType": "LONG_TERM" } },
            },
            {
                Sid: "DenyCreatingBedrockApiKeys",
                Effect: "Deny",
                Action: "iam:CreateServiceSpecificCredential",
                Resource: "*",
                Condition: { StringEquals: { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com" } },
            },
        ]);
        assert.equal(run.outputs.denyLongTermKeysPolicyArn, p.state.arn);
        assert.equal(
            one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "api-keys-deny-long-term").inputs.role,
            ROLE_NAME,
        );
    });

    it("exports the organisation-wide SCP, exempting exactly the declared key users", () => {
        const scp = json(run.outputs.denyLongTermKeysScp);
        assert.deepEqual(scp.Statement[0].Condition.ArnNotLike, { "aws:PrincipalArn": [KEY_USER] });
        assert.deepEqual(scp.Statement[1].Condition.ArnNotLike, { "aws:PrincipalArn": [KEY_USER] });
        assert.deepEqual(scp.Statement[2].NotResource, [KEY_USER]);
    });
});

describe("BedrockApiKeys: IAM matrix (iam-simulate)", () => {
    let run: StackRun;
    let keyPolicy: any;
    let denyPolicy: any;
    let scp: any;
    before(async () => {
        run = await runBedrock({ ...EXAMPLE_KEY, "bedrock-bridge:denyLongTermBearerTokens": "true" });
        keyPolicy = json(one(run, "aws:iam/userPolicy:UserPolicy").inputs.policy);
        denyPolicy = json(
            byType(run, "aws:iam/policy:Policy").find(x => x.name === "api-keys-deny-long-term")!.inputs.policy,
        );
        scp = json(run.outputs.denyLongTermKeysScp);
    });

    const asKeyUser = (action: string, resource: string, context: Record<string, string> = {}) =>
        decide({
            principal: KEY_USER,
            principalArn: KEY_USER,
            action,
            resource,
            resourceAccount: ACCOUNT,
            identityPolicies: [keyPolicy],
            context,
        });
    const bearer = (type: string) => ({ "bedrock:bearerTokenType": type });

    it("a key user may invoke each allowed profile and its destination models through it", async () => {
        for (const action of ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]) {
            assert.equal(await asKeyUser(action, profileArn(JP)), "Allowed");
            assert.equal(await asKeyUser(action, profileArn(APAC)), "Allowed");
            assert.equal(
                await asKeyUser(action, fmArn("ap-northeast-3", "anthropic.claude-sonnet-4-5-20250929-v1:0"), {
                    "bedrock:InferenceProfileArn": profileArn(JP),
                }),
                "Allowed",
            );
        }
        assert.equal(await asKeyUser("bedrock:CallWithBearerToken", "*", bearer("LONG_TERM")), "Allowed");
    });

    it("and nothing else", async () => {
        const denied: [string, string, Record<string, string>?][] = [
            ["bedrock:InvokeModel", fmArn(REGION, "anthropic.claude-sonnet-4-5-20250929-v1:0")],
            ["bedrock:InvokeModel", fmArn(REGION, "anthropic.claude-3-haiku-20240307-v1:0")],
            ["bedrock:InvokeModel", profileArn("us.anthropic.claude-sonnet-4-5-20250929-v1:0")],
            [
                "bedrock:InvokeModel",
                fmArn("ap-northeast-3", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
                { "bedrock:InferenceProfileArn": profileArn(APAC) },
            ],
            ["bedrock:CreateModelCustomizationJob", fmArn(REGION, "anthropic.claude-sonnet-4-5-20250929-v1:0")],
            ["bedrock:CallWithBearerToken", "*", bearer("SHORT_TERM")],
            ["iam:CreateServiceSpecificCredential", KEY_USER],
            ["s3:GetObject", "arn:aws:s3:::some-bucket/key"],
            ["aws-marketplace:Subscribe", "*"],
        ];
        for (const [action, resource, context] of denied) {
            assert.equal(await asKeyUser(action, resource, context), "ImplicitlyDenied", `${action} on ${resource}`);
        }
    });

    it("with the deny attached, long-term bearer calls are denied and short-term ones are not", async () => {
        const alice = `arn:aws:iam::${ACCOUNT}:user/alice`;
        const asAlice = (action: string, resource: string, context: Record<string, string> = {}) =>
            decide({
                principal: alice,
                principalArn: alice,
                action,
                resource,
                resourceAccount: ACCOUNT,
                identityPolicies: [allowAll, denyPolicy],
                context,
            });
        assert.equal(await asAlice("bedrock:CallWithBearerToken", "*", bearer("LONG_TERM")), "ExplicitlyDenied");
        assert.equal(await asAlice("bedrock:CallWithBearerToken", "*", bearer("SHORT_TERM")), "Allowed");
        assert.equal(
            await asAlice("bedrock-mantle:CallWithBearerToken", "*", { "bedrock-mantle:bearerTokenType": "LONG_TERM" }),
            "ExplicitlyDenied",
        );
        assert.equal(await asAlice("bedrock:InvokeModel", profileArn(JP)), "Allowed", "SigV4 calls are untouched");
        assert.equal(
            await asAlice("iam:CreateServiceSpecificCredential", alice, {
                "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com",
            }),
            "ExplicitlyDenied",
        );
        assert.equal(
            await asAlice("iam:CreateServiceSpecificCredential", alice, {
                "iam:ServiceSpecificCredentialServiceName": "codecommit.amazonaws.com",
            }),
            "Allowed",
        );
    });

    it("the execution role's sessions may be short-term keys only", async () => {
        const role = one(run, "aws:iam/role:Role").state.arn;
        const session = `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/bb-token-alice`;
        const policies = [
            json(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy),
            json(byType(run, "aws:iam/policy:Policy").find(x => x.name === "api-keys-short-term")!.inputs.policy),
            denyPolicy,
        ];
        const asRole = (type: string) =>
            decide({
                principal: session,
                principalArn: role,
                action: "bedrock:CallWithBearerToken",
                resource: "*",
                resourceAccount: ACCOUNT,
                identityPolicies: policies,
                context: bearer(type),
            });
        assert.equal(await asRole("SHORT_TERM"), "Allowed");
        assert.equal(await asRole("LONG_TERM"), "ExplicitlyDenied");
    });

    it("the exported SCP denies long-term keys to everyone but the declared key users", async () => {
        const underScp = async (
            principal: string,
            action: string,
            resource: string,
            context: Record<string, string>,
        ) => {
            const r: any = await runSimulation(
                {
                    identityPolicies: [{ name: "admin", policy: allowAll }],
                    serviceControlPolicies: [
                        {
                            orgIdentifier: "ou-test",
                            policies: [
                                { name: "FullAWSAccess", policy: allowAll },
                                { name: "deny-long-term", policy: scp },
                            ],
                        },
                    ],
                    resourceControlPolicies: [],
                    request: {
                        principal,
                        action,
                        resource: { resource, accountId: ACCOUNT },
                        contextVariables: { "aws:PrincipalArn": principal, ...context },
                    },
                },
                {},
            );
            if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
            return r.overallResult;
        };
        const consoleUser = `arn:aws:iam::${ACCOUNT}:user/BedrockAPIKey-n158`;
        assert.equal(
            await underScp(consoleUser, "bedrock:CallWithBearerToken", "*", bearer("LONG_TERM")),
            "ExplicitlyDenied",
        );
        assert.equal(await underScp(consoleUser, "bedrock:CallWithBearerToken", "*", bearer("SHORT_TERM")), "Allowed");
        assert.equal(await underScp(KEY_USER, "bedrock:CallWithBearerToken", "*", bearer("LONG_TERM")), "Allowed");
        const deployer = `arn:aws:iam::${ACCOUNT}:role/deployer`;
        const create = { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com" };
        assert.equal(await underScp(deployer, "iam:CreateServiceSpecificCredential", KEY_USER, create), "Allowed");
        assert.equal(
            await underScp(deployer, "iam:CreateServiceSpecificCredential", consoleUser, create),
            "ExplicitlyDenied",
        );
    });
});

describe("BedrockAuditTrail (bedrock-bridge:auditTrail)", () => {
    it("is off unless asked for", async () => {
        const r = await runBedrock();
        assert.equal(byType(r, "aws:cloudtrail/trail:Trail").length, 0);
    });

    it("records every management event (Bedrock Runtime calls are read-only ones) into a private bucket with a retention", async () => {
        const r = await runBedrock({ "bedrock-bridge:auditTrail": { retentionDays: 400 } });
        const trail = one(r, "aws:cloudtrail/trail:Trail");
        const bucket = one(r, "aws:s3/bucket:Bucket");
        assert.equal(trail.inputs.s3BucketName, bucket.id);
        assert.equal(trail.inputs.isMultiRegionTrail, true);
        assert.equal(trail.inputs.enableLogFileValidation, true);
        assert.deepEqual(trail.inputs.eventSelectors, [{ readWriteType: "All", includeManagementEvents: true }]);
        const block = one(r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
        assert.deepEqual(
            [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
            [true, true, true, true],
        );
        const rule = one(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules[0];
        assert.equal(rule.expiration.days, 400);
        assert.equal(
            one(r, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership,
            "BucketOwnerEnforced",
        );
        const policy = json(one(r, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
        const write = policy.Statement.find((s: any) => s.Sid === "CloudTrailWrite");
        assert.equal(write.Condition.StringEquals["aws:SourceArn"], trail.state.arn, "only this trail may write");
        assert.equal(write.Resource, `${bucket.state.arn}/AWSLogs/${ACCOUNT}/*`);
        assert.equal(r.outputs.auditTrailArn, trail.state.arn);
    });
});

describe("Bedrock API keys and the policy pack", () => {
    const violations = (r: StackRun) =>
        checkAll(
            r.resources.map(x => ({ type: x.type, name: x.name, urn: x.urn, props: x.inputs })),
            { accountId: ACCOUNT },
        );

    it("keys, deny, short-term permission and audit trail pass every rule", async () => {
        const r = await runBedrock({
            "bedrock-bridge:denyLongTermBearerTokens": "true",
            "bedrock-bridge:auditTrail": "true",
            "bedrock-bridge:apiKeys": [
                { name: "a", expiryDays: 30, managedPolicy: true, allModels: true, marketplace: true },
            ],
        });
        assert.deepEqual(violations(r), []);
    });

    it("managedPolicy (every model) is flagged by the pack unless the key says allModels: true", async () => {
        const r = await runBedrock({
            "bedrock-bridge:apiKeys": [{ name: "a", expiryDays: 30, managedPolicy: true }],
        });
        assert.deepEqual(
            violations(r).map(v => v.rule),
            ["bedrock-managed-policy-accepted"],
        );
        const user = one(r, "aws:iam/user:User");
        assert.equal(user.inputs.tags["bedrock-bridge:all-models"], undefined);
        const ok = await runBedrock({
            "bedrock-bridge:apiKeys": [{ name: "a", expiryDays: 30, managedPolicy: true, allModels: true }],
        });
        assert.equal(one(ok, "aws:iam/user:User").inputs.tags["bedrock-bridge:all-models"], "accepted");
        assert.deepEqual(violations(ok), []);
    });

    it("a key that never expires is what the pack's expiry rule stops", async () => {
        const { run: r } = await withWarnings({ "bedrock-bridge:apiKeys": [{ name: "forever", never: true }] });
        assert.deepEqual(
            violations(r).map(v => v.rule),
            ["bedrock-api-key-expires"],
        );
    });
});

describe("Bedrock API key config errors name the key", () => {
    const keys = (k: unknown) => ({ "bedrock-bridge:apiKeys": k });
    const cases: [string, Record<string, unknown>, RegExp][] = [
        [
            "expiry 0 days",
            keys([{ name: "a", expiryDays: 0 }]),
            /bedrock-bridge:apiKeys "a"\.expiryDays must be a whole number from 1 to 36600 \(got 0\)/,
        ],
        [
            "expiry above 36600 days",
            keys([{ name: "a", expiryDays: 36601 }]),
            /expiryDays must be a whole number from 1 to 36600 \(got 36601\)/,
        ],
        [
            "expiry as text",
            keys([{ name: "a", expiryDays: "30" }]),
            /expiryDays must be a whole number from 1 to 36600 \(got "30"\)/,
        ],
        ["no expiry", keys([{ name: "a" }]), /bedrock-bridge:apiKeys "a"\.expiryDays is required .*never: true/],
        [
            "allModels without managedPolicy",
            keys([{ name: "a", expiryDays: 30, allModels: true }]),
            /bedrock-bridge:apiKeys "a"\.allModels accepts what managedPolicy: true grants/,
        ],
        ["expiry and never", keys([{ name: "a", expiryDays: 3, never: true }]), /sets both expiryDays and never/],
        [
            "unknown status",
            keys([{ name: "a", expiryDays: 3, status: "Disabled" }]),
            /bedrock-bridge:apiKeys "a"\.status must be Active, Inactive or Expired \(got "Disabled"\)/,
        ],
        [
            "unknown field",
            keys([{ name: "a", expiryDays: 3, expiry: 3 }]),
            /bedrock-bridge:apiKeys "a" has unknown fields expiry/,
        ],
        [
            "bad name",
            keys([{ name: "has space", expiryDays: 3 }]),
            /bedrock-bridge:apiKeys\[0\]\.name must be 1\.\.50 characters/,
        ],
        [
            "duplicate name",
            keys([
                { name: "a", expiryDays: 3 },
                { name: "a", expiryDays: 4 },
            ]),
            /bedrock-bridge:apiKeys names "a" more than once/,
        ],
        ["not a list", keys({ name: "a" }), /bedrock-bridge:apiKeys must be a list/],
        [
            "deny as text",
            { "bedrock-bridge:denyLongTermBearerTokens": "yes" },
            /bedrock-bridge:denyLongTermBearerTokens must be true or false/,
        ],
        [
            "audit retention",
            { "bedrock-bridge:auditTrail": { retentionDays: 0 } },
            /bedrock-bridge:auditTrail\.retentionDays must be a whole number from 1 to 3653 \(got 0\)/,
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(what, async () => assert.match(await failureOf(runBedrock(overrides as any)), expected));
    }
});
