// The gateway Lambda: OpenAI Chat Completions and Anthropic Messages in front of Bedrock, streamed through API
// Gateway REST (responseTransferMode STREAM). No Pulumi imports: this file runs inside Lambda.
//
// CONTRACT with the gateway component (components/gateway/, gateway-infra):
//   handler        `exports.handler = createGatewayHandler()` (CallbackFunction's callbackFactory); the factory runs
//                  once per container and returns `awslambda.streamifyResponse(...)`, so the function must be invoked
//                  with InvokeWithResponseStream: the integration URI ends in /response-streaming-invocations and the
//                  integration has responseTransferMode STREAM (type AWS_PROXY).
//   event          the Lambda proxy integration event of a REST API (httpMethod, path, headers, body,
//                  isBase64Encoded, requestContext); routes by path suffix: GET /v1/models,
//                  POST /v1/chat/completions, POST /v1/messages, POST /v1/messages/count_tokens (any stage or base
//                  path before /v1). Reads the headers anthropic-beta (forwarded to Bedrock as the body's
//                  anthropic_beta) and anthropic-version (GET /v1/models answers in Anthropic's shape when present).
//   key name       event.requestContext.authorizer.keyName, set by the REQUEST authorizer (./authorizer.ts), which
//                  also returns usageIdentifierKey (API key source AUTHORIZER) so usage plans limit rate and burst.
//   environment    GATEWAY_TABLE    DynamoDB table for the token windows: partition key `pk` (S), TTL attribute
//                                   `expiresAt` (N, epoch seconds), on demand. The function needs
//                                   dynamodb:UpdateItem on it. Required when any key has tokensPerMinute/PerDay.
//                  (key table)      {"<key name>": {"models"?: string[], "tokensPerMinute"?: n, "tokensPerDay"?: n}},
//                                   packaged by the component (deps.keys in the factory's closure); GATEWAY_KEYS
//                                   (the same, as JSON) for a handler built by hand
//                  GATEWAY_ALIASES  JSON {"<alias>": "<model id>"} (optional)
//                  GATEWAY_MODELS   JSON ["<model id>", ...]: the ids the Bedrock stack(s) allow (optional: defaults
//                                   to the models in BEDROCK_TARGETS)
//                  MAX_TOKENS       max_tokens when an OpenAI request gives none (default 4096)
//                  MAX_TOKENS_LIMIT the largest max_tokens a request may ask for (default 64000)
//                  plus what every CallerFunction gets (BEDROCK_TARGETS, BEDROCK_AUTH, ...).
//   metrics        service "gateway" (functions/metrics/metricCatalog.ts): the pool metrics, KeyRequests,
//                  KeyInputTokens, KeyOutputTokens, KeyRefusals with the `key` (and `reason`) dimensions.
//
// Limits of the streamed integration that shape this code (API Gateway developer guide, "Stream the integration
// response for your proxy integrations", https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html):
// a stream lasts at most 15 minutes and is cut after 5 minutes without bytes on a regional endpoint; request
// payloads stay under API Gateway's 10 MB; no VTL response mapping, caching or content encoding on a streamed
// response. So status and headers are decided before the first byte: every refusal (400..429, 5xx) happens before
// Bedrock's answer starts, and the quota pool fails over only then. After the first byte an error ends the stream
// in the client's own format (OpenAI: a `data: {"error": ...}` event; Anthropic: an `error` event).
import {
    ConverseCommand,
    ConverseStreamCommand,
    CountTokensCommand,
    InvokeModelCommand,
    InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MODEL_MAX_OUTPUT_TOKENS, maxTokensProblem } from "../bedrock/limits";
import { callerAccountOf, requestMetadata } from "../bedrock/requestMetadata";
import { foundationModelId } from "../bedrock/modelIds";
import { allowedModels, readTargets } from "../bedrock/targets";
import { guardrailConfig, guardrailStreamConfig, targetModelId } from "../bedrock/tenantRoute";
import { isBridgeError, toBridgeError } from "../errors";
import { pooledClients } from "../invoker";
import { createMetricsRecorder, type MetricsRecorder } from "../metrics";
import { recordGateway } from "../metrics/requestMetrics";
import {
    createEventTranslator,
    messageResponse,
    messageUsage,
    parseCountTokensRequest,
    parseMessagesRequest,
} from "./anthropic";
import {
    errorBody,
    errorHeaders,
    gatewayError,
    invalidRequest,
    isGatewayError,
    toGatewayError,
    type GatewayApi,
    type GatewayError,
} from "./errors";
import { checkBodyShape } from "./bodyLimits";
import { createLimiter, estimateInputTokens, type Limiter, type Reservation } from "./limiter";
import { modelList, readGatewaySettings, resolveModel, type KeySettings } from "./models";
import { chatCompletion, createChunkTranslator, parseChatRequest } from "./openai";
import { withRequestMetadata } from "./invokeMetadata";
import { send, streamingRuntime, type ResponseStream } from "./responseStream";
import { acceptsOneSamplingParameter } from "../bedrock/samplingRules";
import { SSE_DONE, SSE_HEADERS, sseData, sseEvent } from "./sse";

/** The REST API's Lambda proxy integration event, as far as the gateway reads it. */
export interface GatewayEvent {
    httpMethod?: string;
    path?: string;
    headers?: Record<string, string | undefined> | null;
    body?: string | null;
    isBase64Encoded?: boolean;
    requestContext?: {
        requestId?: string;
        authorizer?: { keyName?: string; principalId?: string } | null;
    };
}

export interface GatewayContext {
    awsRequestId?: string;
    invokedFunctionArn?: string;
    /** Lambda's: the time left before the function's timeout. */
    getRemainingTimeInMillis?: () => number;
}

/** Time kept back from the function's timeout: a stream still running then is cut, so its last event, the settle of
 * its reservation, the metrics and the log line happen before Lambda stops the function (which runs no `finally`). */
export const DEADLINE_RESERVE_MS = 10_000;
/** The longest a non-streamed answer may take. Its status and body go out only once Bedrock's whole answer is in
 * (the status cannot change after the first byte), and API Gateway ends a streamed integration's response after 5
 * minutes without a byte on a regional endpoint (response-transfer-mode.html): past this the answer is stopped and
 * refused with a 400 that says to stream. Keepalive whitespace before the JSON would commit a 200 first, and a
 * failure after it would reach the OpenAI and Anthropic SDKs as a 200 whose body they return as the answer. */
export const UNSTREAMED_LIMIT_MS = 285_000;

export interface GatewayDeps {
    /** The token-window table's client (default: a DynamoDBClient from the environment). */
    dynamo?: DynamoDBClient;
    limiter?: Limiter;
    metrics?: MetricsRecorder;
    /** The key table the gateway component packages with the function (default: GATEWAY_KEYS, for tests). */
    keys?: Record<string, KeySettings>;
}

type Route = "models" | "chat" | "messages" | "count";

function route(method: string | undefined, path: string | undefined): Route | undefined {
    const p = (path ?? "").replace(/\/+$/, "");
    if (/\/v1\/models$/.test(p) && method === "GET") return "models";
    if (/\/v1\/chat\/completions$/.test(p) && method === "POST") return "chat";
    if (/\/v1\/messages$/.test(p) && method === "POST") return "messages";
    if (/\/v1\/messages\/count_tokens$/.test(p) && method === "POST") return "count";
    return undefined;
}

/** A request header by name: API Gateway passes them with the client's own capitalization. */
function header(event: GatewayEvent, name: string): string | undefined {
    for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name && v) return v;
    return undefined;
}

/** /v1/messages and count_tokens serve Anthropic models only (Bedrock's Anthropic body). */
function requireAnthropicModel(name: string, modelId: string): void {
    if (!/(^|\.)anthropic\./.test(modelId))
        throw invalidRequest(
            `${name} is not an Anthropic model: /v1/messages serves Anthropic models only, use /v1/chat/completions for it.`,
        );
}

/** The prompt parts as JSON, each image as 6,400 characters: about 1,600 tokens (a large image, per Anthropic). */
function promptText(v: unknown): string {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? "x".repeat(6400) : x));
}

/** 400 for temperature with top_p where the model takes one of them only (Bedrock would refuse it the same way). */
function checkSamplingPair(modelId: string, temperature: unknown, topP: unknown, names: [string, string]): void {
    if (temperature !== undefined && temperature !== null && topP !== undefined && topP !== null)
        if (acceptsOneSamplingParameter(modelId))
            throw invalidRequest(
                `${names[0]} and ${names[1]} cannot both be set for this model (Bedrock takes one of them for it): send only one.`,
                names[1],
            );
}

const randomId = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;

/** Builds the handler once per container: configuration read, clients and the limiter created at cold start. */
export function createGatewayHandler(env: NodeJS.ProcessEnv = process.env, deps: GatewayDeps = {}) {
    const targets = readTargets(env);
    const settings = readGatewaySettings(env, allowedModels(targets), deps.keys);
    const limits = {
        defaultMaxTokens: Number(env.MAX_TOKENS ?? 4096),
        maxTokensLimit: Number(env.MAX_TOKENS_LIMIT ?? MODEL_MAX_OUTPUT_TOKENS),
    };
    if (maxTokensProblem(limits.maxTokensLimit) || maxTokensProblem(limits.defaultMaxTokens, limits.maxTokensLimit))
        throw new Error(
            `MAX_TOKENS (${env.MAX_TOKENS}) and MAX_TOKENS_LIMIT (${env.MAX_TOKENS_LIMIT}) must be whole numbers with 1 <= MAX_TOKENS <= MAX_TOKENS_LIMIT <= ${MODEL_MAX_OUTPUT_TOKENS}`,
        );
    const limited = Object.values(settings.keys).some(k => k.tokensPerMinute || k.tokensPerDay);
    if (limited && !deps.limiter && !env.GATEWAY_TABLE)
        throw new Error("GATEWAY_TABLE is not set, but keys in GATEWAY_KEYS have token limits");
    const limiter =
        deps.limiter ??
        (env.GATEWAY_TABLE ? createLimiter({ table: env.GATEWAY_TABLE, client: deps.dynamo }) : undefined);
    const { pool, client } = pooledClients(targets, env);
    const metrics = deps.metrics ?? createMetricsRecorder("gateway");
    const tenant = targets[0].tenant;
    const runtime = streamingRuntime();

    const reserve = async (keyName: string, key: KeySettings, tokens: number): Promise<Reservation | undefined> =>
        limiter && (key.tokensPerMinute || key.tokensPerDay) ? limiter.reserve(keyName, key, tokens) : undefined;

    return runtime.streamifyResponse<GatewayEvent, GatewayContext>(async (event, responseStream, context) => {
        const started = Date.now();
        const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? randomId("req-");
        const r = route(event.httpMethod, event.path);
        const anthropicClient = header(event, "anthropic-version") !== undefined;
        const api: GatewayApi =
            r === "messages" || r === "count" || (r === "models" && anthropicClient) ? "anthropic" : "openai";
        const keyName = event.requestContext?.authorizer?.keyName;
        const account = callerAccountOf(context?.invokedFunctionArn, env);
        // What the summary log line and the metrics say about this request (never prompt or answer text).
        const facts: {
            modelId?: string;
            usage?: { inputTokens: number; outputTokens: number };
            /** usage is Bedrock's count of a whole answer (not the count of a stream that ended early). */
            complete?: boolean;
            servedBy?: { accountId: string; region: string };
            failovers?: { accountId: string; region: string; error: string }[];
            status?: number;
            stream?: boolean;
            error?: GatewayError;
            midStream?: boolean;
            bridgeCode?: string;
        } = {};
        let stream: ResponseStream | undefined;
        const open = (statusCode: number, headers: Record<string, string>) => {
            stream = runtime.HttpResponseStream.from(responseStream, {
                statusCode,
                headers: { ...headers, "x-request-id": requestId },
            });
            facts.status = statusCode;
            return stream;
        };
        const json = async (statusCode: number, body: unknown, headers: Record<string, string> = {}) => {
            const s = open(statusCode, { "content-type": "application/json", ...headers });
            await send(s, JSON.stringify(body));
        };
        let reservation: Reservation | undefined;

        // Bedrock's call is cancelled (its HTTP request aborted, so the model stops generating) when the client goes
        // away or the function's time runs out. The client's leaving reaches the function as the response stream
        // closing or failing before we end it; Lambda's runtime does not always signal it (the function may run on
        // after API Gateway's connection closes: response-transfer-mode.html; aws-lambda-nodejs-runtime-interface-client
        // issue #145), so where it does not, the answer is read to its end and settled in full.
        const ac = new AbortController();
        let cut: "deadline" | "client" | undefined;
        const cutBy = (why: "deadline" | "client") => {
            if (cut) return;
            cut = why;
            ac.abort();
        };
        let ending = false;
        const clientGone = () => {
            if (!ending) cutBy("client");
        };
        responseStream.on?.("close", clientGone);
        responseStream.on?.("error", clientGone);
        const untilCut = new Promise<never>((_, reject) =>
            ac.signal.addEventListener("abort", () => reject(new Error(`cancelled (${cut})`)), { once: true }),
        );
        untilCut.catch(() => undefined);
        /** A Bedrock call that ends at the cut too: the abort signal does not reach an AssumeRole still in flight. */
        const cancellable = <T>(p: Promise<T>): Promise<T> => {
            p.catch(() => undefined);
            return Promise.race([p, untilCut]);
        };
        const remaining = () => context?.getRemainingTimeInMillis?.();
        /** Cuts at `limitMs` from now or DEADLINE_RESERVE_MS before the function's timeout, whichever comes first. */
        let deadline: NodeJS.Timeout | undefined;
        const armDeadline = (limitMs: number) => {
            const r = remaining();
            const ms = Math.min(limitMs, r === undefined ? Infinity : r - DEADLINE_RESERVE_MS);
            if (Number.isFinite(ms)) deadline = setTimeout(() => cutBy("deadline"), Math.max(0, ms));
        };
        /** Checked at each event of a stream as well, so a stream whose events keep coming is cut in time. */
        const checkDeadline = () => {
            const r = remaining();
            if (r !== undefined && r <= DEADLINE_RESERVE_MS) cutBy("deadline");
            if (cut) throw new Error(`cancelled (${cut})`);
        };
        /** What a stream that ended early used, as far as it was read: input (Bedrock's or the estimate) + output. */
        let inputEstimate = 0;
        /** Bedrock accepted the request and is answering: from here an early end may have used tokens. */
        let answering = false;
        let partial: (() => { inputTokens: number; outputTokens: number }) | undefined;

        try {
            if (!r)
                throw gatewayError(
                    "not_found",
                    `Nothing at ${event.httpMethod} ${event.path}: the gateway serves GET /v1/models, POST /v1/chat/completions, POST /v1/messages and POST /v1/messages/count_tokens.`,
                    { reason: "invalidRequest" },
                );
            const key = keyName ? settings.keys[keyName] : undefined;
            if (!keyName || !key)
                throw gatewayError("authentication", "The API key is unknown or revoked.", {
                    reason: "unknownKey",
                    code: "invalid_api_key",
                });
            if (r === "models") {
                await json(200, modelList(settings, key, anthropicClient ? "anthropic" : "openai"));
                return;
            }
            let body: unknown;
            try {
                const text = event.isBase64Encoded
                    ? Buffer.from(event.body ?? "", "base64").toString("utf8")
                    : (event.body ?? "");
                body = JSON.parse(text);
            } catch {
                throw invalidRequest("The body is not JSON.");
            }
            // Before any translation: a hostile shape must not reach JSON.stringify or Bedrock.
            checkBodyShape(body);
            const metadata = () => requestMetadata({ caller: "gateway", account, tenant, key: keyName });

            if (r === "chat") {
                const req = parseChatRequest(body, limits);
                const modelId = resolveModel(settings, key, keyName, req.model);
                facts.modelId = modelId;
                facts.stream = req.stream;
                const ic = req.converse.inferenceConfig;
                checkSamplingPair(modelId, ic.temperature, ic.topP, ["temperature", "top_p"]);
                inputEstimate = estimateInputTokens(promptText(req.converse));
                reservation = await reserve(keyName, key, inputEstimate + ic.maxTokens);
                const id = randomId("chatcmpl-");
                const created = Math.floor(Date.now() / 1000);
                if (!req.stream) {
                    armDeadline(UNSTREAMED_LIMIT_MS);
                    const { result, target, failovers } = await cancellable(
                        pool.run(modelId, t =>
                            client(t).send(
                                new ConverseCommand({
                                    modelId: targetModelId(t, modelId),
                                    guardrailConfig: guardrailConfig(t),
                                    requestMetadata: metadata(),
                                    ...req.converse,
                                }),
                                { abortSignal: ac.signal },
                            ),
                        ),
                    );
                    Object.assign(facts, { servedBy: target, failovers });
                    facts.usage = {
                        inputTokens: result.usage?.inputTokens ?? 0,
                        outputTokens: result.usage?.outputTokens ?? 0,
                    };
                    facts.complete = true;
                    await json(200, chatCompletion(result, req.model, id, created));
                    return;
                }
                armDeadline(Infinity);
                const { result, target, failovers } = await cancellable(
                    pool.run(modelId, t =>
                        client(t).send(
                            new ConverseStreamCommand({
                                modelId: targetModelId(t, modelId),
                                guardrailConfig: guardrailStreamConfig(t),
                                requestMetadata: metadata(),
                                ...req.converse,
                            }),
                            { abortSignal: ac.signal },
                        ),
                    ),
                );
                Object.assign(facts, { servedBy: target, failovers });
                answering = true;
                const s = open(200, SSE_HEADERS);
                const tr = createChunkTranslator({ id, model: req.model, created, includeUsage: req.includeUsage });
                partial = () => ({
                    inputTokens: tr.usage?.inputTokens ?? inputEstimate,
                    outputTokens: tr.outputSoFar,
                });
                try {
                    for await (const e of result.stream ?? []) {
                        checkDeadline();
                        for (const c of tr.event(e)) await send(s, sseData(c));
                    }
                    // An abort may end the stream quietly instead of throwing.
                    checkDeadline();
                } catch (err) {
                    facts.midStream = true;
                    throw err;
                }
                if (tr.usage) {
                    facts.usage = { inputTokens: tr.usage.inputTokens ?? 0, outputTokens: tr.usage.outputTokens ?? 0 };
                    facts.complete = true;
                }
                await send(s, SSE_DONE);
                return;
            }

            if (r === "count") {
                // Token counting is free and produces no output: no reservation in the token windows. CountTokens is
                // offered in some Regions and for some models only (Bedrock user guide, "Monitor your token usage by
                // counting tokens before running inference"); elsewhere Bedrock's refusal reaches the client as a 400.
                const req = parseCountTokensRequest(body, header(event, "anthropic-beta"));
                const modelId = resolveModel(settings, key, keyName, req.model);
                facts.modelId = modelId;
                requireAnthropicModel(req.model, modelId);
                // The runtime's SDK carries CountTokens since 3.86x (2025); an older one would make this a TypeError.
                if (typeof CountTokensCommand !== "function")
                    throw gatewayError("server", "This gateway cannot count tokens: its AWS SDK is too old.");
                armDeadline(UNSTREAMED_LIMIT_MS);
                const { result, target, failovers } = await cancellable(
                    pool.run(modelId, t =>
                        client(t).send(
                            new CountTokensCommand({
                                modelId: foundationModelId(modelId),
                                input: {
                                    invokeModel: { body: new TextEncoder().encode(JSON.stringify(req.bedrockBody)) },
                                },
                            }),
                            { abortSignal: ac.signal },
                        ),
                    ),
                );
                Object.assign(facts, { servedBy: target, failovers });
                await json(200, { input_tokens: result.inputTokens ?? 0 });
                return;
            }

            // r === "messages": Anthropic's API, for Anthropic models only.
            const req = parseMessagesRequest(body, limits, header(event, "anthropic-beta"));
            const modelId = resolveModel(settings, key, keyName, req.model);
            facts.modelId = modelId;
            facts.stream = req.stream;
            requireAnthropicModel(req.model, modelId);
            checkSamplingPair(modelId, req.bedrockBody.temperature, req.bedrockBody.top_p, ["temperature", "top_p"]);
            inputEstimate = estimateInputTokens(req.inputText);
            reservation = await reserve(keyName, key, inputEstimate + req.maxTokens);
            const invokeInput = (t: (typeof targets)[number]) => {
                const g = guardrailConfig(t);
                return {
                    modelId: targetModelId(t, modelId),
                    body: new TextEncoder().encode(JSON.stringify(req.bedrockBody)),
                    contentType: "application/json",
                    accept: "application/json",
                    ...(g ? { guardrailIdentifier: g.guardrailIdentifier, guardrailVersion: g.guardrailVersion } : {}),
                    // InvokeModel takes the metadata as JSON in a header (X-Amzn-Bedrock-Request-Metadata).
                    requestMetadata: JSON.stringify(metadata()),
                };
            };
            if (!req.stream) {
                armDeadline(UNSTREAMED_LIMIT_MS);
                const { result, target, failovers } = await cancellable(
                    pool.run(modelId, t =>
                        client(t).send(withRequestMetadata(new InvokeModelCommand(invokeInput(t))), {
                            abortSignal: ac.signal,
                        }),
                    ),
                );
                Object.assign(facts, { servedBy: target, failovers });
                const answer: unknown = JSON.parse(new TextDecoder().decode(result.body));
                facts.usage = messageUsage(answer);
                facts.complete = true;
                await json(200, messageResponse(answer, req.model));
                return;
            }
            armDeadline(Infinity);
            const { result, target, failovers } = await cancellable(
                pool.run(modelId, t =>
                    client(t).send(withRequestMetadata(new InvokeModelWithResponseStreamCommand(invokeInput(t))), {
                        abortSignal: ac.signal,
                    }),
                ),
            );
            Object.assign(facts, { servedBy: target, failovers });
            answering = true;
            const s = open(200, SSE_HEADERS);
            const tr = createEventTranslator(req.model);
            partial = () => ({ inputTokens: tr.usage.inputTokens || inputEstimate, outputTokens: tr.outputSoFar });
            const decoder = new TextDecoder();
            try {
                for await (const part of result.body ?? []) {
                    checkDeadline();
                    const bytes = part.chunk?.bytes;
                    if (!bytes) continue;
                    const text = tr.chunk(decoder.decode(bytes));
                    if (text) await send(s, text);
                }
                checkDeadline();
            } catch (err) {
                facts.midStream = true;
                throw err;
            }
            if (tr.complete) {
                facts.usage = { ...tr.usage };
                facts.complete = true;
            }
        } catch (caught) {
            let err = caught;
            // A cut is ours, whatever the aborted call threw.
            if (cut === "deadline")
                err = stream
                    ? gatewayError(
                          "server",
                          "The answer was cut off: it ran into the gateway's time limit. Ask for fewer tokens (max_tokens), or split the task.",
                          { code: "Timeout" },
                      )
                    : facts.stream
                      ? gatewayError("unavailable", "Bedrock did not start answering in time. Retry shortly.", {
                            retryAfterSeconds: 1,
                            code: "Timeout",
                        })
                      : gatewayError(
                            "invalid_request",
                            `The answer was not complete after ${Math.round(UNSTREAMED_LIMIT_MS / 1000)} s, the most a non-streamed answer may take through this gateway (API Gateway ends a response that sends nothing for 5 minutes). Ask with stream: true, or lower max_tokens.`,
                            { code: "Timeout", param: "stream" },
                        );
            // SDK errors from a stream being read are Bedrock's too: mapped like those pool.run throws.
            const bridge =
                isBridgeError(err) || isGatewayError(err) || isNativeError(err)
                    ? err
                    : toBridgeError(err, { modelId: facts.modelId });
            if (isBridgeError(bridge)) facts.bridgeCode = bridge.code;
            const mapped = toGatewayError(bridge);
            facts.error = mapped;
            if (cut) facts.bridgeCode = cut === "deadline" ? "Timeout" : "ClientGone";
            const pf = (err as { failovers?: typeof facts.failovers }).failovers;
            if (pf) facts.failovers = pf;
            const sb = (err as { servedBy?: typeof facts.servedBy }).servedBy;
            if (sb) facts.servedBy = sb;
            if (cut === "client") {
                // Nobody is there to read an error.
            } else if (!stream) {
                await json(mapped.status, errorBody(api, mapped), errorHeaders(mapped)).catch(() => undefined);
            } else {
                // The status is sent already: end the stream in the client's format.
                const text =
                    api === "anthropic"
                        ? sseEvent("error", errorBody("anthropic", mapped))
                        : sseData(errorBody("openai", mapped));
                await send(stream, text).catch(() => undefined);
            }
        } finally {
            clearTimeout(deadline);
            // A stream that ended early is counted as far as it was read.
            if (!facts.complete && partial) facts.usage = partial();
            if (reservation) {
                // Settled with Bedrock's count of a whole answer. A stream the client left is settled with what was
                // read before the model was stopped (the estimate of its deltas). Any other early end keeps at least
                // its whole reservation: Bedrock's count is unknown and the model may have generated more than was
                // read. One refused before Bedrock started gives it all back.
                const counted = facts.usage ? facts.usage.inputTokens + facts.usage.outputTokens : 0;
                const used = facts.complete
                    ? counted
                    : cut === "client" && partial
                      ? counted
                      : facts.midStream || cut || answering
                        ? Math.max(reservation.reserved, counted)
                        : 0;
                await reservation.settle(used).catch(err =>
                    console.error(
                        JSON.stringify({
                            level: "error",
                            event: "gateway-settle-failed",
                            key: keyName,
                            error: (err as Error)?.name,
                        }),
                    ),
                );
            }
            ending = true;
            (stream ?? responseStream).end();
            const e = cut === "client" ? undefined : facts.error;
            const outcome = cut === "client" ? "clientGone" : !e ? "ok" : facts.midStream ? "error" : "refused";
            recordGateway(metrics, {
                key: keyName ?? "-",
                outcome: outcome === "clientGone" ? "ok" : outcome,
                modelId: facts.modelId ?? "",
                servedBy: facts.servedBy,
                failovers: facts.failovers,
                errorCode: e ? (facts.bridgeCode ?? e.reason) : undefined,
                usage: facts.usage,
                reason: e && !facts.midStream ? e.reason : undefined,
            });
            // One line per request: ids, codes and counts only, never prompt or answer text.
            console.log(
                JSON.stringify({
                    level: e ? "warn" : "info",
                    event: "gateway-request",
                    requestId,
                    key: keyName ?? "-",
                    route: r ?? `${event.httpMethod} ${event.path}`,
                    modelId: facts.modelId,
                    stream: facts.stream,
                    status: facts.status,
                    outcome,
                    reason: e?.reason,
                    errorName: e && e.kind === "server" ? (e.code ?? undefined) : undefined,
                    inputTokens: facts.usage?.inputTokens,
                    outputTokens: facts.usage?.outputTokens,
                    servedBy: facts.servedBy?.accountId,
                    failovers: facts.failovers?.length || undefined,
                    ms: Date.now() - started,
                }),
            );
        }
    });
}

/** Errors of our own code (a TypeError, say) are not Bedrock's: they become a plain 500. */
function isNativeError(err: unknown): boolean {
    return (
        err instanceof TypeError ||
        err instanceof RangeError ||
        err instanceof SyntaxError ||
        err instanceof ReferenceError
    );
}
