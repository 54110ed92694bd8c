// Errors of the client library: one factory, a code a program can switch on and a message a person understands.
import type { ErrorEvent } from "./types";

export type ChatErrorCode =
    | "WrongPassword"
    | "NotConfirmed"
    | "PasswordResetRequired"
    | "NewPasswordRequired"
    | "UnsupportedChallenge"
    | "NotSignedIn"
    | "Unauthorized"
    | "Forbidden"
    | "BadRequest"
    | "InvalidPrompt"
    | "Throttled"
    | "SubscribeFailed"
    | "Timeout"
    /** The realtime connection dropped while an answer was streaming: events sent meanwhile are lost. */
    | "ConnectionLost"
    | "Cancelled"
    | "Network"
    | "ServerError"
    /** An `error` event ended the answer: `event.code` says why (Throttled, InputTooLong, Timeout, ...). */
    | "StreamError";

export interface ChatError extends Error {
    name: "ChatError";
    code: ChatErrorCode;
    /** HTTP status of the REST endpoint, when it answered with an error. */
    status?: number;
    /** The `error` event that ended an answer (code StreamError). */
    event?: ErrorEvent;
    /** Text assembled before the answer failed or was cancelled. */
    partialText?: string;
    /** API Gateway's request id, when known. */
    requestId?: string;
}

/** What a refused sign-in means to the user (never "someone else's channel": the client asks only on its own). */
export const SESSION_ENDED =
    "Your session is no longer valid (it expired, was signed out, or the service was restarted): sign in again.";

/** A factory, not a class: the project's rule for errors (see GUIDE.md), and instanceof-free across bundles. */
export function chatError(
    code: ChatErrorCode,
    message: string,
    extra: Partial<Omit<ChatError, "name" | "code" | "message">> = {},
): ChatError {
    const err = new Error(message) as ChatError;
    err.name = "ChatError";
    err.code = code;
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (err as unknown as Record<string, unknown>)[k] = v;
    return err;
}

export function isChatError(e: unknown): e is ChatError {
    return e instanceof Error && e.name === "ChatError" && typeof (e as ChatError).code === "string";
}

/** Cognito's exception names (Amplify passes them through as error.name) in words a person acts on. */
export function signInError(e: unknown): ChatError {
    if (isChatError(e)) return e;
    const name = e instanceof Error ? e.name : "";
    const msg = e instanceof Error ? e.message : String(e);
    switch (name) {
        case "NotAuthorizedException":
            if (/attempts exceeded/i.test(msg))
                return chatError("Throttled", "Too many failed sign-in attempts: wait a while, then try again.");
            return chatError("WrongPassword", "Sign-in failed: wrong email or password.");
        case "UserNotFoundException":
            return chatError("WrongPassword", "Sign-in failed: wrong email or password.");
        case "UserNotConfirmedException":
            return chatError(
                "NotConfirmed",
                "This account is not confirmed yet: confirm it (the code sent by email, or an administrator), then sign in.",
            );
        case "PasswordResetRequiredException":
            return chatError("PasswordResetRequired", "This account must reset its password before signing in.");
        case "TooManyRequestsException":
        case "LimitExceededException":
        case "TooManyFailedAttemptsException":
            return chatError("Throttled", "Too many sign-in requests: wait a moment, then try again.");
        case "EmptySignInUsername":
        case "EmptySignInPassword":
            return chatError("WrongPassword", "Sign-in needs an email and a password.");
        case "TypeError":
        case "NetworkError":
            return chatError("Network", `Cannot reach the sign-in endpoint (${msg}).`);
        default:
            return chatError("ServerError", `Sign-in failed: ${name ? `${name}: ` : ""}${msg}`);
    }
}
