// Bedrock and STS failures mapped to errors a person can act on. No Pulumi imports.

export type BridgeErrorCode =
    | "InvalidRequest"
    | "Throttled"
    | "QuotaExceeded"
    | "ModelNotEnabled"
    | "AccessDenied"
    | "AssumeRoleDenied"
    | "ModelNotFound"
    | "InputTooLong"
    | "ValidationError"
    | "ServiceUnavailable"
    | "AllThrottled"
    | "ShortTermKeyExpired"
    | "ApiKeyInvalid"
    | "InternalError";

export interface BridgeError extends Error {
    code: BridgeErrorCode;
    retryable: boolean;
    bridge: true;
}

/**
 * A factory, not a class: Pulumi's closure serializer turns `super(message)` into `Error.call(this, message)`,
 * which drops the message. Lambda reports `name` as errorType, so the name is the code.
 */
export function bridgeError(code: BridgeErrorCode, message: string, retryable = false): BridgeError {
    const e = new Error(message) as BridgeError;
    e.name = code;
    e.code = code;
    e.retryable = retryable;
    e.bridge = true;
    return e;
}

export function isBridgeError(err: unknown): err is BridgeError {
    return !!err && (err as BridgeError).bridge === true;
}

export type BedrockAuth = "sigv4" | "shortTermKey" | "longTermKey";

export interface ErrorContext {
    modelId?: string;
    roleArn?: string;
    region?: string;
    /** How the failed call authenticated; bearer-key errors name the key type from it. */
    auth?: BedrockAuth;
}

/** The kind of a Bedrock API key from its shape: short-term keys are presigned URLs, long-term ones start ABSK. */
export function keyKind(key: string): BedrockAuth | undefined {
    if (key.startsWith("bedrock-api-key-")) return "shortTermKey";
    if (key.startsWith("ABSK")) return "longTermKey";
    return undefined;
}

/** Bedrock's answers to a bad bearer token (AccessDeniedException), as clear errors naming the key type. */
function bearerKeyError(msg: string, ctx: ErrorContext, where: string): BridgeError | undefined {
    if (/Bearer Token has expired/i.test(msg)) {
        // Retryable: a new key fixes it (the function makes one on the next call).
        return bridgeError(
            "ShortTermKeyExpired",
            `The short-term Bedrock API key has expired${where}. Generate a new one (npm run token -- <bedrock stack>; functions make a new one on the next call): it lives at most 12 hours and never longer than the credentials it was made from.`,
            true,
        );
    }
    if (/Authentication failed: Please make sure your API Key is valid/i.test(msg)) {
        if (ctx.auth === "shortTermKey") {
            return bridgeError(
                "ApiKeyInvalid",
                `The short-term Bedrock API key was rejected${where}: it is malformed or for another region. Generate a new one (npm run token -- <bedrock stack>).`,
            );
        }
        return bridgeError(
            "ApiKeyInvalid",
            `The long-term Bedrock API key was rejected${where}: it is disabled, expired, deleted or mistyped. Re-enable it (status: Active in bedrock-bridge:apiKeys, then pulumi up), or rotate or replace it (README "Bedrock API keys").`,
        );
    }
    return undefined;
}

const RETRYABLE_SERVICE = [
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "ModelStreamErrorException",
];

/** Maps an SDK error (Bedrock Runtime or STS) to a BridgeError; never leaks a stack trace or credentials. */
export function toBridgeError(err: unknown, ctx: ErrorContext = {}): BridgeError {
    if (isBridgeError(err)) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = e?.name ?? "Error";
    const msg = String(e?.message ?? err);
    const where = `${ctx.region ? ` in ${ctx.region}` : ""}${ctx.roleArn ? ` (role ${ctx.roleArn})` : ""}`;
    const model = ctx.modelId ?? "the model";
    if (name === "ThrottlingException") {
        return bridgeError(
            "Throttled",
            `Bedrock is throttling requests for ${model}${where}: the account's quota is exhausted for now. Retry later, or add another Bedrock account to the pool.`,
            true,
        );
    }
    if (name === "ServiceQuotaExceededException") {
        return bridgeError(
            "QuotaExceeded",
            `Bedrock quota exceeded for ${model}${where}. Request a quota increase or add another Bedrock account.`,
            true,
        );
    }
    if (name === "AccessDeniedException") {
        // Clients that authenticate with a key tag their errors (bearer.ts), so callers need not pass auth.
        const keyError = bearerKeyError(
            msg,
            { ...ctx, auth: ctx.auth ?? (err as { bedrockAuth?: BedrockAuth }).bedrockAuth },
            where,
        );
        if (keyError) return keyError;
        if (/explicit deny/i.test(msg)) {
            return bridgeError(
                "AccessDenied",
                `An explicit deny blocks this call to ${model}${where}: the role's older sessions were revoked (AWSRevokeOlderSessions), or an SCP or deny policy forbids it (the long-term API key deny, say). After a revocation, new credentials and new short-term keys work again.`,
            );
        }
        if (
            /don't have access to the model|not have access to the model|model access|not authorized to access this model/i.test(
                msg,
            )
        ) {
            return bridgeError(
                "ModelNotEnabled",
                `Model access for ${model} is not enabled in the Bedrock account${where}. Enable it under Bedrock > Model access there.`,
            );
        }
        return bridgeError(
            "AccessDenied",
            `The Bedrock account's role may not invoke ${model}${where}. Add it to bedrock-bridge:models of the Bedrock stack and run pulumi up there.`,
        );
    }
    if (name === "AccessDenied") {
        // STS's code for a refused AssumeRole.
        return bridgeError(
            "AssumeRoleDenied",
            `This function may not assume the Bedrock account's role${where}. Check that its role lives under the path the Bedrock stack trusts (bedrock-bridge:callerRolePath) and that the caller stack references the right Bedrock stack.`,
        );
    }
    if (name === "ResourceNotFoundException") {
        return bridgeError(
            "ModelNotFound",
            `Bedrock does not know ${model}${where}. Check the model id and the Bedrock stack's region.`,
        );
    }
    if (name === "ValidationException") {
        if (/too long|too many tokens|exceeds? the (max|limit)|context length|input length/i.test(msg)) {
            return bridgeError(
                "InputTooLong",
                `The conversation is too long for ${model}. Shorten the prompt or drop earlier turns.`,
            );
        }
        return bridgeError("ValidationError", `Bedrock rejected the request for ${model}: ${msg.slice(0, 300)}`);
    }
    if (RETRYABLE_SERVICE.includes(name) || (e?.$metadata?.httpStatusCode ?? 0) >= 500) {
        return bridgeError(
            "ServiceUnavailable",
            `Bedrock is temporarily unavailable for ${model}${where}. Retry shortly.`,
            true,
        );
    }
    return bridgeError("InternalError", `Unexpected failure calling Bedrock for ${model}${where}: ${name}.`);
}
