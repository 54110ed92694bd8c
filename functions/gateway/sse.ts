// Server-sent events as the two APIs frame them. OpenAI: `data: {chunk}` lines and a final `data: [DONE]`.
// Anthropic: `event: <type>` plus `data: {event}`. No Pulumi imports.

/** One OpenAI-style event: `data: <json>` and a blank line. */
export function sseData(value: unknown): string {
    return `data: ${JSON.stringify(value)}\n\n`;
}

/** The end of an OpenAI stream. */
export const SSE_DONE = "data: [DONE]\n\n";

/** One Anthropic-style event: its type on the `event:` line and the JSON on the `data:` line. */
export function sseEvent(type: string, value: unknown): string {
    return `event: ${type}\ndata: ${JSON.stringify(value)}\n\n`;
}

/** Headers of an event stream: no caching, and no buffering by proxies in front (nginx honours X-Accel-Buffering). */
export const SSE_HEADERS: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
};
