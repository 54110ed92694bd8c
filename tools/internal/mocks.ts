// Pulumi mocks shared by `npm run synth` and the tests: mocked state shaped like real AWS (ARNs and ids built
// from the stack's account and region), data sources answered from fixtures, stack references from other plans.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface MockContext {
    project: string;
    stack: string;
    accountId: string;
    region: string;
    /** Outputs of referenced stacks by stack name (its last path segment also matches). */
    stackOutputs: (name: string) => Record<string, unknown>;
}

export interface ResourceRecord {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Input property paths the program marked secret (their values are still shown in `inputs`). */
    secretInputs: string[];
    id: string;
    state: Record<string, any>;
}

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8"));
const profiles = fixture("inference-profiles.json");
const foundationModels = fixture("foundation-models.json");

/**
 * A geographic profile answers the same from each of its source regions, which are its destination regions (jp.:
 * ap-northeast-1 and ap-northeast-3), so one fixture entry serves them all; the ARN names the asking region.
 */
function profileAnswer(id: string, region: string): any {
    if (profiles[region]?.[id]) return profiles[region][id];
    for (const [r, byId] of Object.entries<any>(profiles)) {
        const p = r.startsWith("_") ? undefined : byId[id];
        if (p && p.models.some((m: any) => m.modelArn.split(":")[3] === region)) return p;
    }
    return undefined;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces Pulumi's secret wrappers by their values and lists where they were. */
export function unwrapSecrets(value: any, at = "", found: string[] = []): any {
    if (value && typeof value === "object" && value[SIG_KEY] === SECRET_SIG) {
        found.push(at || "(root)");
        return unwrapSecrets(value.value, at, []);
    }
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, found));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, at ? `${at}.${k}` : k, found);
        return out;
    }
    return value;
}

function hex(seed: string, n: number): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, n);
}

function alnum(seed: string, n: number, upper = false): string {
    const abc = upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" : "abcdefghijklmnopqrstuvwxyz0123456789";
    const bytes = crypto.createHash("sha256").update(seed).digest();
    return Array.from(bytes.subarray(0, n), b => abc[b % abc.length]).join("");
}

/** Physical name the way Pulumi auto-names: logical name plus a random-looking suffix. */
function physicalName(inputs: any, name: string, seed: string): string {
    return inputs.name ?? `${name}-${hex(seed, 7)}`;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    records: ResourceRecord[] = [];
    calls: { token: string; args: any }[] = [];
    /** Messages of failed data-source calls (the runtime drops them from the error it raises). */
    callErrors: string[] = [];

    constructor(public ctx: MockContext) {}

    reset(ctx: MockContext): void {
        this.ctx = ctx;
        this.records = [];
        this.calls = [];
        this.callErrors = [];
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const { accountId: acct, region } = this.ctx;
        const secretInputs: string[] = [];
        const inputs = unwrapSecrets(args.inputs ?? {}, "", secretInputs);
        const seed = `${this.ctx.stack}/${args.type}/${args.name}`;
        let id = `${args.name}-${hex(seed, 8)}`;
        let state: Record<string, any> = { ...inputs };

        if (args.type === "pulumi:pulumi:StackReference") {
            const outputs = this.ctx.stackOutputs(inputs.name);
            id = inputs.name;
            state = { name: inputs.name, outputs, secretOutputNames: [] };
        } else
            switch (args.type) {
                case "aws:iam/role:Role": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    state = {
                        ...state,
                        name,
                        arn: `arn:aws:iam::${acct}:role${inputs.path ?? "/"}${name}`,
                        uniqueId: `AROA${alnum(seed, 17, true)}`,
                    };
                    break;
                }
                case "aws:iam/user:User": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    state = {
                        ...state,
                        name,
                        arn: `arn:aws:iam::${acct}:user${inputs.path ?? "/"}${name}`,
                        uniqueId: `AIDA${alnum(seed, 17, true)}`,
                    };
                    break;
                }
                case "aws:iam/policy:Policy": {
                    const name = physicalName(inputs, args.name, seed);
                    id = `arn:aws:iam::${acct}:policy${inputs.path ?? "/"}${name}`;
                    state = { ...state, name, arn: id, policyId: `ANPA${alnum(seed, 17, true)}` };
                    break;
                }
                case "aws:iam/rolePolicy:RolePolicy":
                    id = `${inputs.role}:${inputs.name ?? args.name}`;
                    break;
                case "aws:iam/userPolicy:UserPolicy":
                    id = `${inputs.user}:${inputs.name ?? args.name}`;
                    break;
                case "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": {
                    const credId = `ACCA${alnum(seed, 17, true)}`;
                    id = `${inputs.serviceName}:${inputs.userName}:${credId}`;
                    // Bedrock API keys come back as alias + secret (ABSK + base64 of "<alias>:<secret>"); other services
                    // (CodeCommit, Keyspaces) as user name + password.
                    const bedrockKey = inputs.serviceName === "bedrock.amazonaws.com";
                    const alias = `${inputs.userName}-at-${acct}`;
                    state = {
                        ...state,
                        serviceSpecificCredentialId: credId,
                        serviceUserName: bedrockKey ? "" : alias,
                        servicePassword: bedrockKey ? "" : `mock-${hex(seed, 16)}`,
                        serviceCredentialAlias: bedrockKey ? alias : "",
                        serviceCredentialSecret: bedrockKey
                            ? `ABSK${Buffer.from(`${alias}:mock-${hex(seed, 16)}`).toString("base64")}`
                            : "",
                        status: inputs.status ?? "Active",
                        createDate: "2026-01-01T00:00:00Z",
                        expirationDate: inputs.credentialAgeDays
                            ? new Date(Date.UTC(2026, 0, 1) + inputs.credentialAgeDays * 86400000).toISOString()
                            : undefined,
                    };
                    break;
                }
                case "aws:cloudwatch/logGroup:LogGroup": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    state = { ...state, name, arn: `arn:aws:logs:${region}:${acct}:log-group:${name}` };
                    break;
                }
                case "aws:lambda/function:Function": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    const arn = `arn:aws:lambda:${region}:${acct}:function:${name}`;
                    state = {
                        ...state,
                        name,
                        arn,
                        qualifiedArn: `${arn}:$LATEST`,
                        version: "$LATEST",
                        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
                    };
                    break;
                }
                case "aws:sfn/stateMachine:StateMachine": {
                    const name = physicalName(inputs, args.name, seed);
                    id = `arn:aws:states:${region}:${acct}:stateMachine:${name}`;
                    state = { ...state, name, arn: id };
                    break;
                }
                case "aws:cognito/userPool:UserPool": {
                    id = `${region}_${alnum(seed, 9)}`;
                    state = {
                        ...state,
                        arn: `arn:aws:cognito-idp:${region}:${acct}:userpool/${id}`,
                        endpoint: `cognito-idp.${region}.amazonaws.com/${id}`,
                    };
                    break;
                }
                case "aws:cognito/userPoolClient:UserPoolClient":
                    id = alnum(seed, 26);
                    break;
                case "aws:apigateway/restApi:RestApi":
                    id = alnum(seed, 10);
                    state = {
                        ...state,
                        rootResourceId: alnum(seed + "root", 10),
                        arn: `arn:aws:apigateway:${region}::/restapis/${id}`,
                        executionArn: `arn:aws:execute-api:${region}:${acct}:${id}`,
                    };
                    break;
                case "aws:apigateway/stage:Stage": {
                    const api = inputs.restApi;
                    id = `ags-${api}-${inputs.stageName}`;
                    state = {
                        ...state,
                        invokeUrl: `https://${api}.execute-api.${region}.amazonaws.com/${inputs.stageName}`,
                        executionArn: `arn:aws:execute-api:${region}:${acct}:${api}/${inputs.stageName}`,
                        arn: `arn:aws:apigateway:${region}::/restapis/${api}/stages/${inputs.stageName}`,
                    };
                    break;
                }
                case "aws:appsync/api:Api": {
                    const apiId = alnum(seed, 26);
                    id = apiId;
                    state = {
                        ...state,
                        apiId,
                        apiArn: `arn:aws:appsync:${region}:${acct}:apis/${apiId}`,
                        dns: {
                            HTTP: `${apiId}.appsync-api.${region}.amazonaws.com`,
                            REALTIME: `${apiId}.appsync-realtime-api.${region}.amazonaws.com`,
                        },
                    };
                    break;
                }
                case "aws:appsync/channelNamespace:ChannelNamespace":
                    id = `${inputs.apiId},${inputs.name}`;
                    state = {
                        ...state,
                        channelNamespaceArn: `arn:aws:appsync:${region}:${acct}:apis/${inputs.apiId}/channelNamespace/${inputs.name}`,
                    };
                    break;
                case "aws:cloudtrail/trail:Trail": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    state = { ...state, name, arn: `arn:aws:cloudtrail:${region}:${acct}:trail/${name}` };
                    break;
                }
                case "aws:s3/bucketV2:BucketV2":
                case "aws:s3/bucket:Bucket": {
                    const bucket = inputs.bucket ?? `${args.name}-${hex(seed, 7)}`;
                    id = bucket;
                    state = { ...state, bucket, arn: `arn:aws:s3:::${bucket}` };
                    break;
                }
                case "aws:bedrock/inferenceProfile:InferenceProfile": {
                    // Application inference profiles get a generated id; the ARN names it, not the profile's name.
                    id = alnum(seed, 12);
                    state = {
                        ...state,
                        arn: `arn:aws:bedrock:${region}:${acct}:application-inference-profile/${id}`,
                        type: "APPLICATION",
                        status: "ACTIVE",
                    };
                    break;
                }
                case "aws:bedrock/guardrail:Guardrail": {
                    const guardrailId = alnum(seed, 12);
                    const guardrailArn = `arn:aws:bedrock:${region}:${acct}:guardrail/${guardrailId}`;
                    id = `${guardrailId},DRAFT`;
                    state = { ...state, guardrailId, guardrailArn, version: "DRAFT", status: "READY" };
                    break;
                }
                case "aws:bedrock/guardrailVersion:GuardrailVersion":
                    id = `${inputs.guardrailArn},1`;
                    state = { ...state, version: "1" };
                    break;
                case "aws:budgets/budget:Budget": {
                    const name = physicalName(inputs, args.name, seed);
                    id = `${inputs.accountId ?? acct}:${name}`;
                    state = { ...state, name, arn: `arn:aws:budgets::${inputs.accountId ?? acct}:budget/${name}` };
                    break;
                }
                case "aws:budgets/budgetAction:BudgetAction": {
                    const actionId = `${hex(seed, 8)}-${hex(seed + "a", 4)}-${hex(seed + "b", 4)}-${hex(seed + "c", 4)}-${hex(seed + "d", 12)}`;
                    id = `${inputs.accountId ?? acct}:${actionId}:${inputs.budgetName}`;
                    state = {
                        ...state,
                        actionId,
                        arn: `arn:aws:budgets::${inputs.accountId ?? acct}:budget/${inputs.budgetName}/action/${actionId}`,
                        status: "STANDBY",
                    };
                    break;
                }
                default:
                    // Any other resource still gets an ARN-shaped value in this account and region.
                    state = {
                        ...state,
                        arn:
                            state.arn ??
                            `arn:aws:${args.type.split(":")[1].split("/")[0]}:${region}:${acct}:${args.name}`,
                    };
            }
        this.records.push({ type: args.type, name: args.name, inputs, secretInputs, id, state });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        try {
            return this.answer(args);
        } catch (e) {
            this.callErrors.push(String((e as Error).message));
            throw e;
        }
    }

    private answer(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.calls.push({ token: args.token, args: args.inputs });
        const { accountId, region } = this.ctx;
        switch (args.token) {
            case "aws:bedrock/getInferenceProfile:getInferenceProfile": {
                const r = args.inputs.region ?? region;
                const id = args.inputs.inferenceProfileId;
                const p = profileAnswer(id, r);
                // As AWS answers an id it does not know (the fixture lists what `aws bedrock get-inference-profile` finds).
                if (!p) throw new Error(`ResourceNotFoundException: inference profile ${id} not found in ${r}`);
                return {
                    ...p,
                    inferenceProfileId: id,
                    inferenceProfileArn: `arn:aws:bedrock:${r}:${accountId}:inference-profile/${id}`,
                    region: r,
                    createdAt: "2025-09-29T00:00:00Z",
                    updatedAt: "2025-09-29T00:00:00Z",
                    description: p.inferenceProfileName,
                };
            }
            case "aws:bedrockfoundation/getModel:getModel": {
                const r = args.inputs.region ?? region;
                const id = args.inputs.modelId;
                const m = foundationModels[r]?.[id];
                if (!m)
                    throw new Error(`ValidationException: The provided model identifier is invalid (${id} in ${r})`);
                const { inferenceTypesSupported: _, ...fields } = m;
                return {
                    ...fields,
                    id,
                    modelId: id,
                    modelArn: `arn:aws:bedrock:${r}::foundation-model/${id}`,
                    region: r,
                    inputModalities: ["TEXT"],
                    outputModalities: ["TEXT"],
                    responseStreamingSupported: true,
                    customizationsSupporteds: [],
                    inferenceTypesSupporteds: m.inferenceTypesSupported,
                };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:aws:iam::${accountId}:user/deployer`, userId: "AIDAMOCK", id: accountId };
            case "aws:index/getRegion:getRegion":
                return {
                    name: region,
                    region,
                    id: region,
                    endpoint: `ec2.${region}.amazonaws.com`,
                    description: region,
                };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            default:
                throw new Error(`no mock for data source ${args.token}: answer it in tools/internal/mocks.ts`);
        }
    }
}
