// bedrock-bridge chat client: browsers and Node 20+ (in Node, call useNodeWebSocket() from "./node" first).
export { closeConnections, createChatClient, memoryStorage, newSessionId } from "./client";
export type {
    Answer,
    AskOptions,
    ChatClient,
    ChatClientOptions,
    ChatSession,
    ProvidedTokens,
    SignedInUser,
    SignInOptions,
    TokenStorage,
} from "./client";
export { createAssembler, parseChatEvent } from "./assembler";
export type { Assembler } from "./assembler";
export { endpointsFromOutputs } from "./config";
export { chatError, isChatError } from "./errors";
export type { ChatError, ChatErrorCode } from "./errors";
export { historyFor, promptProblem } from "./history";
export type { Turn } from "./history";
export { postPrompt } from "./rest";
export * from "./types";
