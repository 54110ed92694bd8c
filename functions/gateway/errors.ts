// The gateway's errors, in each API's own shape and status, so the official SDKs raise their own typed errors
// (OpenAI: `{"error": {message, type, param, code}}`; Anthropic: `{"type": "error", "error": {type, message}}`).
// Messages say what to do and never carry a stack trace, a prompt, ARNs or account ids. No Pulumi imports.
import { isBridgeError, type BridgeErrorCode } from "../errors";

export type GatewayApi = "openai" | "anthropic";

export type ErrorKind =
    "invalid_request" | "authentication" | "permission" | "not_found" | "rate_limit" | "server" | "unavailable";

/** Why a request was refused: the `reason` of the KeyRefusals metric (a bounded set). */
export type RefusalReason =
    | "invalidRequest"
    | "unknownKey"
    | "modelNotAllowed"
    | "unknownModel"
    | "tokensPerMinute"
    | "tokensPerDay"
    | "bedrockThrottled"
    | "bedrockError"
    | "limiterUnavailable";

export interface GatewayError extends Error {
    gateway: true;
    kind: ErrorKind;
    status: number;
    reason: RefusalReason;
    /** Seconds a client should wait before retrying (the `retry-after` header of a 429 or 503). */
    retryAfterSeconds?: number;
    /** OpenAI's `param`: the request field at fault. */
    param?: string;
    /** OpenAI's `code` (model_not_found, rate_limit_exceeded, ...). */
    code?: string;
}

const STATUS: Record<ErrorKind, number> = {
    invalid_request: 400,
    authentication: 401,
    permission: 403,
    not_found: 404,
    rate_limit: 429,
    server: 500,
    unavailable: 503,
};

const DEFAULT_REASON: Record<ErrorKind, RefusalReason> = {
    invalid_request: "invalidRequest",
    authentication: "unknownKey",
    permission: "modelNotAllowed",
    not_found: "unknownModel",
    rate_limit: "bedrockThrottled",
    server: "bedrockError",
    unavailable: "bedrockError",
};

/** A factory, not a class: Pulumi's closure serializer mishandles `super(message)` (see functions/errors.ts). */
export function gatewayError(
    kind: ErrorKind,
    message: string,
    extra: { reason?: RefusalReason; retryAfterSeconds?: number; param?: string; code?: string } = {},
): GatewayError {
    const e = new Error(message) as GatewayError;
    e.name = `Gateway_${kind}`;
    e.gateway = true;
    e.kind = kind;
    e.status = STATUS[kind];
    e.reason = extra.reason ?? DEFAULT_REASON[kind];
    if (extra.retryAfterSeconds !== undefined) e.retryAfterSeconds = extra.retryAfterSeconds;
    if (extra.param !== undefined) e.param = extra.param;
    if (extra.code !== undefined) e.code = extra.code;
    return e;
}

export function isGatewayError(err: unknown): err is GatewayError {
    return !!err && (err as GatewayError).gateway === true;
}

export const invalidRequest = (message: string, param?: string) =>
    gatewayError("invalid_request", message, { param, code: "invalid_request" });

/** Client-facing text per BridgeError code: the detailed message (ARNs, regions) goes to the log only. */
const BRIDGE: Partial<Record<BridgeErrorCode, { kind: ErrorKind; message: string }>> = {
    InvalidRequest: { kind: "invalid_request", message: "Bedrock refused the request as invalid." },
    ValidationError: { kind: "invalid_request", message: "Bedrock refused the request as invalid" },
    InputTooLong: {
        kind: "invalid_request",
        message: "The conversation is too long for the model. Shorten the prompt or drop earlier turns.",
    },
    Throttled: { kind: "rate_limit", message: "Bedrock is throttling this model right now. Retry shortly." },
    QuotaExceeded: { kind: "rate_limit", message: "Bedrock's quota for this model is exhausted. Retry shortly." },
    AllThrottled: {
        kind: "rate_limit",
        message: "Every Bedrock account serving this model is throttled. Retry after the time in retry-after.",
    },
    ServiceUnavailable: { kind: "unavailable", message: "Bedrock is temporarily unavailable. Retry shortly." },
    ModelNotEnabled: {
        kind: "server",
        message: "The gateway cannot reach this model in Bedrock (model access is not enabled). Tell the operator.",
    },
    AccessDenied: {
        kind: "server",
        message: "The gateway may not invoke this model in Bedrock. Tell the operator.",
    },
    AssumeRoleDenied: {
        kind: "server",
        message: "The gateway may not assume the Bedrock account's role. Tell the operator.",
    },
    ModelNotFound: { kind: "server", message: "Bedrock does not know this model id. Tell the operator." },
};

/** Any failure as a GatewayError: ours as they are, Bedrock's (BridgeError) by code, anything else as a 500. */
export function toGatewayError(err: unknown): GatewayError {
    if (isGatewayError(err)) return err;
    if (isBridgeError(err)) {
        const m = BRIDGE[err.code];
        const retryAfter = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
        if (m) {
            // Bedrock's own validation text names fields, not prompt content: it helps the client fix the request.
            const message =
                err.code === "ValidationError" ? `${m.message}: ${err.message.replace(/^.*?: /, "")}` : m.message;
            return gatewayError(m.kind, message, {
                reason:
                    m.kind === "rate_limit"
                        ? "bedrockThrottled"
                        : m.kind === "invalid_request"
                          ? "invalidRequest"
                          : "bedrockError",
                retryAfterSeconds:
                    m.kind === "rate_limit" ? (retryAfter ?? 1) : m.kind === "unavailable" ? 1 : undefined,
                code: m.kind === "rate_limit" ? "rate_limit_exceeded" : undefined,
            });
        }
    }
    return gatewayError("server", "The gateway failed to answer. Retry, and tell the operator if it persists.");
}

const OPENAI_TYPE: Record<ErrorKind, string> = {
    invalid_request: "invalid_request_error",
    authentication: "authentication_error",
    permission: "permission_error",
    not_found: "invalid_request_error",
    rate_limit: "rate_limit_error",
    server: "api_error",
    unavailable: "api_error",
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
    invalid_request: "invalid_request_error",
    authentication: "authentication_error",
    permission: "permission_error",
    not_found: "not_found_error",
    rate_limit: "rate_limit_error",
    server: "api_error",
    unavailable: "overloaded_error",
};

/** The error body in the API's own shape. */
export function errorBody(api: GatewayApi, e: GatewayError): Record<string, unknown> {
    if (api === "anthropic") return { type: "error", error: { type: ANTHROPIC_TYPE[e.kind], message: e.message } };
    return { error: { message: e.message, type: OPENAI_TYPE[e.kind], param: e.param ?? null, code: e.code ?? null } };
}

/** Response headers of an error: JSON, and retry-after (whole seconds) when the client should wait. */
export function errorHeaders(e: GatewayError): Record<string, string> {
    const h: Record<string, string> = { "content-type": "application/json" };
    if (e.retryAfterSeconds !== undefined) h["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterSeconds)));
    return h;
}
