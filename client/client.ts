// The chat client: Cognito sign-in through Amplify Auth (SRP), the answer through Amplify's AppSync Events client
// on the user's own channel, the prompt through the REST endpoint. One Amplify context per client, so several
// users in one process (tests, a server) never share tokens.
import { createAmplifyContext, type AmplifyContext, type ResourcesConfig } from "aws-amplify";
import { createUserPoolsTokenProvider } from "aws-amplify/adapter-core";
import {
    confirmSignIn,
    fetchUserAttributes,
    signIn as amplifySignIn,
    signOut as amplifySignOut,
} from "aws-amplify/auth";
import { events } from "aws-amplify/data";
import { Hub } from "aws-amplify/utils";
import { createAssembler, parseChatEvent } from "./assembler";
import { chatError, isChatError, SESSION_ENDED, signInError, type ChatError } from "./errors";
import { historyFor, promptProblem, type Turn } from "./history";
import { postPrompt } from "./rest";
import type { ChatEndpoints, ChatEvent, DoneEvent, Usage } from "./types";

/** Amplify's storage interface (aws-amplify's KeyValueStorageInterface): localStorage, sessionStorage or memory. */
export interface TokenStorage {
    setItem(key: string, value: string): Promise<void>;
    getItem(key: string): Promise<string | null>;
    removeItem(key: string): Promise<void>;
    clear(): Promise<void>;
}

export interface ProvidedTokens {
    idToken: string;
    accessToken: string;
}

export interface ChatClientOptions {
    /** Where Amplify keeps the signed-in user's tokens. Default: memory (gone with the process or page). */
    storage?: TokenStorage;
    /** Tokens obtained elsewhere instead of signIn (a script's token, the sandbox's token URL). */
    tokens?: () => Promise<ProvidedTokens>;
    /** An answer fails with Timeout when no event arrives for this long. Default 60 s. */
    timeoutMs?: number;
    /** How long a subscription may take to be acknowledged. Default 15 s. */
    subscribeTimeoutMs?: number;
}

export interface SignedInUser {
    sub: string;
    email?: string;
}

export interface SignInOptions {
    /** Answers Cognito's new-password challenge (a user created with a temporary password). */
    newPassword?: string;
}

export interface AskOptions {
    /** Called with each piece of text as it becomes final, in order (progressive rendering). */
    onText?: (chunk: string, textSoFar: string) => void;
    /** Called with each event once, in seq order, the terminal one last. */
    onEvent?: (event: ChatEvent) => void;
    /** Aborting rejects the answer with Cancelled (the stack still finishes generating it). */
    signal?: AbortSignal;
    timeoutMs?: number;
}

export interface Answer {
    text: string;
    requestId: string;
    stopReason: string;
    usage: Usage | null;
    /** Events taken (each seq once) and events dropped as repeats. */
    events: number;
    repeats: number;
}

export interface ChatSession {
    readonly id: string;
    /** Completed turns of this session, oldest first. */
    readonly turns: readonly Turn[];
    /** Subscribes to the session's channel, posts the prompt with the history that fits, resolves with the answer. */
    ask(prompt: string, options?: AskOptions): Promise<Answer>;
}

export interface ChatClient {
    readonly endpoints: ChatEndpoints;
    signIn(email: string, password: string, options?: SignInOptions): Promise<SignedInUser>;
    signOut(): Promise<void>;
    /** The signed-in user, or undefined. */
    user(): Promise<SignedInUser | undefined>;
    /**
     * The user of a stored sign-in (a reloaded page), after asking the user pool that it still holds (GetUser).
     * Undefined when nothing is stored; rejects with NotSignedIn or Unauthorized, and forgets the stored tokens,
     * when the sign-in has expired or was invalidated (signed out elsewhere, a restarted sandbox).
     */
    resumeSession(): Promise<SignedInUser | undefined>;
    /** A session with this id (default: a new one), continuing after `turns` (a conversation kept elsewhere). */
    newSession(id?: string, turns?: readonly Turn[]): ChatSession;
}

type TokenProvider = ReturnType<typeof createUserPoolsTokenProvider>;
type JWT = NonNullable<Awaited<ReturnType<TokenProvider["getTokens"]>>>["accessToken"];

/** A session id that is a valid channel segment ([A-Za-z0-9-], at most 50) and hard to guess. */
export function newSessionId(): string {
    const c = globalThis.crypto;
    // randomUUID exists only in secure contexts (https, localhost); the same 122 random bits otherwise.
    if (typeof c.randomUUID === "function") return c.randomUUID();
    const b = c.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function memoryStorage(): TokenStorage {
    const m = new Map<string, string>();
    return {
        async setItem(k, v) {
            m.set(k, v);
        },
        async getItem(k) {
            return m.get(k) ?? null;
        },
        async removeItem(k) {
            m.delete(k);
        },
        async clear() {
            m.clear();
        },
    };
}

export function createChatClient(endpoints: ChatEndpoints, options: ChatClientOptions = {}): ChatClient {
    const resources: ResourcesConfig = {
        Auth: {
            Cognito: {
                userPoolId: endpoints.userPoolId,
                userPoolClientId: endpoints.userPoolClientId,
                ...(endpoints.userPoolEndpoint ? { userPoolEndpoint: endpoints.userPoolEndpoint } : {}),
                loginWith: { email: true },
            },
        },
        // Amplify derives the realtime URL from this endpoint (appsyncUrl.mjs in @aws-amplify/api-graphql).
        API: {
            Events: { endpoint: endpoints.eventsHttpEndpoint, region: endpoints.region, defaultAuthMode: "userPool" },
        },
    };
    // Whether tokens were found in storage: when they are gone later (a refresh the pool refused, and Amplify
    // cleared them), the session ended, which is worth saying differently from "never signed in".
    let storedSignIn = false;
    const base = options.storage ?? memoryStorage();
    const storage: TokenStorage = {
        setItem: (k, v) => base.setItem(k, v),
        removeItem: k => base.removeItem(k),
        clear: () => base.clear(),
        async getItem(k) {
            const v = await base.getItem(k);
            if (v !== null && k.endsWith(".accessToken")) storedSignIn = true;
            return v;
        },
    };
    const tokenProvider: TokenProvider = options.tokens
        ? {
              getTokens: async () => {
                  const t = await options.tokens!();
                  return { idToken: jwt(t.idToken), accessToken: jwt(t.accessToken) };
              },
          }
        : createUserPoolsTokenProvider(resources.Auth!, storage);
    const ctx: AmplifyContext = createAmplifyContext(resources, { Auth: { tokenProvider } });
    noticeProvider();
    const timeoutMs = options.timeoutMs ?? 60_000;
    const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 15_000;

    async function tokens(): Promise<{ idToken: string; user: SignedInUser }> {
        let session;
        try {
            session = await ctx.fetchAuthSession();
        } catch (e) {
            throw chatError(
                "NotSignedIn",
                `Cannot renew the sign-in (${(e as Error).message}): check the network, or sign in again.`,
            );
        }
        const id = session.tokens?.idToken;
        if (!id)
            throw chatError(
                "NotSignedIn",
                storedSignIn
                    ? "Your session has expired or was ended: sign in again."
                    : "Not signed in: sign in first.",
            );
        const p = id.payload;
        return {
            idToken: id.toString(),
            user: { sub: String(p.sub), ...(typeof p.email === "string" ? { email: p.email } : {}) },
        };
    }

    /** Removes the stored tokens of a sign-in the stack no longer accepts (nothing stale stays in storage). */
    async function forgetSignIn(): Promise<void> {
        if (options.tokens) return;
        await amplifySignOut(ctx).catch(() => undefined);
    }

    const client: ChatClient = {
        endpoints,
        async signIn(email, password, opts = {}) {
            if (options.tokens) throw chatError("BadRequest", "This client was given tokens; it does not sign in.");
            try {
                // A previous user of this client is signed out first: Amplify refuses a second sign-in.
                if (await client.user()) await amplifySignOut(ctx);
                let out = await amplifySignIn(ctx, {
                    username: email,
                    password,
                    options: { authFlowType: "USER_SRP_AUTH" },
                });
                if (out.nextStep.signInStep === "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED") {
                    if (!opts.newPassword)
                        throw chatError(
                            "NewPasswordRequired",
                            "This account has a temporary password: choose a new one to sign in.",
                        );
                    out = await confirmSignIn(ctx, { challengeResponse: opts.newPassword });
                }
                const step = out.nextStep.signInStep;
                if (step === "CONFIRM_SIGN_UP")
                    throw chatError(
                        "NotConfirmed",
                        "This account is not confirmed yet: confirm it (the code sent by email, or an administrator), then sign in.",
                    );
                if (step === "RESET_PASSWORD")
                    throw chatError("PasswordResetRequired", "This account must reset its password before signing in.");
                if (!out.isSignedIn)
                    throw chatError(
                        "UnsupportedChallenge",
                        `Sign-in needs a step this client does not handle (${step}).`,
                    );
            } catch (e) {
                throw signInError(e);
            }
            return (await tokens()).user;
        },
        async signOut() {
            if (!options.tokens) await amplifySignOut(ctx).catch(() => undefined);
            storedSignIn = false;
        },
        async user() {
            try {
                return (await tokens()).user;
            } catch {
                return undefined;
            }
        },
        async resumeSession() {
            let user: SignedInUser;
            try {
                user = (await tokens()).user;
            } catch (e) {
                if (storedSignIn) throw e; // "expired or was ended", and Amplify has cleared the tokens
                return undefined;
            }
            if (options.tokens) return user;
            try {
                // Tokens are read locally without checking their signature: only the user pool knows they hold.
                await fetchUserAttributes(ctx);
            } catch (e) {
                const name = e instanceof Error ? e.name : "";
                if (/NotAuthorized|UserNotFound|TokenRevoked|PasswordResetRequired/.test(name)) {
                    await forgetSignIn();
                    storedSignIn = false;
                    throw chatError("Unauthorized", SESSION_ENDED);
                }
                // Anything else (the network): the sign-in may well hold, and the next answer will tell.
            }
            return user;
        },
        newSession(id = newSessionId(), earlier: readonly Turn[] = []) {
            const turns: Turn[] = earlier
                .filter(t => typeof t?.prompt === "string" && typeof t?.answer === "string")
                .map(t => ({ prompt: t.prompt, answer: t.answer }));
            return {
                id,
                get turns() {
                    return turns.slice();
                },
                async ask(prompt, askOptions = {}) {
                    const answer = await ask(id, prompt, turns, askOptions);
                    turns.push({ prompt, answer: answer.text });
                    return answer;
                },
            };
        },
    };

    async function ask(sessionid: string, prompt: string, turns: readonly Turn[], o: AskOptions): Promise<Answer> {
        try {
            return await askOnce(sessionid, prompt, turns, o);
        } catch (e) {
            // The stack refused the tokens: they are of no use any more, and must not stay in storage.
            if (isChatError(e) && e.code === "Unauthorized") await forgetSignIn();
            throw e;
        }
    }

    async function askOnce(sessionid: string, prompt: string, turns: readonly Turn[], o: AskOptions): Promise<Answer> {
        const problem = promptProblem(prompt, endpoints.limits);
        if (problem) throw chatError("InvalidPrompt", problem);
        if (o.signal?.aborted) throw chatError("Cancelled", "Cancelled.");
        const { idToken, user } = await tokens();
        const channelName = `/${endpoints.namespace}/${user.sub}/${sessionid}`;
        const assembler = createAssembler();
        const early: ChatEvent[] = [];
        let requestId: string | undefined;
        let settle!: { resolve: (a: Answer) => void; reject: (e: ChatError) => void };
        const finished = new Promise<Answer>((resolve, reject) => {
            settle = { resolve, reject };
        });
        finished.catch(() => undefined); // settled early (cancel, subscribe error) before anyone awaits it
        let over = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const post = new AbortController();

        const fail = (e: ChatError) => {
            if (over) return;
            over = true;
            post.abort(); // a POST still under way must not keep the caller waiting
            if (assembler.text && e.partialText === undefined) e.partialText = assembler.text;
            if (requestId && !e.requestId) e.requestId = requestId;
            settle.reject(e);
        };
        const arm = () => {
            clearTimeout(timer);
            const ms = o.timeoutMs ?? timeoutMs;
            timer = setTimeout(
                () =>
                    fail(
                        chatError(
                            "Timeout",
                            assembler.held
                                ? `No answer event for ${ms / 1000} s, and event ${assembler.nextSeq} never arrived: the answer is incomplete.`
                                : `No answer for ${ms / 1000} s: the stack did not respond in time. Try again.`,
                        ),
                    ),
                ms,
            );
        };
        const take = (ev: ChatEvent) => {
            for (const r of assembler.push(ev)) {
                if (over) return;
                o.onEvent?.(r);
                if (r.type === "delta") o.onText?.(r.message, assembler.text);
                else if (r.type === "done") finish(r);
                else fail(chatError("StreamError", r.message, { event: r }));
            }
        };
        const finish = (done: DoneEvent) => {
            over = true;
            settle.resolve({
                text: assembler.text,
                requestId: done.requestId,
                stopReason: done.stopReason,
                usage: done.usage,
                events: assembler.nextSeq,
                repeats: assembler.ignored,
            });
        };
        const onAbort = () => {
            post.abort();
            fail(chatError("Cancelled", "Cancelled."));
        };
        o.signal?.addEventListener("abort", onAbort, { once: true });

        let channel: Awaited<ReturnType<typeof events.connect>> | undefined;
        let subscription: { unsubscribe(): void } | undefined;
        let stopWatching: (() => void) | undefined;
        try {
            try {
                channel = await withTimeout(
                    events.connect(ctx, channelName, { authMode: "userPool" }),
                    subscribeTimeoutMs,
                    "connecting to the events endpoint",
                );
            } catch (e) {
                throw subscribeError(e, endpoints.eventsHttpEndpoint);
            }
            // Subscribe first and wait for the acknowledgement: events published before it would be lost.
            const sub = channel.subscribe(
                {
                    next: (data: unknown) => {
                        if (over) return;
                        const ev = parseChatEvent((data as { event?: unknown } | undefined)?.event);
                        // Until the POST answers, events of this channel may be this request's: keep them. Later, only
                        // this request's events count (an earlier, cancelled answer may still be streaming here).
                        if (!ev || (requestId !== undefined && ev.requestId !== requestId)) return;
                        arm();
                        if (requestId === undefined) early.push(ev);
                        else take(ev);
                    },
                    error: (e: unknown) => fail(subscribeError(e, endpoints.eventsHttpEndpoint)),
                },
                { authMode: "userPool" },
            );
            subscription = sub;
            try {
                await Promise.race([
                    withTimeout(sub.ready, subscribeTimeoutMs, "subscribing to the answer channel"),
                    finished,
                ]);
            } catch (e) {
                throw subscribeError(e, endpoints.eventsHttpEndpoint);
            }
            if (over) return await finished;
            stopWatching = watchConnection(() =>
                fail(
                    chatError(
                        "ConnectionLost",
                        assembler.text
                            ? `The connection dropped while the answer was arriving: the rest of it is lost (${assembler.text.length} characters arrived). Ask again.`
                            : "The connection dropped before the answer arrived: check the network and ask again.",
                    ),
                ),
            );

            const history = historyFor(turns, endpoints.limits);
            arm(); // the POST itself is bounded by the same timeout
            const accepted = await postPrompt(
                endpoints.restEndpoint,
                idToken,
                { prompt, sessionid, ...(history.length ? { history } : {}) },
                post.signal,
            );
            if (over) return await finished;
            requestId = accepted.requestId;
            arm();
            for (const ev of early.splice(0)) if (ev.requestId === requestId) take(ev);
            return await finished;
        } catch (e) {
            fail(isChatError(e) ? e : chatError("ServerError", (e as Error)?.message ?? String(e)));
            return await finished;
        } finally {
            over = true;
            stopWatching?.();
            clearTimeout(timer);
            o.signal?.removeEventListener("abort", onAbort);
            subscription?.unsubscribe();
            channel?.close();
        }
    }

    return client;
}

/** Closes Amplify's realtime connection (one per process or page, shared by every client): call before exiting. */
export async function closeConnections(): Promise<void> {
    await events.closeAll();
    // Amplify's close() also stops announcing the socket's state for good (and so stops reconnecting), which would
    // leave a later answer in this process blind to a dropped socket (watchConnection). The provider announces
    // itself in those announcements; starting its monitoring again keeps the process usable. Internal names of
    // @aws-amplify/api-graphql's AWSWebSocketProvider: if they change, this does nothing.
    const p = realtimeProvider as
        { _startConnectionStateMonitoring?: () => unknown; connectionStateMonitorSubscription?: unknown } | undefined;
    if (typeof p?._startConnectionStateMonitoring === "function")
        p.connectionStateMonitorSubscription = p._startConnectionStateMonitoring();
}

/** Amplify's realtime provider (a singleton), as its connection-state announcements name it. */
let realtimeProvider: unknown;
let noticingProvider = false;
function noticeProvider(): void {
    if (noticingProvider) return;
    noticingProvider = true;
    Hub.listen("api", ({ payload }) => {
        const p = (payload.data as { provider?: unknown } | undefined)?.provider;
        if (payload.event === "ConnectionStateChange" && p) realtimeProvider = p;
    });
}

/**
 * Calls `lost` when Amplify's realtime socket drops. Amplify reconnects by itself and says nothing to the
 * subscriber, while events published meanwhile are gone for good (AppSync Events does not replay): without this
 * an answer would wait for its timeout. The socket's state is announced on Amplify's Hub channel "api"
 * (ConnectionStateChange; ConnectionDisrupted: closed while subscriptions want it open).
 */
function watchConnection(lost: () => void): () => void {
    return Hub.listen("api", ({ payload }) => {
        const state = (payload.data as { connectionState?: unknown } | undefined)?.connectionState;
        if (
            payload.event === "ConnectionStateChange" &&
            (state === "ConnectionDisrupted" || state === "ConnectionDisruptedPendingNetwork")
        )
            lost();
    });
}

function subscribeError(e: unknown, endpoint: string): ChatError {
    if (isChatError(e)) return e;
    const text = describe(e);
    // The channel is always the user's own (its sub comes from the same token), so a refusal means the token.
    if (/unauthori[sz]ed|not ?authori[sz]ed|forbidden|token/i.test(text)) {
        return chatError("Unauthorized", `${SESSION_ENDED} (The events endpoint said: ${text}.)`);
    }
    return chatError("SubscribeFailed", `Cannot subscribe at the events endpoint ${endpoint} (${text}).`);
}

/** Amplify reports socket errors as Error, GraphQLError-like {errors: [...]} objects or plain objects. */
function describe(e: unknown): string {
    if (e instanceof Error) return e.message;
    const errs = (e as { errors?: { message?: string; errorType?: string }[] } | undefined)?.errors;
    if (Array.isArray(errs) && errs.length) return errs.map(x => x.message ?? x.errorType ?? "").join("; ");
    try {
        return JSON.stringify(e);
    } catch {
        return String(e);
    }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let t: ReturnType<typeof setTimeout>;
    return Promise.race([
        p,
        new Promise<never>((_, reject) => {
            t = setTimeout(() => reject(chatError("Timeout", `Timed out after ${ms / 1000} s ${what}.`)), ms);
        }),
    ]).finally(() => clearTimeout(t));
}

/** Amplify's JWT shape for provided tokens; the payload is read, not verified (the server verifies). */
function jwt(raw: string): JWT {
    const part = raw.split(".")[1] ?? "";
    let payload: JWT["payload"] = {};
    try {
        const b64 = part
            .replace(/-/g, "+")
            .replace(/_/g, "/")
            .padEnd(Math.ceil(part.length / 4) * 4, "=");
        payload = JSON.parse(
            new TextDecoder().decode(Uint8Array.from(atob(b64), c => c.charCodeAt(0))),
        ) as JWT["payload"];
    } catch {
        /* a malformed token: the server refuses it */
    }
    return { payload, toString: () => raw };
}
