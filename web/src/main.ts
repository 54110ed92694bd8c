// The chat page: sign in, ask, watch the answer stream. Configuration comes from config.json beside the page
// (a caller stack's `pulumi stack output --json`, or the sandbox's outputs), so one build serves every stack.
import {
    createChatClient,
    endpointsFromOutputs,
    isChatError,
    promptProblem,
    type ChatClient,
    type ChatSession,
    type SignedInUser,
    type TokenStorage,
} from "../../client";
import { showMarkdown } from "./sanitize";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** An async event handler: the DOM ignores what a listener returns, so say so (each handler reports its own errors). */
const on = <K extends keyof HTMLElementEventMap>(
    el: HTMLElement,
    type: K,
    handler: (ev: HTMLElementEventMap[K]) => Promise<void>,
): void => el.addEventListener(type, ev => void handler(ev));
const ui = {
    where: $("where"),
    who: $("who"),
    signout: $<HTMLButtonElement>("signout"),
    signinForm: $<HTMLFormElement>("signin-form"),
    signinHint: $("signin-hint"),
    email: $<HTMLInputElement>("email"),
    password: $<HTMLInputElement>("password"),
    newPasswordRow: $("new-password-row"),
    newPassword: $<HTMLInputElement>("new-password"),
    signin: $<HTMLButtonElement>("signin"),
    chat: $("chat"),
    sessionId: $("session-id"),
    newSession: $<HTMLButtonElement>("new-session"),
    turns: $("turns"),
    promptForm: $<HTMLFormElement>("prompt-form"),
    prompt: $<HTMLTextAreaElement>("prompt"),
    send: $<HTMLButtonElement>("send"),
    cancel: $<HTMLButtonElement>("cancel"),
    status: $("status"),
    confirm: $<HTMLDialogElement>("confirm"),
    confirmText: $("confirm-text"),
    confirmOk: $<HTMLButtonElement>("confirm-ok"),
    confirmCancel: $<HTMLButtonElement>("confirm-cancel"),
};

/** Tokens live as long as the tab (sessionStorage), not beyond it. */
const tabStorage: TokenStorage = {
    async setItem(k, v) {
        sessionStorage.setItem(k, v);
    },
    async getItem(k) {
        return sessionStorage.getItem(k);
    },
    async removeItem(k) {
        sessionStorage.removeItem(k);
    },
    async clear() {
        sessionStorage.clear();
    },
};

/** One turn as the page shows it; the conversation survives a reload in sessionStorage (like the tokens). */
interface ShownTurn {
    prompt: string;
    answer: string;
    /** "lost": the page was reloaded while this answer was streaming. */
    state: "streaming" | "done" | "error" | "cancelled" | "lost";
    error?: string;
    requestId?: string;
}

interface SavedConversation {
    sub: string;
    sessionId: string;
    turns: ShownTurn[];
}

const SAVED = "bedrock-bridge.conversation";
const LOST_NOTE =
    "The page was reloaded while this answer was arriving: the rest of it was lost. Ask again if you need it.";
const CANCELLED_NOTE = "Cancelled: the rest of this answer is not shown.";

function loadConversation(sub: string): SavedConversation | undefined {
    try {
        const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? "null") as SavedConversation | null;
        if (saved?.sub === sub && typeof saved.sessionId === "string" && Array.isArray(saved.turns)) return saved;
    } catch {
        /* unreadable: start afresh */
    }
    return undefined;
}

function status(text: string, isError = false): void {
    ui.status.textContent = text;
    ui.status.classList.toggle("error", isError);
}

/**
 * Asks before something that cannot be undone; resolves true only for `ok`. A modal <dialog>, not window.confirm:
 * that would stop the page (and an answer arriving) while it is open. Escape, or the default button, keeps things.
 */
function confirmFirst(text: string, ok: string, cancel: string): Promise<boolean> {
    ui.confirmText.textContent = text;
    ui.confirmOk.textContent = ok;
    ui.confirmCancel.textContent = cancel;
    ui.confirm.returnValue = "";
    ui.confirm.showModal();
    ui.confirmCancel.focus();
    return new Promise(resolve =>
        ui.confirm.addEventListener("close", () => resolve(ui.confirm.returnValue === "ok"), { once: true }),
    );
}

function message(e: unknown): string {
    return isChatError(e) ? e.message : e instanceof Error ? e.message : String(e);
}

/** The sandbox says who to sign in as; a deployed stack's config.json has no such field. */
function showSignInHint(outputs: Record<string, unknown>): void {
    if (outputs.sandbox !== true) return;
    const demo = outputs.demoUser as { email?: unknown; password?: unknown } | undefined;
    const code = (text: string) => Object.assign(document.createElement("code"), { textContent: text });
    if (typeof demo?.email === "string" && typeof demo.password === "string") {
        ui.signinHint.replaceChildren(
            "Local sandbox: sign in as ",
            code(demo.email),
            " with the password ",
            code(demo.password),
            ".",
        );
        if (!ui.email.value) ui.email.value = demo.email;
    } else {
        ui.signinHint.replaceChildren(
            "Local sandbox: sign in with a user given to ",
            code("npm start -- --user email:password"),
            ".",
        );
    }
    ui.signinHint.hidden = false;
}

async function main(): Promise<void> {
    let client: ChatClient;
    try {
        const res = await fetch("config.json", { cache: "no-store" });
        if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
        const outputs = (await res.json()) as Record<string, unknown>;
        client = createChatClient(endpointsFromOutputs(outputs), { storage: tabStorage });
        ui.where.textContent =
            outputs.sandbox === true ? "local sandbox (emulation)" : new URL(client.endpoints.restEndpoint).host;
        showSignInHint(outputs);
    } catch (e) {
        status(`This page needs a config.json beside it (a caller stack's outputs): ${message(e)}`, true);
        return;
    }

    let session: ChatSession = client.newSession();
    let owner: string | undefined;
    let shown: ShownTurn[] = [];
    let running: AbortController | undefined;

    const save = () => {
        if (!owner) return;
        const saved: SavedConversation = { sub: owner, sessionId: session.id, turns: shown };
        try {
            sessionStorage.setItem(SAVED, JSON.stringify(saved));
        } catch {
            /* storage full or disabled: the conversation just does not survive a reload */
        }
    };
    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    const saveSoon = () => {
        saveTimer ??= setTimeout(() => {
            saveTimer = undefined;
            save();
        }, 250);
    };

    // The conversation scrolls in its own box, above the prompt box; it follows a growing answer unless the user
    // has scrolled up to read something earlier.
    const nearBottom = () => ui.turns.scrollHeight - ui.turns.scrollTop - ui.turns.clientHeight < 40;
    const toBottom = () => {
        ui.turns.scrollTop = ui.turns.scrollHeight;
    };

    /** Puts a turn on screen; the returned functions update it. */
    const render = (t: ShownTurn) => {
        const li = document.createElement("li");
        li.className = "turn";
        const q = document.createElement("p");
        q.className = "prompt";
        q.textContent = t.prompt;
        // A <div>: rendered Markdown is paragraphs, lists and code blocks, which a <p> cannot hold.
        const answer = document.createElement("div");
        answer.className = "answer";
        showMarkdown(answer, t.answer);
        li.append(q, answer);
        ui.turns.append(li);
        // While the answer grows, it is rendered again from the whole text (an open code block or list is only
        // Markdown once complete), at most once a frame however fast the pieces come.
        let frame: number | undefined;
        const redraw = () => {
            if (frame !== undefined) cancelAnimationFrame(frame);
            frame = undefined;
            const follow = nearBottom();
            showMarkdown(answer, t.answer);
            if (follow) toBottom();
        };
        const settle = () => {
            redraw();
            answer.dataset.state = t.state;
            if (t.requestId) li.dataset.requestId = t.requestId;
            li.querySelector(".error, .note")?.remove();
            const text =
                t.state === "error"
                    ? t.error
                    : t.state === "cancelled"
                      ? CANCELLED_NOTE
                      : t.state === "lost"
                        ? LOST_NOTE
                        : undefined;
            if (!text) return;
            const p = document.createElement("p");
            // A cancel is the user's own doing, not an error: a quiet note, not an alert.
            p.className = t.state === "error" ? "error" : "note";
            if (t.state === "error") p.setAttribute("role", "alert");
            p.textContent = text;
            li.append(p);
        };
        settle();
        return {
            li,
            /** The turn's text has grown: show it. */
            grew() {
                frame ??= requestAnimationFrame(redraw);
            },
            settle,
        };
    };

    const startSession = (s: ChatSession, turns: ShownTurn[]) => {
        session = s;
        shown = turns;
        ui.turns.replaceChildren();
        for (const t of shown) render(t);
        toBottom();
        ui.sessionId.textContent = ui.sessionId.title = session.id;
        save();
    };

    const showSignedIn = (user: SignedInUser) => {
        owner = user.sub;
        // The same user's conversation of this tab comes back (after a reload, or signing in again).
        const saved = loadConversation(user.sub);
        if (saved) {
            let lost = false;
            for (const t of saved.turns)
                if (t.state === "streaming") {
                    t.state = "lost";
                    lost = true;
                }
            const done = saved.turns.filter(t => t.state === "done");
            startSession(client.newSession(saved.sessionId, done), saved.turns);
            if (lost) status(LOST_NOTE);
        } else {
            startSession(client.newSession(), []);
        }
        ui.signinForm.hidden = true;
        ui.chat.hidden = false;
        ui.signout.hidden = false;
        ui.who.hidden = false;
        ui.who.textContent = user.email ?? "";
        ui.who.title = user.email ?? "";
        ui.prompt.focus();
    };
    const showSignIn = () => {
        ui.signinForm.hidden = false;
        ui.chat.hidden = true;
        ui.signout.hidden = true;
        ui.who.hidden = true;
        (ui.email.value ? ui.password : ui.email).focus();
    };

    on(ui.signinForm, "submit", async ev => {
        ev.preventDefault();
        ui.signin.disabled = true;
        status("Signing in...");
        try {
            const user = await client.signIn(ui.email.value.trim(), ui.password.value, {
                newPassword: ui.newPassword.value || undefined,
            });
            ui.password.value = ui.newPassword.value = "";
            ui.newPasswordRow.hidden = true;
            status("");
            showSignedIn(user);
        } catch (e) {
            if (isChatError(e) && e.code === "NewPasswordRequired") ui.newPasswordRow.hidden = false;
            status(message(e), true);
        } finally {
            ui.signin.disabled = false;
        }
    });

    // Signing out is how a user leaves nothing behind on a shared or borrowed device, so it clears the conversation
    // from the tab too (the tokens go; the text would otherwise stay readable in sessionStorage). It asks first,
    // because the page keeps no other copy. An ended sign-in (expired, revoked) is not the user's choice:
    // there the conversation stays, and signing in again brings it back.
    on(ui.signout, "click", async () => {
        if (
            shown.length > 0 &&
            !(await confirmFirst(
                "Sign out? " +
                    (running ? "The answer still arriving is cancelled, and this" : "This") +
                    " conversation is cleared from this tab (the page keeps no other copy): signing in again" +
                    " starts a new one.",
                "Sign out and clear",
                "Stay signed in",
            ))
        )
            return;
        running?.abort();
        await client.signOut();
        sessionStorage.removeItem(SAVED);
        owner = undefined;
        shown = [];
        ui.turns.replaceChildren();
        session = client.newSession();
        status("Signed out; the conversation was cleared from this tab.");
        showSignIn();
    });

    on(ui.newSession, "click", async () => {
        if (
            shown.length > 0 &&
            !(await confirmFirst(
                "Start a new session? " +
                    (running ? "The answer still arriving is cancelled, and this" : "This") +
                    " conversation is cleared: the model no longer sees it, and the page keeps no other copy.",
                "Start a new session",
                "Keep this conversation",
            ))
        ) {
            ui.prompt.focus();
            return;
        }
        running?.abort();
        startSession(client.newSession(), []);
        status("New session: the model no longer sees the earlier turns.");
        ui.prompt.focus();
    });

    ui.cancel.addEventListener("click", () => running?.abort());

    ui.prompt.addEventListener("keydown", ev => {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            ui.promptForm.requestSubmit();
        }
    });

    on(ui.promptForm, "submit", async ev => {
        ev.preventDefault();
        if (running) return;
        const prompt = ui.prompt.value;
        // Said here rather than as a failed turn: nothing was sent.
        const problem = prompt.trim()
            ? promptProblem(prompt, client.endpoints.limits)
            : "Type a question first: the prompt is empty.";
        if (problem) {
            status(problem, true);
            ui.prompt.focus();
            return;
        }
        const t: ShownTurn = { prompt, answer: "", state: "streaming" };
        shown.push(t);
        const view = render(t);
        toBottom();
        save();
        ui.prompt.value = "";
        running = new AbortController();
        ui.send.disabled = true;
        ui.cancel.disabled = false;
        status("Waiting for the answer...");
        const asked = session;
        try {
            // Each final piece of text is appended as it arrives: the answer grows on screen while the model writes.
            const a = await asked.ask(prompt, {
                signal: running.signal,
                onText: chunk => {
                    t.answer += chunk;
                    view.grew();
                    saveSoon();
                },
            });
            t.state = "done";
            t.requestId = a.requestId;
            status(a.stopReason === "max_tokens" ? "The answer reached the stack's token limit." : "");
        } catch (e) {
            if (isChatError(e) && e.code === "Cancelled") {
                t.state = "cancelled";
                status("");
            } else {
                t.state = "error";
                t.error = message(e);
                // The stack no longer accepts this sign-in (the client has removed the tokens): sign in again.
                if (isChatError(e) && (e.code === "NotSignedIn" || e.code === "Unauthorized")) {
                    status(t.error, true);
                    showSignIn();
                } else status("");
            }
        } finally {
            view.settle();
            save();
            running = undefined;
            ui.send.disabled = false;
            ui.cancel.disabled = true;
        }
    });

    // A device that goes offline cannot receive the answer; say so instead of leaving the user waiting.
    window.addEventListener("offline", () =>
        status("You are offline: answers cannot arrive until the network is back.", true),
    );
    window.addEventListener("online", () => status(""));

    try {
        const user = await client.resumeSession();
        if (user) showSignedIn(user);
        else showSignIn();
    } catch (e) {
        status(message(e), true);
        showSignIn();
    }
}

void main();
