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
    | "InternalError";

export class BridgeError extends Error {
    constructor(public readonly code: BridgeErrorCode, message: string, public readonly retryable = false) {
        super(message);
        // Lambda reports `name` as errorType: make it the code, not "Error".
        this.name = code;
    }
}

export interface ErrorContext {
    modelId?: string;
    roleArn?: string;
    region?: string;
}

const RETRYABLE_SERVICE = ["ServiceUnavailableException", "InternalServerException", "ModelNotReadyException", "ModelTimeoutException", "ModelStreamErrorException"];

/** Maps an SDK error (Bedrock Runtime or STS) to a BridgeError; never leaks a stack trace or credentials. */
export function toBridgeError(err: unknown, ctx: ErrorContext = {}): BridgeError {
    if (err instanceof BridgeError) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = e?.name ?? "Error";
    const msg = String(e?.message ?? err);
    const where = `${ctx.region ? ` in ${ctx.region}` : ""}${ctx.roleArn ? ` (role ${ctx.roleArn})` : ""}`;
    const model = ctx.modelId ?? "the model";
    if (name === "ThrottlingException") {
        return new BridgeError("Throttled", `Bedrock is throttling requests for ${model}${where}: the account's quota is exhausted for now. Retry later, or add another Bedrock account to the pool.`, true);
    }
    if (name === "ServiceQuotaExceededException") {
        return new BridgeError("QuotaExceeded", `Bedrock quota exceeded for ${model}${where}. Request a quota increase or add another Bedrock account.`, true);
    }
    if (name === "AccessDeniedException") {
        if (/don't have access to the model|not have access to the model|model access|not authorized to access this model/i.test(msg)) {
            return new BridgeError("ModelNotEnabled", `Model access for ${model} is not enabled in the Bedrock account${where}. Enable it under Bedrock > Model access there.`);
        }
        return new BridgeError("AccessDenied", `The Bedrock account's role may not invoke ${model}${where}. Add it to bedrock-bridge:models of the Bedrock stack and run pulumi up there.`);
    }
    if (name === "AccessDenied") {
        // STS's code for a refused AssumeRole.
        return new BridgeError("AssumeRoleDenied", `This function may not assume the Bedrock account's role${where}. Check that its role lives under the path the Bedrock stack trusts (bedrock-bridge:callerRolePath) and that the caller stack references the right Bedrock stack.`);
    }
    if (name === "ResourceNotFoundException") {
        return new BridgeError("ModelNotFound", `Bedrock does not know ${model}${where}. Check the model id and the Bedrock stack's region.`);
    }
    if (name === "ValidationException") {
        if (/too long|too many tokens|exceeds? the (max|limit)|context length|input length/i.test(msg)) {
            return new BridgeError("InputTooLong", `The conversation is too long for ${model}. Shorten the prompt or drop earlier turns.`);
        }
        return new BridgeError("ValidationError", `Bedrock rejected the request for ${model}: ${msg.slice(0, 300)}`);
    }
    if (RETRYABLE_SERVICE.includes(name) || (e?.$metadata?.httpStatusCode ?? 0) >= 500) {
        return new BridgeError("ServiceUnavailable", `Bedrock is temporarily unavailable for ${model}${where}. Retry shortly.`, true);
    }
    return new BridgeError("InternalError", `Unexpected failure calling Bedrock for ${model}${where}: ${name}.`);
}
