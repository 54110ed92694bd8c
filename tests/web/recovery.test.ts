// The chat page in headless Chromium when things go wrong the way networks and people make them go wrong:
// a realtime socket dropped mid-answer, a sign-in the restarted sandbox no longer accepts, a reload (after an
// answer and in the middle of one), a whitespace-only prompt, Cancel, a 400-character URL, a 375 px wide screen,
// a 375x667 phone with a long conversation, and the sandbox's demo credentials on the sign-in form. Screenshots go to .test-output/web/recovery-*.png.
import { strict as assert } from "assert";
import * as path from "path";
import type { Page } from "playwright-core";
import { endpointsFromOutputs } from "../../client";
import { DEMO_USER, type Sandbox } from "../../sandbox";
import { pageOnSandbox, shownText } from "../support/browser";

const DELAY_MS = 80; // about 25 chunks: an answer streams for about 2 s, long enough to break it in the middle
const TOKEN_KEYS = "Object.keys(sessionStorage).filter(k => /\\.(idToken|accessToken|refreshToken)$/.test(k))";

describe("web chat page: recovering from what networks and people do (headless Chromium)", function () {
    this.timeout(180_000);
    // No users given: the sandbox's demo user, as `npm start` runs it.
    const fx = pageOnSandbox({ modelDelayMs: DELAY_MS });
    let sb: Sandbox;
    let page: Page;
    const shots = fx.screenshots;
    const shot = (name: string) => page.screenshot({ path: path.join(shots, `recovery-${name}.png`), fullPage: true });
    const lastTurn = () => page.locator("#turns .turn").last();
    const turnCount = () => page.locator("#turns .turn").count();

    /** Sends a prompt from the form and waits until its answer has some text on screen. */
    async function askUntilText(prompt: string): Promise<void> {
        const n = await turnCount();
        await page.fill("#prompt", prompt);
        await page.click("#send");
        await page.waitForFunction(
            `document.querySelectorAll("#turns .turn").length > ${n} &&
             (document.querySelector("#turns .turn:last-child .answer")?.textContent ?? "").length > 0`,
            undefined,
            { timeout: 30_000 },
        );
    }
    async function askToEnd(prompt: string): Promise<void> {
        await page.fill("#prompt", prompt);
        await page.click("#send");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
    }
    async function signIn(): Promise<void> {
        await page.locator("#signin-form").waitFor({ state: "visible" });
        await page.fill("#email", DEMO_USER.email);
        await page.fill("#password", DEMO_USER.password);
        await page.click("#signin");
        await page.locator("#chat").waitFor({ state: "visible" });
    }

    before(() => ({ sb, page } = fx));

    it("the sandbox's sign-in form says the demo credentials, and they work", async () => {
        await page.goto(sb.outputs.pageUrl);
        const hint = page.locator("#signin-hint");
        await hint.waitFor({ state: "visible" });
        const text = (await hint.textContent()) ?? "";
        assert.ok(text.includes(DEMO_USER.email) && text.includes(DEMO_USER.password), text);
        assert.equal(await page.inputValue("#email"), DEMO_USER.email, "the email is filled in");
        await shot("signin");
        await signIn();
    });

    it("a whitespace-only prompt gets a message, and nothing is sent", async () => {
        const before = sb.modelRequests();
        await page.fill("#prompt", "   \n\t  ");
        await page.click("#send");
        await page.locator("#status.error").filter({ hasText: "the prompt is empty" }).waitFor();
        assert.equal(await turnCount(), 0, "no turn for an empty prompt");
        assert.equal(sb.modelRequests(), before);
        // Enter in an empty box says the same.
        await page.fill("#prompt", "");
        await page.press("#prompt", "Enter");
        assert.match((await page.textContent("#status")) ?? "", /the prompt is empty/);
    });

    it("long unbroken text wraps inside its bubble instead of widening the page; the demo answer is plain ASCII", async () => {
        const url = `https://example.com/${"a1b2c3d4e5".repeat(38)}?q=${"x".repeat(12)}`;
        assert.ok(url.length >= 400);
        await askToEnd(`Why does this fail? ${url}`);
        const widths = await page.evaluate<{ page: number; view: number }>(
            "({ page: document.documentElement.scrollWidth, view: window.innerWidth })",
        );
        assert.ok(widths.page <= widths.view, `the page is ${widths.page} px wide in a ${widths.view} px window`);
        const box = (await lastTurn().locator(".prompt").boundingBox())!;
        assert.ok(box.x + box.width <= widths.view, "the prompt's bubble stays in the window");
        // A string: this file is type-checked without the DOM.
        const wrap = await page.evaluate(
            `getComputedStyle(document.querySelector("#turns .turn:last-child .answer")).overflowWrap`,
        );
        assert.equal(wrap, "anywhere", "answers wrap long words too");
        // No emoji or CJK: a bare Linux desktop has no font for them and shows boxes.
        const answer = (await lastTurn().locator(".answer").textContent()) ?? "";
        assert.match(answer, /^[\x20-\x7e]+$/, "the answer is printable ASCII");
        await shot("long-url");
    });

    it("at 375 px wide the header fits, Sign out included", async () => {
        await page.setViewportSize({ width: 375, height: 740 });
        try {
            const box = (await page.locator("#signout").boundingBox())!;
            assert.ok(await page.locator("#signout").isVisible());
            assert.ok(box.x >= 0 && box.x + box.width <= 375, `Sign out spans ${box.x}..${box.x + box.width}`);
            const wide = await page.evaluate<number>("document.documentElement.scrollWidth");
            assert.ok(wide <= 375, `the page is ${wide} px wide`);
            await shot("narrow");
        } finally {
            await page.setViewportSize({ width: 900, height: 700 });
        }
    });

    it("Cancel keeps the text so far with a quiet note, not an error", async () => {
        await askUntilText("A long story, please, that I will cancel");
        await page.click("#cancel");
        await page.locator('#turns .turn:last-child .answer[data-state="cancelled"]').waitFor();
        assert.equal(await lastTurn().locator(".error").count(), 0, "no error box");
        assert.equal(await lastTurn().locator("[role=alert]").count(), 0, "nothing announced as an alert");
        assert.match((await lastTurn().locator(".note").textContent()) ?? "", /Cancelled/);
        assert.ok(((await lastTurn().locator(".answer").textContent()) ?? "").length > 0, "the text so far stays");
        assert.doesNotMatch((await page.textContent("#status")) ?? "", /error|fail/i);
        await shot("cancelled");
    });

    it("a reload keeps the conversation, and the model still gets it as history", async () => {
        await askToEnd("What is the first thing?");
        const turnsBefore = await page.locator("#turns .turn").allTextContents();
        const sessionBefore = await page.textContent("#session-id");
        await page.reload();
        await page.locator("#chat").waitFor({ state: "visible" });
        assert.deepEqual(await page.locator("#turns .turn").allTextContents(), turnsBefore);
        assert.equal(await page.textContent("#session-id"), sessionBefore);
        await askToEnd("And the second?");
        const sent = sb.lastModelRequest()?.messages ?? [];
        // The completed turns (the long-URL one and the first question) come along; the cancelled one does not.
        assert.equal(sent.length, 5, JSON.stringify(sent.map(m => m.role)));
        assert.equal(sent[2].content[0].text, "What is the first thing?");
    });

    it("a reload in the middle of an answer says what was lost", async () => {
        const prompt = "Tell me a long story before I reload";
        await askUntilText(prompt);
        await page.waitForTimeout(600); // the page saves the text so far a few times a second
        await page.reload();
        await page.locator("#chat").waitFor({ state: "visible" });
        const answer = lastTurn().locator(".answer");
        assert.equal(await answer.getAttribute("data-state"), "lost");
        // The text kept (Markdown, as it arrived) is the answer's beginning, and the page shows it rendered.
        const kept = await page.evaluate<string>(
            `JSON.parse(sessionStorage.getItem("bedrock-bridge.conversation")).turns.at(-1).answer`,
        );
        assert.ok(kept.length > 0 && sb.answerFor(prompt).startsWith(kept), `kept "${kept}"`);
        assert.ok(kept.length < sb.answerFor(prompt).length);
        assert.equal(await answer.textContent(), await shownText(page, kept));
        assert.match((await lastTurn().locator(".note").textContent()) ?? "", /reloaded.*lost/);
        assert.match((await page.textContent("#status")) ?? "", /lost/);
        await shot("reload-mid-answer");
    });

    it("a connection that drops mid-answer is reported at once, not after the answer timeout", async () => {
        const prompt = "A long answer whose connection drops";
        await askUntilText(prompt);
        const dropped = sb.dropRealtimeConnections();
        assert.ok(dropped >= 1, "the sandbox dropped the page's socket");
        // The message says what ended the answer: the drop (the client's 60 s answer timeout reads otherwise), so
        // the wait is only a safety net, kept under that timeout.
        const err = lastTurn().locator(".error");
        await err.waitFor({ timeout: 50_000 });
        assert.match((await err.textContent()) ?? "", /connection dropped.*ask again/i);
        assert.equal(await lastTurn().locator(".answer").getAttribute("data-state"), "error");
        await shot("connection-dropped");
        await askToEnd("Asking again after the drop");
        assert.equal(
            await lastTurn().locator(".answer").textContent(),
            await shownText(page, sb.answerFor("Asking again after the drop")),
        );
    });

    it("a sign-in the restarted sandbox no longer accepts asks to sign in again and leaves no tokens behind", async () => {
        assert.ok((await page.evaluate<string[]>(TOKEN_KEYS)).length >= 3, "signed in: tokens in sessionStorage");
        const turnsBefore = await turnCount();
        await sb.invalidateSessions();
        await page.fill("#prompt", "Am I still signed in?");
        await page.click("#send");
        await page.locator("#signin-form").waitFor({ state: "visible", timeout: 20_000 });
        const said = (await page.textContent("#status")) ?? "";
        assert.match(said, /sign in again/i);
        assert.match(said, /expired|no longer valid/i);
        assert.doesNotMatch(said, /channel|another user|someone/i);
        assert.deepEqual(await page.evaluate(TOKEN_KEYS), [], "no stale token in sessionStorage");
        await shot("session-ended");
        // Signing in again brings the conversation back, the failed turn included.
        await signIn();
        assert.equal(await turnCount(), turnsBefore + 1);
        assert.match((await lastTurn().locator(".error").textContent()) ?? "", /sign in again/i);
    });

    it("a reload after the sandbox restarted says the session ended, instead of showing a chat that cannot work", async () => {
        await sb.invalidateSessions();
        await page.reload();
        await page.locator("#signin-form").waitFor({ state: "visible", timeout: 20_000 });
        assert.match((await page.textContent("#status")) ?? "", /no longer valid.*sign in again/i);
        assert.deepEqual(await page.evaluate(TOKEN_KEYS), []);
        await shot("reload-session-ended");
    });

    it("at 375x667 the prompt box and the over-limit message are on screen without scrolling, however long the conversation", async () => {
        await signIn(); // the conversation of the tests above comes back: taller than a phone's screen
        await page.setViewportSize({ width: 375, height: 667 });
        try {
            await askToEnd("One more question, on a phone");
            const onScreen = async (sel: string) => {
                const b = (await page.locator(sel).boundingBox())!;
                assert.ok(b, `${sel} is shown`);
                assert.ok(
                    b.x >= 0 && b.y >= 0 && b.x + b.width <= 375 && b.y + b.height <= 667,
                    `${sel} spans x ${b.x}..${b.x + b.width}, y ${b.y}..${b.y + b.height} of 375x667`,
                );
                return b;
            };
            const turnsHeight = await page.evaluate<number>(`document.getElementById("turns").scrollHeight`);
            assert.ok(turnsHeight > 667, `the conversation is ${turnsHeight} px tall`);
            const prompt = await onScreen("#prompt");
            await onScreen("#send");
            await onScreen("#cancel");
            // The answer just finished is in view, ending above the prompt box.
            const last = (await lastTurn().boundingBox())!;
            const lastEnd = last.y + last.height;
            assert.ok(
                lastEnd > 0 && lastEnd <= prompt.y,
                `the last answer ends at ${lastEnd}, the box is at ${prompt.y}`,
            );

            const max = endpointsFromOutputs(sb.outputs).limits.maxPromptChars;
            await page.fill("#prompt", "x".repeat(max + 1));
            await page.keyboard.press("Enter");
            await page
                .locator("#status.error")
                .filter({ hasText: `at most ${max}` })
                .waitFor();
            await onScreen("#status");
            await onScreen("#prompt");
            // Nothing had to be scrolled to get there: not the page, not the part below the header.
            const scrolled = await page.evaluate<number[]>(
                `[document.scrollingElement.scrollTop, document.querySelector("main").scrollTop]`,
            );
            assert.deepEqual(scrolled, [0, 0]);
            await shot("phone-over-limit");
        } finally {
            await page.setViewportSize({ width: 900, height: 700 });
        }
    });
});
