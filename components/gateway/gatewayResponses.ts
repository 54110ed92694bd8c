// The answers API Gateway itself gives (before or instead of the function): in a shape both official clients read.
// OpenAI's SDK takes `error.message`, `error.type` and `error.code` from `{"error": {...}}`; Anthropic's SDK takes
// `{"type": "error", "error": {"type", "message"}}` and picks its typed error by the HTTP status. One body carries
// both (with OpenAI's `param`, null). Each gateway response type's default status is API Gateway's ("Gateway response types for API Gateway").

export interface GatewayErrorShape {
    /** API Gateway's gateway response type. */
    responseType: string;
    /** The status we answer with (a few differ from API Gateway's default, said why below). */
    statusCode: string;
    /** Anthropic's error type, which is also OpenAI's `error.type`. */
    type: string;
    /** OpenAI's `error.code`. */
    code: string;
    /** A fixed message, or undefined for API Gateway's own ($context.error.messageString). */
    message?: string;
    headers?: Record<string, string>;
}

/** Seconds a client waits after a usage-plan throttle: the plan's token bucket refills every second. */
export const THROTTLE_RETRY_AFTER_SECONDS = 1;

/**
 * A key that does not work will not work on a retry: `x-should-retry: false` tells the official SDKs (and Claude Code,
 * which otherwise retried a 401 for about three minutes against the sandbox) to give up at once.
 */
const NO_RETRY = { "x-should-retry": "false" };

export const GATEWAY_ERRORS: GatewayErrorShape[] = [
    {
        // What API Gateway answers when an authorizer throws "Unauthorized" (ours denies instead, see ACCESS_DENIED).
        responseType: "UNAUTHORIZED",
        statusCode: "401",
        type: "authentication_error",
        code: "invalid_api_key",
        message: "Invalid or missing API key: send it as Authorization: Bearer <key> or as x-api-key.",
        headers: NO_RETRY,
    },
    {
        // The authorizer's usage identifier is no API key of this stage's plans. The authorizer does that on purpose
        // for a body over 6 MB (functions/gateway/authorizer.ts, MAX_BODY_BYTES): Lambda would refuse the invocation,
        // and a gateway response's status is fixed per type. (A key of the authorizer not yet in its plan would
        // meet it too, for the moments of a deploy that adds it.) Retrying the same body cannot help.
        responseType: "INVALID_API_KEY",
        statusCode: "413",
        type: "request_too_large",
        code: "request_too_large",
        message:
            "The request body is over 6 MB, the most the gateway's function takes (Lambda's invocation payload limit): send a smaller request.",
        headers: NO_RETRY,
    },
    {
        // The authorizer's answer to a missing or unknown key is a Deny policy (functions/gateway/authorizer.ts: a
        // thrown "Unauthorized" would count as a function error); for the client that is a key that does not work.
        responseType: "ACCESS_DENIED",
        statusCode: "401",
        type: "authentication_error",
        code: "invalid_api_key",
        message: "Invalid or missing API key: send it as Authorization: Bearer <key> or as x-api-key.",
        headers: NO_RETRY,
    },
    {
        // The key's usage plan throttle (requestsPerSecond, burst), or the stage's over every request (gateway.throttle):
        // API Gateway answers both with this type. Both SDKs retry 429 after retry-after.
        responseType: "THROTTLED",
        statusCode: "429",
        type: "rate_limit_error",
        code: "rate_limit_exceeded",
        message:
            "Too many requests: over this API key's requestsPerSecond and burst, or over the gateway's throttle for all requests. Retry after the retry-after seconds.",
        headers: { "Retry-After": String(THROTTLE_RETRY_AFTER_SECONDS) },
    },
    {
        responseType: "QUOTA_EXCEEDED",
        statusCode: "429",
        type: "rate_limit_error",
        code: "insufficient_quota",
        message: "This API key has used its request quota.",
        headers: { "Retry-After": "60" },
    },
    {
        // API Gateway answers an unknown path or method with 403 "Missing Authentication Token"; clients expect 404.
        responseType: "MISSING_AUTHENTICATION_TOKEN",
        statusCode: "404",
        type: "not_found_error",
        code: "unknown_url",
        message:
            "Unknown path: this gateway serves POST /v1/chat/completions, POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models.",
    },
    {
        responseType: "REQUEST_TOO_LARGE",
        statusCode: "413",
        type: "request_too_large",
        code: "request_too_large",
        message: "The request body is over API Gateway's 10 MB limit.",
    },
    { responseType: "DEFAULT_4XX", statusCode: "", type: "invalid_request_error", code: "invalid_request_error" },
    { responseType: "DEFAULT_5XX", statusCode: "", type: "api_error", code: "api_error" },
];

/** The response template: fixed text, or API Gateway's message (already a quoted JSON string in VTL). */
export function errorTemplate(e: GatewayErrorShape): string {
    const message = e.message === undefined ? "$context.error.messageString" : JSON.stringify(e.message);
    return `{"type":"error","error":{"type":"${e.type}","message":${message},"code":"${e.code}","param":null},"request_id":"$context.requestId"}`;
}
