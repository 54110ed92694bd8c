// The streaming chat protocol as a client sees it (ARCHITECTURE.md, "Streaming chat protocol"): one request's
// events on /<namespace>/<sub>/<sessionid>, gapless seq from 0, at-least-once, ending in one done or error.

// One source for the events: the relay's own types (type-only, nothing of functions/ is bundled).
import type { ChatEvent, Usage } from "../functions/chat/relay";
import type { ChatLimits as RelayLimits } from "../functions/chat/streamingChat";

export type { ChatEvent, Usage };
export type DeltaEvent = Extract<ChatEvent, { type: "delta" }>;
export type DoneEvent = Extract<ChatEvent, { type: "done" }>;
export type ErrorEvent = Extract<ChatEvent, { type: "error" }>;
export type TerminalEvent = DoneEvent | ErrorEvent;

/** The stack's limits on a request (bedrock-bridge:chat: min/maxPromptChars, maxPriorTurns: pairs of history,
 * maxTurnChars: one history message), as the relay reads them; maxTokens is the stack's own business. */
export type ChatLimits = Omit<RelayLimits, "maxTokens">;

export const DEFAULT_LIMITS: ChatLimits = {
    minPromptChars: 1,
    maxPromptChars: 8000,
    maxPriorTurns: 10,
    maxTurnChars: 8000,
};

export interface HistoryMessage {
    role: "user" | "assistant";
    content: string;
}

/** The request body the REST endpoint's model accepts (components/chat/streamingChatBackend.ts requestSchema). */
export interface ChatRequestBody {
    prompt: string;
    sessionid: string;
    history?: HistoryMessage[];
}

/** Where a caller stack (or the sandbox) is: everything the client needs, nothing secret. */
export interface ChatEndpoints {
    /** REST POST endpoint (stack output chatRestEndpoint). */
    restEndpoint: string;
    /** AppSync Events HTTP endpoint (chatEventsHttpEndpoint); Amplify derives the realtime URL from it. */
    eventsHttpEndpoint: string;
    /** Region of the AppSync Events API (stack output region). */
    region: string;
    /** Channel namespace (chatNamespace). */
    namespace: string;
    userPoolId: string;
    userPoolClientId: string;
    /** A Cognito user pool API endpoint other than AWS's (the sandbox's cognitoEndpoint). */
    userPoolEndpoint?: string;
    limits: ChatLimits;
}
