// Pulumi mocks shared by `npm run synth` and the tests: mocked state shaped like real AWS (ARNs and ids built
// from the stack's account and region), Bedrock data sources answered from the offline catalog, stack references
// from other plans.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { loadCatalog, lookupModel, lookupProfile } from "./catalog";

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

// Data sources about Bedrock answer from the offline catalog of every model and system profile per Region
// (tools/internal/catalog.ts), as `aws bedrock get-foundation-model` / `get-inference-profile` would.
const partitionFor = (region: string) => (region.startsWith("us-gov-") ? "aws-us-gov" : "aws");
const modelArn = (region: string, id: string) =>
    `arn:${partitionFor(region)}:bedrock:${region}::foundation-model/${id}`;

/** Why an id is not in the offline catalog is no error offline: preview asks AWS. Said once per id and Region. */
function notInCatalog(warned: Set<string>, kind: string, id: string, region: string): void {
    const key = `${kind}:${id}@${region}`;
    if (warned.has(key)) return;
    warned.add(key);
    void pulumi.log.warn(
        `bedrock-bridge:models: ${kind} "${id}" is not in the offline catalog of ${loadCatalog().generated}; \`pulumi preview\` checks it against AWS (npm run catalog refreshes the catalog)`,
    );
}

/**
 * The profile as GetInferenceProfile answers it from `region`: its destination Regions' model ARNs; a global
 * profile answers the asking Region's model and the Region-less ARN that stands for every commercial Region.
 */
export function profileAnswer(
    id: string,
    region: string,
    warned = new Set<string>(),
): { inferenceProfileName: string; models: { modelArn: string }[] } {
    const catalog = loadCatalog();
    const found = lookupProfile(catalog, id, region);
    const prefix = id.split(".")[0];
    const modelId = id.slice(prefix.length + 1);
    const routes = (p: { modelId: string; destinationRegions: string[]; anyCommercialRegion?: boolean }) =>
        p.anyCommercialRegion
            ? [modelArn(region, p.modelId), `arn:${partitionFor(region)}:bedrock:::foundation-model/${p.modelId}`]
            : p.destinationRegions.map(r => modelArn(r, p.modelId));
    switch (found.kind) {
        case "found":
            return {
                inferenceProfileName: found.entry.inferenceProfileName,
                models: routes(found.entry).map(modelArn => ({ modelArn })),
            };
        case "elsewhere":
            throw new Error(
                `ResourceNotFoundException: inference profile ${id} not found in ${region} (the offline catalog of ${catalog.generated} offers it from ${found.regions.join(", ")})`,
            );
        case "nearMiss":
            throw new Error(
                `ResourceNotFoundException: inference profile ${id} not found in ${region}; did you mean ${found.suggestion}?`,
            );
        case "unknown": {
            // A geography's prefix routes only from its own Regions (jp. from Japan): the catalog knows them.
            const samePrefix = Object.entries(catalog.inferenceProfiles)
                .filter(([known]) => known.startsWith(`${prefix}.`))
                .map(([, p]) => p);
            const fromHere = samePrefix.filter(p => p.sourceRegions.includes(region));
            if (prefix !== "global" && samePrefix.length && !fromHere.length)
                throw new Error(
                    `ResourceNotFoundException: inference profile ${id} not found in ${region} (no ${prefix}. profile of the offline catalog of ${catalog.generated} routes from ${region})`,
                );
            notInCatalog(warned, "inference profile", id, region);
            // Best guess until preview: where this geography's profiles called from here route.
            const destinations = [...new Set(fromHere.flatMap(p => p.destinationRegions))].sort();
            return {
                inferenceProfileName: id,
                models: routes({
                    modelId,
                    destinationRegions: destinations.length ? destinations : [region],
                    anyCommercialRegion: prefix === "global",
                }).map(modelArn => ({ modelArn })),
            };
        }
    }
}

/** The model as GetFoundationModel answers it in `region`; an id the catalog lacks is taken as on-demand. */
export function modelAnswer(
    id: string,
    region: string,
    warned = new Set<string>(),
): { modelName: string; providerName: string; inferenceTypesSupported: string[] } {
    const catalog = loadCatalog();
    const found = lookupModel(catalog, id, region);
    switch (found.kind) {
        case "found":
            return found.entry;
        case "elsewhere":
            throw new Error(
                `ValidationException: The provided model identifier is invalid (${id} in ${region}; the offline catalog of ${catalog.generated} offers it in ${found.regions.join(", ")})`,
            );
        case "nearMiss":
            throw new Error(
                `ValidationException: The provided model identifier is invalid (${id} in ${region}); did you mean ${found.suggestion}?`,
            );
        case "unknown":
            notInCatalog(warned, "model", id, region);
            return { modelName: id, providerName: id.split(".")[0], inferenceTypesSupported: ["ON_DEMAND"] };
    }
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
    /** Data-source calls with what they answered (tools/deployPolicy.ts reads a profile's destination models). */
    calls: { token: string; args: any; result?: Record<string, any> }[] = [];
    /** Messages of failed data-source calls (the runtime drops them from the error it raises). */
    callErrors: string[] = [];
    /** Ids already warned about as missing from the offline catalog in this run. */
    private warned = new Set<string>();

    constructor(public ctx: MockContext) {}

    reset(ctx: MockContext): void {
        this.ctx = ctx;
        this.records = [];
        this.calls = [];
        this.callErrors = [];
        this.warned = new Set();
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
                        // InvokeWithResponseStream's URI (API Gateway developer guide, response streaming with Lambda).
                        responseStreamingInvokeArn: `arn:aws:apigateway:${region}:lambda:path/2021-11-15/functions/${arn}/response-streaming-invocations`,
                    };
                    break;
                }
                case "aws:apigateway/apiKey:ApiKey":
                    // API Gateway generates a 40-character alphanumeric value when none is given.
                    id = alnum(seed, 10);
                    state = {
                        ...state,
                        name: inputs.name ?? physicalName(inputs, args.name, seed),
                        value: inputs.value ?? alnum(`${seed}/value`, 32) + alnum(`${seed}/value2`, 8),
                        arn: `arn:aws:apigateway:${region}::/apikeys/${alnum(seed, 10)}`,
                    };
                    break;
                case "aws:apigateway/usagePlan:UsagePlan":
                    id = alnum(seed, 6);
                    state = { ...state, arn: `arn:aws:apigateway:${region}::/usageplans/${alnum(seed, 6)}` };
                    break;
                case "aws:dynamodb/table:Table": {
                    const name = physicalName(inputs, args.name, seed);
                    id = name;
                    state = { ...state, name, arn: `arn:aws:dynamodb:${region}:${acct}:table/${name}` };
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
                case "aws:bedrock/guardrailVersion:GuardrailVersion": {
                    // Bedrock numbers versions 1, 2, …; a mock run has no history, so a number from the description
                    // (which names the content) stands in: another content, another version.
                    const version = String(1 + (parseInt(hex(String(inputs.description ?? ""), 6), 16) % 997));
                    id = `${inputs.guardrailArn},${version}`;
                    state = { ...state, version };
                    break;
                }
                case "aws:sns/topic:Topic": {
                    // Auto-named like any Pulumi resource (<name>-<7 hex>); the ARN ends in the topic's name.
                    const name = physicalName(inputs, args.name, seed);
                    id = `arn:aws:sns:${region}:${acct}:${name}`;
                    state = { ...state, name, arn: id };
                    break;
                }
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
            const result = this.answer(args);
            this.calls[this.calls.length - 1].result = result;
            return result;
        } catch (e) {
            this.callErrors.push(String((e as Error).message));
            // The runtime rethrows a failed invoke as new Error(err.details), as for the engine's gRPC errors: give
            // the program the reason (say, "did you mean ...") that AWS's answer would carry at preview.
            throw Object.assign(e as Error, { details: String((e as Error).message) });
        }
    }

    private answer(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.calls.push({ token: args.token, args: args.inputs });
        const { accountId, region } = this.ctx;
        switch (args.token) {
            case "aws:bedrock/getInferenceProfile:getInferenceProfile": {
                const r = args.inputs.region ?? region;
                const id = args.inputs.inferenceProfileId;
                const p = profileAnswer(id, r, this.warned);
                return {
                    ...p,
                    status: "ACTIVE",
                    type: "SYSTEM_DEFINED",
                    inferenceProfileId: id,
                    inferenceProfileArn: `arn:${partitionFor(r)}:bedrock:${r}:${accountId}:inference-profile/${id}`,
                    region: r,
                    createdAt: "2025-09-29T00:00:00Z",
                    updatedAt: "2025-09-29T00:00:00Z",
                    description: p.inferenceProfileName,
                };
            }
            case "aws:bedrockfoundation/getModel:getModel": {
                const r = args.inputs.region ?? region;
                const id = args.inputs.modelId;
                const m = modelAnswer(id, r, this.warned);
                const { inferenceTypesSupported: _, ...fields } = m;
                return {
                    ...fields,
                    id,
                    modelId: id,
                    modelArn: modelArn(r, id),
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
