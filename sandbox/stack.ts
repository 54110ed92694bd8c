// The caller side as `pulumi up` would create it, from the example stacks run under the shared mocks: the
// sandbox takes every piece it emulates from these resources instead of restating them.
import { readStackConfig } from "../tools/internal/harness";
import { ResourceRecord } from "../tools/internal/mocks";
import { unpackFunction } from "../emulation/lambdaRunner";
import { byType, one, restApiRoutes, runBedrock, runCaller } from "../emulation/stacks";
import { gatewayOverride, type SandboxGatewayConfig } from "./gateway";

export interface DeployedFunction {
    name: string;
    record: ResourceRecord;
    environment: Record<string, string>;
    timeoutSeconds: number;
}

/** The WorkloadGateway as planned: its two functions and each key's usage plan throttle. */
export interface DeployedGateway {
    fn: DeployedFunction;
    authorizer: DeployedFunction;
    /** Key name -> the throttle of its usage plan (API Gateway's token bucket). */
    throttles: Record<string, { rateLimit: number; burstLimit: number }>;
    /** The stage throttle over every request (its MethodSettings on all methods), before any authorizer runs. */
    stageThrottle: { rateLimit: number; burstLimit: number };
    /** Key name -> the value the mocks gave its API key (the authorizer's packaged hashes are of these). */
    plannedKeyValues: Record<string, string>;
    /** The API's methods as planned: "POST /v1/messages", ... (anything else is API Gateway's 403/404). */
    routes: string[];
    /** The API's gateway responses as planned, by response type (what API Gateway answers itself). */
    responses: Record<string, { statusCode?: string; headers: Record<string, string>; template: string }>;
}

export interface DeployedPieces {
    outputs: Record<string, unknown>;
    /** The request model's schema exactly as the stack's aws.apigateway.Model carries it (JSON text). */
    schema: string;
    /** The integration request template (application/json) as deployed. */
    template: string;
    allowedOrigins: string[];
    /** Access-Control-Allow-Headers / -Methods / -Max-Age of the deployed OPTIONS integration response. */
    preflight: { headers: string; methods: string; maxAge: string };
    throttling: { rateLimit: number; burstLimit: number };
    stageName: string;
    path: string;
    tokenValiditySeconds: number;
    relay: DeployedFunction;
    invoker?: DeployedFunction;
    stateMachine?: unknown;
    gateway: DeployedGateway;
    /** Unpacks the function's code archive (what synth writes) into a fresh temp folder. */
    unpack(fn: DeployedFunction): Promise<string>;
}

const unquote = (v: string) => v.replace(/^'|'$/g, "");

function fn(record: ResourceRecord): DeployedFunction {
    return {
        name: record.state.name ?? record.name,
        record,
        environment: { ...(record.inputs.environment?.variables ?? {}) },
        timeoutSeconds: record.inputs.timeout ?? 3,
    };
}

/** The sandbox's page origin stands in for any port when the stack runs (the origin list is the sandbox's own). */
const SANDBOX_ORIGIN = "https://127.0.0.1";

let memo:
    { key: string; pieces: Promise<Omit<DeployedPieces, "allowedOrigins"> & { configOrigins: string[] }> } | undefined;

/**
 * Runs Pulumi.bedrock.yaml and Pulumi.caller.yaml under mocks (the sandbox's origin added to chat.allowedOrigins)
 * and takes the pieces out. Once per process and stack config: nothing taken here depends on the port, so a
 * second sandbox in the same test run reuses the run; the CORS list is the configured origins plus `sandboxOrigins`.
 */
export async function deployedPieces(
    sandboxOrigins: string[],
    gateway?: SandboxGatewayConfig,
): Promise<DeployedPieces> {
    const key = JSON.stringify([readStackConfig("caller"), readStackConfig("bedrock"), gateway ?? null]);
    if (memo?.key !== key) memo = { key, pieces: runPieces(gateway) };
    const { configOrigins, ...pieces } = await memo.pieces;
    return {
        ...pieces,
        allowedOrigins: [...sandboxOrigins, ...configOrigins.filter(o => !sandboxOrigins.includes(o))],
    };
}

/** The gateway API's methods and gateway responses, as planned. */
function gatewayApi(
    caller: Parameters<typeof byType>[0],
    api: ResourceRecord,
): Pick<DeployedGateway, "routes" | "responses"> {
    const responses = Object.fromEntries(
        byType(caller, "aws:apigateway/response:Response")
            .filter(g => g.inputs.restApiId === api.id)
            .map(g => [
                g.inputs.responseType,
                {
                    statusCode: g.inputs.statusCode,
                    headers: Object.fromEntries(
                        Object.entries((g.inputs.responseParameters ?? {}) as Record<string, string>).map(([k, v]) => [
                            k.replace(/^gatewayresponse\.header\./, ""),
                            unquote(v),
                        ]),
                    ),
                    template: g.inputs.responseTemplates["application/json"],
                },
            ]),
    );
    return { routes: restApiRoutes(caller, api), responses };
}

async function runPieces(
    gateway?: SandboxGatewayConfig,
): Promise<Omit<DeployedPieces, "allowedOrigins"> & { configOrigins: string[] }> {
    const base = readStackConfig("caller").config["bedrock-bridge:chat"];
    const chat = base ? JSON.parse(base) : {};
    const configOrigins: string[] = chat.allowedOrigins ?? [];
    const bedrock = await runBedrock();
    const caller = await runCaller(bedrock, {
        "bedrock-bridge:chat": { ...chat, allowedOrigins: [SANDBOX_ORIGIN, ...configOrigins] },
        // The keys and aliases of SandboxOptions.gateway, or a demo key when the stack file has no gateway.
        ...gatewayOverride(gateway),
    });
    if (!caller.outputs.chatRestEndpoint)
        throw new Error(
            "Pulumi.caller.yaml has no bedrock-bridge:chat (or enabled: false): the sandbox runs the chat backend, set it as the example stack does",
        );
    const r = (type: string, name?: string) => one(caller, type, name);
    const options = r("aws:apigateway/integrationResponse:IntegrationResponse", "chat-options-200").inputs
        .responseParameters;
    const settings = r("aws:apigateway/methodSettings:MethodSettings", "chat-throttling").inputs.settings;
    const client = r("aws:cognito/userPoolClient:UserPoolClient").inputs;
    const unit = client.tokenValidityUnits?.idToken ?? "hours";
    const perUnit: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };
    const invokers = byType(caller, "aws:lambda/function:Function").filter(f => f.name === "invoker");
    const machines = byType(caller, "aws:sfn/stateMachine:StateMachine");
    const gatewayFn = fn(r("aws:lambda/function:Function", "gateway"));
    // One API key per configured key, named gateway-key-<name> (components/gateway/gatewayKeys.ts).
    const apiKeys = byType(caller, "aws:apigateway/apiKey:ApiKey").filter(k => k.name.startsWith("gateway-key-"));
    const keyNames = apiKeys.map(k => k.name.slice("gateway-key-".length));
    const throttles = Object.fromEntries(
        keyNames.map(k => {
            const t = r("aws:apigateway/usagePlan:UsagePlan", `gateway-plan-${k}`).inputs.throttleSettings ?? {};
            return [k, { rateLimit: t.rateLimit, burstLimit: t.burstLimit }];
        }),
    );
    return {
        outputs: caller.outputs,
        schema: r("aws:apigateway/model:Model").inputs.schema,
        template: r("aws:apigateway/integration:Integration", "chat-post-integration").inputs.requestTemplates[
            "application/json"
        ],
        configOrigins,
        preflight: {
            headers: unquote(options["method.response.header.Access-Control-Allow-Headers"]),
            methods: unquote(options["method.response.header.Access-Control-Allow-Methods"]),
            maxAge: unquote(options["method.response.header.Access-Control-Max-Age"]),
        },
        throttling: { rateLimit: settings.throttlingRateLimit, burstLimit: settings.throttlingBurstLimit },
        stageName: r("aws:apigateway/stage:Stage", "chat-stage").inputs.stageName,
        path: r("aws:apigateway/resource:Resource", "chat-resource").inputs.pathPart,
        tokenValiditySeconds: (client.idTokenValidity ?? 1) * (perUnit[unit] ?? 3600),
        relay: fn(r("aws:lambda/function:Function", "chat-relay")),
        invoker: invokers[0] && fn(invokers[0]),
        stateMachine: machines[0] && JSON.parse(machines[0].inputs.definition),
        gateway: {
            fn: gatewayFn,
            authorizer: fn(r("aws:lambda/function:Function", "gateway-authorizer")),
            throttles,
            stageThrottle: (({ throttlingRateLimit, throttlingBurstLimit }) => ({
                rateLimit: throttlingRateLimit,
                burstLimit: throttlingBurstLimit,
            }))(r("aws:apigateway/methodSettings:MethodSettings", "gateway-settings").inputs.settings),
            plannedKeyValues: Object.fromEntries(apiKeys.map((k, i) => [keyNames[i], String(k.state.value)])),
            ...gatewayApi(caller, r("aws:apigateway/restApi:RestApi", "gateway-api")),
        },
        unpack: f => unpackFunction(f.record, `sandbox-${f.record.name}`),
    };
}
