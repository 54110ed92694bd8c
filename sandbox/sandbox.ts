// Assembles the sandbox (see the contract in ./index.ts): the caller stack run under mocks gives every piece
// as deployed (request model, mapping template, CORS, throttling, function packages and environments, state
// machine definition); the emulated services are wired to those pieces on one loopback port.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/internal/harness";
import type { Sandbox, SandboxOptions, SandboxOutputs, SandboxTokens } from "./index";
import { DEMO_USER } from "./index";
import { EventsApi } from "./appsync";
import { serveCognito, UserPool } from "./cognito";
import { FunctionPool, WarmFunction } from "./lambda";
import { answerFor, LocalModel } from "./model";
import { RestApi } from "./rest";
import { DualServer, loadOrCreateCertificate } from "./server";
import { KnownCredentials } from "./sigv4";
import { deployedPieces } from "./stack";
import { startGateway } from "./gateway";
import { runStateMachine } from "./stateMachine";
import { TokenIssuer } from "./tokens";
import { BodyTooLarge, readBody, serveStatic } from "./web";

function randomCredentials(principal: string): KnownCredentials {
    return {
        accessKeyId: `ASIASANDBOX${crypto.randomBytes(5).toString("hex").toUpperCase()}`,
        secretAccessKey: crypto.randomBytes(30).toString("base64"),
        sessionToken: crypto.randomBytes(48).toString("base64"),
        principal,
    };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
    if (opts.bedrock === "aws") checkAwsTarget(opts.awsTarget);
    const verbose = opts.verbose ?? false;
    const log = (line: string) => {
        if (verbose) console.log(line);
    };
    const users = opts.users?.length ? opts.users : [DEMO_USER];
    const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bb-sandbox-"));
    fs.mkdirSync(stateDir, { recursive: true });
    // Stopped in reverse order of start; a temporary state folder goes last.
    const cleanups: (() => Promise<void> | void)[] = [];
    const removeAtStop = (dir: string) => cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    if (!opts.stateDir) removeAtStop(stateDir);
    const tls = await loadOrCreateCertificate(stateDir);

    const server = new DualServer(tls);
    const port = await server.listen(opts.port ?? 0);
    const http = `http://127.0.0.1:${port}`;
    const https = `https://127.0.0.1:${port}`;
    cleanups.push(() => server.close());
    try {
        // The page is served from this origin; http:// requests from the same port are same-origin (no CORS needed).
        const stack = await deployedPieces([https], opts.gateway);
        const region = stack.outputs.region as string;
        const eventsHttp = `${http}/event`;
        const restPath = `/${stack.stageName}/${stack.path}`;

        // Models: the local one by default; real Bedrock through the configured role with --bedrock aws.
        const model =
            opts.bedrock === "aws" ? undefined : await new LocalModel({ delayMs: opts.modelDelayMs ?? 40 }).start();
        if (model) cleanups.push(() => model.stop());
        const relayCreds = randomCredentials("relay role (appsync:EventPublish on the chat namespace)");
        const invokerCreds = randomCredentials("invoker role");
        const gatewayCreds = randomCredentials("gateway role");
        const awsEnv = model
            ? { AWS_ENDPOINT_URL_STS: model.sts.url, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: model.bedrock.url }
            : await realAwsEnvironment([relayCreds, invokerCreds, gatewayCreds], opts.awsTarget);
        const fnEnv = (fn: typeof stack.relay, creds: KnownCredentials, extra: Record<string, string> = {}) => ({
            ...fn.environment,
            AWS_REGION: region,
            AWS_DEFAULT_REGION: region,
            AWS_ACCESS_KEY_ID: creds.accessKeyId,
            AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
            ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
            AWS_LAMBDA_FUNCTION_NAME: fn.name,
            SANDBOX_FUNCTION_TIMEOUT_MS: String(fn.timeoutSeconds * 1000),
            ...awsEnv,
            ...extra,
        });
        const relayDir = await stack.unpack(stack.relay);
        removeAtStop(relayDir);
        const relayEnv = fnEnv(stack.relay, relayCreds, { APPSYNC_HTTP_ENDPOINT: eventsHttp });
        const relay = new FunctionPool(n => new WarmFunction(`relay#${n}`, relayDir, relayEnv, log));
        cleanups.push(() => relay.stop());
        const invokerDir = stack.invoker && (await stack.unpack(stack.invoker));
        if (invokerDir) removeAtStop(invokerDir);
        const invokerEnv = stack.invoker && fnEnv(stack.invoker, invokerCreds);
        const invoker =
            invokerDir && invokerEnv
                ? new FunctionPool(n => new WarmFunction(`invoker#${n}`, invokerDir, invokerEnv, log))
                : undefined;
        if (invoker) cleanups.push(() => invoker.stop());
        await Promise.all([relay.start(), invoker?.start()]);
        // The gateway (sandbox/gateway.ts): the caller functions' Bedrock targets, its own role, the token table.
        // Both functions' packages and environments as the caller stack plans them, as the relay's.
        const [gatewayDir, authorizerDir] = await Promise.all([
            stack.unpack(stack.gateway.fn),
            stack.unpack(stack.gateway.authorizer),
        ]);
        removeAtStop(gatewayDir);
        removeAtStop(authorizerDir);
        const gateway = await startGateway({
            gateway: stack.gateway,
            dir: gatewayDir,
            env: fnEnv(stack.gateway.fn, gatewayCreds),
            authorizerDir,
            // The authorizer calls no AWS API: credentials only because Lambda gives every function its role's.
            authorizerEnv: fnEnv(stack.gateway.authorizer, randomCredentials("gateway authorizer role")),
            region,
            accountId: stack.outputs.accountId as string,
            log,
        });
        cleanups.push(() => gateway.stop());

        const issuer = await new TokenIssuer(
            region,
            stack.outputs.chatUserPoolId as string,
            stack.outputs.chatUserPoolClientId as string,
            stack.tokenValiditySeconds,
        ).init();
        const pool = new UserPool(issuer, users);
        const events = new EventsApi({
            namespace: stack.outputs.chatNamespace as string,
            region,
            httpEndpoint: eventsHttp,
            issuer,
            publishers: [
                relayCreds,
                ...(opts.publishers ?? []).map((c, i) => ({
                    ...c,
                    principal: `publisher ${i + 1} (SandboxOptions.publishers)`,
                })),
            ],
            faults: { redeliver: (opts.faults ?? []).includes("redeliver") },
            log,
        });
        cleanups.push(() => events.close());
        const rest = new RestApi({
            schema: stack.schema,
            template: stack.template,
            allowedOrigins: stack.allowedOrigins,
            preflight: stack.preflight,
            throttling: stack.throttling,
            issuer,
            log,
            invoke: (event, requestId) =>
                void relay.invoke(event, requestId).then(r => {
                    if (!r.ok) log(`relay: ${requestId} failed: ${r.errorType}: ${r.errorMessage}`);
                }),
        });

        const outputsFor = (base: string): SandboxOutputs => ({
            ...stack.outputs,
            side: "caller",
            region,
            accountId: stack.outputs.accountId as string,
            defaultModelId: stack.outputs.defaultModelId as string,
            chatRestEndpoint: `${base}${restPath}`,
            chatEventsHttpEndpoint: `${base}/event`,
            // What Amplify's events client derives from the HTTP endpoint (AWSWebSocketProvider/appsyncUrl.js).
            chatEventsRealtimeEndpoint: `wss://127.0.0.1:${port}/event/realtime`,
            chatNamespace: stack.outputs.chatNamespace as string,
            chatUserPoolId: stack.outputs.chatUserPoolId as string,
            chatUserPoolClientId: stack.outputs.chatUserPoolClientId as string,
            chatRelayFunctionName: stack.outputs.chatRelayFunctionName as string,
            cognitoEndpoint: `${base}/cognito/`,
            pageUrl: `${https}/`,
            invokeUrl: `${base}/_sandbox/invoke`,
            gatewayUrl: `${base}/gateway/v1`,
            gatewayKeys: gateway.keys,
            tokenUrl: `${base}/_sandbox/token`,
            caCertFile: tls.certFile,
            sandbox: true,
        });
        const outputs = outputsFor(http);
        fs.writeFileSync(path.join(stateDir, "outputs.json"), JSON.stringify(outputs, null, 2) + "\n");

        const webDist = opts.webDist ?? path.join(ROOT, "web", "dist");
        const demoHint = users.some(u => u.email === DEMO_USER.email && u.password === DEMO_USER.password)
            ? { demoUser: { ...DEMO_USER } }
            : {};
        server.onRequest = async (req, res, secure) => {
            const url = new URL(req.url ?? "/", http);
            const json = (status: number, v: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { "content-type": "application/json", ...headers });
                res.end(JSON.stringify(v));
            };
            let body: string;
            try {
                body = await readBody(req);
            } catch (e) {
                if (!(e instanceof BodyTooLarge)) throw e;
                if (url.pathname === restPath) return rest.tooLarge(res);
                if (url.pathname.startsWith("/gateway/")) return gateway.tooLarge(res);
                return json(413, { message: `the request body is over ${e.limit} bytes` });
            }
            if (url.pathname === restPath) return rest.handle(req, res, body);
            if (url.pathname.startsWith("/gateway/"))
                return gateway.handle(req, res, body, url.pathname.slice("/gateway".length));
            if (url.pathname === "/event" && req.method === "POST") return events.httpPublish(req, res, body);
            if (url.pathname === "/cognito/" || url.pathname === "/cognito") {
                // Cognito's endpoint answers CORS for any origin (the page may be served elsewhere).
                const cors = {
                    "access-control-allow-origin": "*",
                    "access-control-allow-headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
                    "access-control-allow-methods": "POST",
                };
                if (req.method === "OPTIONS") {
                    res.writeHead(204, cors);
                    return res.end();
                }
                for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
                return serveCognito(pool, req, res, body);
            }
            if (url.pathname === `/${issuer.poolId}/.well-known/jwks.json`) return json(200, issuer.jwks);
            if (url.pathname === "/_sandbox/token" && req.method === "POST") {
                let email = "";
                try {
                    email = JSON.parse(body || "{}").email ?? "";
                } catch {
                    /* answered below */
                }
                if (!email) return json(400, { message: 'POST {"email": "<a sandbox user>"}' });
                try {
                    return json(200, await pool.tokensFor(email));
                } catch (e) {
                    return json(404, { message: (e as Error).message });
                }
            }
            if (url.pathname === "/_sandbox/invoke" && req.method === "POST") {
                let input: unknown;
                try {
                    input = JSON.parse(body || "{}");
                } catch {
                    return json(400, { message: "the body is not JSON" });
                }
                if (url.searchParams.has("stateMachine")) {
                    if (!stack.stateMachine)
                        return json(404, {
                            message: "bedrock-bridge:stepFunctions is not enabled on the caller stack",
                        });
                    // The definition names the example stack's role ARNs: it runs against the local model only.
                    if (!model)
                        return json(501, {
                            message: "the state machine runs against the local model only (not with --bedrock aws)",
                        });
                    return json(200, await runStateMachine(stack.stateMachine, input, awsEnv, region, invokerCreds));
                }
                if (!invoker)
                    return json(404, { message: "bedrock-bridge:invoker is not enabled on the caller stack" });
                const r = await invoker.invoke(input);
                return json(
                    r.ok ? 200 : 500,
                    r.ok ? r.value : { errorType: r.errorType, errorMessage: r.errorMessage },
                );
            }
            if (url.pathname === "/config.json")
                // demoUser lets the page's sign-in form say the demo credentials (printed at start anyway).
                return json(
                    200,
                    { ...outputsFor(secure ? https : http), ...demoHint },
                    { "cache-control": "no-store" },
                );
            if (req.method === "GET" && !secure) {
                // The page needs https: its realtime socket is wss:// to this same origin (see index.ts).
                res.writeHead(302, { location: `${https}${url.pathname}${url.search}` });
                return res.end();
            }
            if (req.method === "GET") return serveStatic(webDist, url.pathname, res);
            json(404, { message: `nothing at ${req.method} ${url.pathname}` });
        };
        server.onUpgrade = (req, socket, head) => {
            if (new URL(req.url ?? "/", http).pathname === "/event/realtime") events.upgrade(req, socket, head);
            else socket.destroy();
        };

        let stopped = false;
        return {
            outputs,
            caCert: tls.cert,
            users,
            token: (email: string, o?: { validitySeconds?: number }): Promise<SandboxTokens> =>
                pool.tokensFor(email, o?.validitySeconds),
            published: () => events.published.map(p => ({ channel: p.channel, events: [...p.events] })),
            modelRequests: () => model?.bedrock.requests.length ?? 0,
            lastModelRequest: () => model?.bedrock.requests.at(-1)?.body,
            lastModelCall: () => {
                const r = model?.bedrock.requests.at(-1);
                return r && { op: r.op, modelId: r.modelId };
            },
            answerFor,
            dropRealtimeConnections: () => events.dropConnections(),
            invalidateSessions: async () => {
                await issuer.rotate();
                pool.forgetSessions();
            },
            stop: async () => {
                if (stopped) return;
                stopped = true;
                for (const c of cleanups.reverse()) await c();
            },
        };
    } catch (e) {
        for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
        throw e;
    }
}

/** The account id of the target's role; throws what is missing (checked before anything starts). */
function checkAwsTarget(target: SandboxOptions["awsTarget"]): string {
    const arn = /^arn:aws[\w-]*:iam::(\d{12}):role\/.+$/.exec(target?.roleArn ?? "");
    if (!target || !arn || !target.region || !target.modelId) {
        throw new Error(
            "--bedrock aws needs --bedrock-role-arn <the Bedrock stack's roleArn output, arn:aws:iam::<account>:role/...>, --bedrock-region <region> and --model <model id>",
        );
    }
    return arn[1];
}

/**
 * --bedrock aws: the credentials of this shell (resolved once) reach real STS and Bedrock; publishing stays
 * local. The functions get the real role as their only target (the example stack's role ARNs are placeholders).
 */
async function realAwsEnvironment(
    roles: KnownCredentials[],
    given: SandboxOptions["awsTarget"],
): Promise<Record<string, string>> {
    const account = checkAwsTarget(given);
    const target = given!;
    const { defaultProvider } = require("@aws-sdk/credential-provider-node");
    let creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    try {
        creds = await defaultProvider()();
    } catch (e) {
        throw new Error(
            `--bedrock aws needs AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID...): ${(e as Error).message}`,
        );
    }
    // The functions run with these credentials; the relay signs its AppSync publishes with them too, so the
    // sandbox accepts them for publishing (they never leave this machine: publishing is local).
    for (const r of roles)
        Object.assign(r, {
            accessKeyId: creds.accessKeyId,
            secretAccessKey: creds.secretAccessKey,
            sessionToken: creds.sessionToken ?? "",
        });
    const targets = [
        {
            roleArn: target.roleArn,
            region: target.region,
            accountId: account,
            models: [target.modelId],
            ...(target.externalId ? { externalId: target.externalId } : {}),
        },
    ];
    return {
        BEDROCK_TARGETS: JSON.stringify(targets),
        CHAT_MODEL_ID: target.modelId,
        DEFAULT_MODEL_ID: target.modelId,
    };
}
