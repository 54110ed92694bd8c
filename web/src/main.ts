// The chat page: sign in, ask, watch the answer stream. Configuration comes from config.json beside the page
// (a caller stack's `pulumi stack output --json`, or the sandbox's outputs), so one build serves every stack.
import {
    createChatClient,
    endpointsFromOutputs,
    isChatError,
    type ChatClient,
    type ChatSession,
    type TokenStorage,
} from "../../client";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
    where: $("where"),
    who: $("who"),
    signout: $<HTMLButtonElement>("signout"),
    signinForm: $<HTMLFormElement>("signin-form"),
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

function status(text: string, isError = false): void {
    ui.status.textContent = text;
    ui.status.classList.toggle("error", isError);
}

function message(e: unknown): string {
    return isChatError(e) ? e.message : e instanceof Error ? e.message : String(e);
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
    } catch (e) {
        status(`This page needs a config.json beside it (a caller stack's outputs): ${message(e)}`, true);
        return;
    }

    let session: ChatSession = client.newSession();
    let running: AbortController | undefined;

    const showSignedIn = (email: string | undefined) => {
        ui.signinForm.hidden = true;
        ui.chat.hidden = false;
        ui.signout.hidden = false;
        ui.who.hidden = false;
        ui.who.textContent = email ?? "";
        ui.sessionId.textContent = session.id;
        ui.prompt.focus();
    };
    const showSignIn = () => {
        ui.signinForm.hidden = false;
        ui.chat.hidden = true;
        ui.signout.hidden = true;
        ui.who.hidden = true;
        ui.email.focus();
    };

    ui.signinForm.addEventListener("submit", async ev => {
        ev.preventDefault();
        ui.signin.disabled = true;
        status("Signing in…");
        try {
            const user = await client.signIn(ui.email.value.trim(), ui.password.value, {
                newPassword: ui.newPassword.value || undefined,
            });
            ui.password.value = ui.newPassword.value = "";
            ui.newPasswordRow.hidden = true;
            status("");
            showSignedIn(user.email);
        } catch (e) {
            if (isChatError(e) && e.code === "NewPasswordRequired") ui.newPasswordRow.hidden = false;
            status(message(e), true);
        } finally {
            ui.signin.disabled = false;
        }
    });

    ui.signout.addEventListener("click", async () => {
        running?.abort();
        await client.signOut();
        ui.turns.replaceChildren();
        session = client.newSession();
        status("Signed out.");
        showSignIn();
    });

    ui.newSession.addEventListener("click", () => {
        running?.abort();
        session = client.newSession();
        ui.turns.replaceChildren();
        ui.sessionId.textContent = session.id;
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

    ui.promptForm.addEventListener("submit", async ev => {
        ev.preventDefault();
        const prompt = ui.prompt.value;
        if (!prompt.trim() || running) return;
        const turn = document.createElement("li");
        turn.className = "turn";
        const q = document.createElement("p");
        q.className = "prompt";
        q.textContent = prompt;
        const answer = document.createElement("p");
        answer.className = "answer";
        answer.dataset.state = "streaming";
        turn.append(q, answer);
        ui.turns.append(turn);
        ui.prompt.value = "";
        running = new AbortController();
        ui.send.disabled = true;
        ui.cancel.disabled = false;
        status("Waiting for the answer…");
        const asked = session;
        try {
            // Each final piece of text is appended as it arrives: the answer grows on screen while the model writes.
            const a = await asked.ask(prompt, {
                signal: running.signal,
                onText: chunk => {
                    answer.append(document.createTextNode(chunk));
                    turn.scrollIntoView({ block: "end" });
                },
            });
            answer.dataset.state = "done";
            turn.dataset.requestId = a.requestId;
            status(a.stopReason === "max_tokens" ? "The answer reached the stack's token limit." : "");
        } catch (e) {
            answer.dataset.state = "error";
            const err = document.createElement("p");
            err.className = "error";
            err.setAttribute("role", "alert");
            err.textContent = message(e);
            turn.append(err);
            status("");
            if (isChatError(e) && (e.code === "NotSignedIn" || e.code === "Unauthorized")) showSignIn();
        } finally {
            running = undefined;
            ui.send.disabled = false;
            ui.cancel.disabled = true;
        }
    });

    const user = await client.user();
    if (user) showSignedIn(user.email);
    else showSignIn();
}

void main();
