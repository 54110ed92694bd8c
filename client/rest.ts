// The prompt's POST to the stack's REST endpoint (API Gateway, Cognito authorizer): 202 {requestId} at once, or
// the gateway's own error answer ({message, detail}) for a bad token (401), a bad body (400) or throttling (429).
import { chatError, SESSION_ENDED, type ChatError } from "./errors";
import type { ChatRequestBody } from "./types";

/** Posts one prompt with the user's Cognito id token (the authorizer reads the raw token from Authorization). */
export async function postPrompt(
    restEndpoint: string,
    idToken: string,
    body: ChatRequestBody,
    signal?: AbortSignal,
): Promise<{ requestId: string }> {
    let res: Response;
    try {
        res = await fetch(restEndpoint, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: idToken },
            body: JSON.stringify(body),
            signal,
        });
    } catch (e) {
        if (signal?.aborted) throw chatError("Cancelled", "Cancelled.");
        throw chatError("Network", `Cannot reach the chat endpoint ${restEndpoint} (${(e as Error).message}).`);
    }
    const text = await res.text().catch(() => "");
    let reply: Record<string, unknown> = {};
    try {
        reply = JSON.parse(text) as Record<string, unknown>;
    } catch {
        /* a non-JSON answer: status alone decides */
    }
    if (res.status === 202 || res.status === 200) {
        if (typeof reply.requestId !== "string" || !reply.requestId)
            throw chatError("ServerError", "The chat endpoint accepted the prompt but returned no requestId.", {
                status: res.status,
            });
        return { requestId: reply.requestId };
    }
    throw httpError(res.status, reply);
}

function httpError(status: number, reply: Record<string, unknown>): ChatError {
    const said = typeof reply.message === "string" ? reply.message : "";
    const detail = typeof reply.detail === "string" && reply.detail && reply.detail !== "[]" ? reply.detail : "";
    const extra = { status, requestId: typeof reply.requestId === "string" ? reply.requestId : undefined };
    if (status === 400)
        return chatError(
            "BadRequest",
            `The chat endpoint refused the request: ${said || "bad request"}${detail ? ` (${detail})` : ""}.`,
            extra,
        );
    if (status === 401)
        return chatError("Unauthorized", `${SESSION_ENDED}${said ? ` (The chat endpoint said: ${said}.)` : ""}`, extra);
    if (status === 403)
        return chatError(
            "Forbidden",
            `The chat endpoint refused access${said ? ` (${said})` : ""}: check the endpoint URL and that you sign in to this stack's user pool.`,
            extra,
        );
    if (status === 429)
        return chatError("Throttled", "The chat endpoint is busy (throttled): try again in a moment.", extra);
    return chatError("ServerError", `The chat endpoint failed with HTTP ${status}${said ? `: ${said}` : ""}.`, extra);
}
