// Local sandbox (`npm start`): the caller side of bedrock-bridge on one machine, loopback only, nothing from AWS.
//
// CONTRACT (programmatic API, used by the client tests and the browser test):
//
//   const sb = await startSandbox({ users: [{ email, password }], port: 0, faults: ["redeliver"], modelDelayMs: 5 });
//   sb.outputs            // SandboxOutputs: the caller stack's output keys, pointing at the sandbox, plus
//                         //   cognitoEndpoint (Amplify Auth.Cognito.userPoolEndpoint), pageUrl, invokeUrl, tokenUrl,
//                         //   caCertFile (PEM of the sandbox's self-signed TLS certificate, see below)
//   sb.caCert             // the same certificate as a PEM string (for a Node WebSocket: new ws(url, protocols, { ca }))
//   await sb.token(email) // SandboxTokens of a configured user without a password: idToken, accessToken, refreshToken, sub
//                         //   (sb.token(email, { validitySeconds: 1 }) for a token that expires soon, in tests)
//   sb.modelRequests()    // how many requests the local model has received so far (a 400 must not add one)
//   sb.lastModelRequest() // the body of the local model's last request (Converse JSON: messages, system, ...)
//   sb.lastModelCall()    // its operation and model id
//   sb.answerFor(prompt)  // the exact text the deterministic local model streams for a prompt (no history influence)
//   sb.published()        // the publishes the events API accepted (channel, events), in order (the last 10,000)
//   sb.dropRealtimeConnections()  // drops every realtime socket now, as a lost network does (a client must notice)
//   await sb.invalidateSessions() // what a restart does to sign-ins: stored tokens and refresh tokens stop working
//   startSandbox({ publishers: [{ accessKeyId, secretAccessKey }] })  // extra IAM principals allowed to publish
//   await sb.stop()       // closes every socket and server and the warm function containers
//
// Endpoints (all on one port of 127.0.0.1; the port speaks plain HTTP and TLS, told apart by the first byte):
//   POST {chatRestEndpoint}                 API Gateway REST emulation: Cognito id token (Authorization: <jwt>), the
//                                           deployed draft-04 model (400 {message, detail, requestId}), 202 {requestId}
//   POST {chatEventsHttpEndpoint}           AppSync Events HTTP publish (SigV4, service appsync), {successful, failed}
//   wss  {chatEventsRealtimeEndpoint}       AppSync Events realtime (subprotocols aws-appsync-event-ws + header-<b64url>)
//   POST {cognitoEndpoint}                  Cognito user pool API (X-Amz-Target AWSCognitoIdentityProviderService.*):
//                                           InitiateAuth USER_SRP_AUTH / REFRESH_TOKEN_AUTH (USER_PASSWORD_AUTH is
//                                           refused: the deployed app client does not enable it),
//                                           RespondToAuthChallenge PASSWORD_VERIFIER, GetTokensFromRefreshToken, GetUser,
//                                           GlobalSignOut, RevokeToken
//   POST {tokenUrl}  {"email": "..."}       a token for a configured user, no password (scripts, tests)
//   POST {invokeUrl} {prompt, ...}          the invoker Lambda package, synchronously; POST {invokeUrl}?stateMachine=1
//                                           runs the deployed state machine definition against the same model
//   GET|POST {gatewayUrl}/models, /chat/completions, /messages
//                                           the gateway (OpenAI- and Anthropic-compatible, streamed) with API Gateway's
//                                           authorizer and usage-plan behaviour; gatewayKeys: key name -> key value
//                                           (new for each start); token limits in dynalite (sandbox/gateway.ts)
//   GET  {pageUrl}                          web/dist with a generated config.json (URLs use the scheme the page came by;
//                                           demoUser: the demo credentials, when the demo user is configured)
//
// Why TLS: Amplify's events client derives the realtime URL from the HTTP endpoint and always uses wss:// for a
// host that is not AppSync's (node_modules/@aws-amplify/api-graphql/.../AWSWebSocketProvider/appsyncUrl.js:
// `<endpoint>/realtime`, http:// and https:// both become wss://). So the sandbox's realtime side needs TLS; it
// uses a self-signed certificate for 127.0.0.1 kept in .sandbox/ (a browser accepts it once at pageUrl, which is
// https so that the same acceptance covers the socket; the test browser ignores certificate errors).
//
// Models: the local model answers deterministically (answerFor) at modelDelayMs per chunk. A prompt containing
// SANDBOX_PROMPTS.throttle makes it answer ThrottlingException (the relay publishes an `error` event, code
// Throttled); SANDBOX_PROMPTS.midStreamError streams some text then a modelStreamErrorException;
// SANDBOX_PROMPTS.echo answers the rest of the prompt verbatim (a Markdown answer chosen by a test).
//
// Faults: "redeliver" makes the realtime side deliver some events twice and swap neighbours (deterministically),
// as AppSync's at-least-once delivery may; clients must still assemble the exact text once.

import type { SandboxGatewayConfig } from "./gateway";

export type SandboxFault = "redeliver";

export interface SandboxUser {
    email: string;
    password: string;
}

export interface SandboxOptions {
    /** Users of the emulated pool. Default: one demo user (DEMO_USER), printed at start. */
    users?: SandboxUser[];
    /** Port on 127.0.0.1; 0 picks a free one. Default 8787 from the CLI, 0 from the API. */
    port?: number;
    faults?: SandboxFault[];
    /** Delay between the local model's chunks (ms). Default 40 (a visibly streaming page). */
    modelDelayMs?: number;
    /** "local" (default): the deterministic model; "aws": real Bedrock through a real role (needs credentials and awsTarget). */
    bedrock?: "local" | "aws";
    /** With bedrock "aws": the Bedrock stack's role (its roleArn output), region, model id, and externalId if it has one. */
    awsTarget?: { roleArn: string; region: string; modelId: string; externalId?: string };
    /** Where outputs.json and the TLS certificate go. Default <repo>/.sandbox; the API defaults to a fresh temp dir. */
    stateDir?: string;
    /** The built page to serve. Default <repo>/web/dist. */
    webDist?: string;
    /** Print the start banner and request log lines. Default true from the CLI, false from the API. */
    verbose?: boolean;
    /** The gateway's keys and aliases (default: bedrock-bridge:gateway of Pulumi.caller.yaml, or one `demo` key). */
    gateway?: SandboxGatewayConfig;
    /** IAM credentials allowed to publish over the HTTP endpoint besides the relay's role (tests, scripts). */
    publishers?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }[];
}

export interface SandboxOutputs {
    side: "caller";
    region: string;
    accountId: string;
    defaultModelId: string;
    chatRestEndpoint: string;
    chatEventsHttpEndpoint: string;
    chatEventsRealtimeEndpoint: string;
    chatNamespace: string;
    chatUserPoolId: string;
    chatUserPoolClientId: string;
    chatRelayFunctionName: string;
    invokerFunctionName?: string;
    stateMachineArn?: string;
    cognitoEndpoint: string;
    pageUrl: string;
    invokeUrl: string;
    tokenUrl: string;
    caCertFile: string;
    /** The gateway's OpenAI-style base URL (ends in /v1; Anthropic clients take it without /v1). */
    gatewayUrl: string;
    /** Gateway key name -> key value. */
    gatewayKeys: Record<string, string>;
    /** Always true: consumers can tell the sandbox from a deployed stack. */
    sandbox: true;
    /** Every other output of the caller stack, as synthesized (chatLimits, invokerFunctionArn, ...). */
    [key: string]: unknown;
}

export interface SandboxTokens {
    idToken: string;
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    sub: string;
    email: string;
}

export interface Sandbox {
    outputs: SandboxOutputs;
    caCert: string;
    /** Every publish the events API accepted, in order (channel and the events as published). */
    published(): { channel: string; events: string[] }[];
    users: SandboxUser[];
    token(email: string, opts?: { validitySeconds?: number }): Promise<SandboxTokens>;
    modelRequests(): number;
    lastModelRequest():
        { messages?: { role: string; content: { text?: string }[] }[]; [k: string]: unknown } | undefined;
    /** The local model's last call: the operation (converse, invoke-stream, count-tokens, ...) and the model id. */
    lastModelCall(): { op: string; modelId: string } | undefined;
    answerFor(prompt: string): string;
    /** Fault on demand: drops every realtime socket now (no close frame), as a lost network does; returns how many. */
    dropRealtimeConnections(): number;
    /** Fault on demand: what a restart does to sign-ins (a new signing key, every refresh token forgotten). */
    invalidateSessions(): Promise<void>;
    stop(): Promise<void>;
}

export const DEMO_USER: SandboxUser = { email: "demo@example.com", password: "Sandbox-Demo-1" };
export const SANDBOX_PROMPTS = {
    throttle: "[sandbox:throttle]",
    midStreamError: "[sandbox:stream-error]",
    /** The answer is the prompt's text after this marker, verbatim: Markdown (or anything hostile) for the page. */
    echo: "[sandbox:echo]",
};

export { startSandbox } from "./sandbox";
