// The chat page in a real browser (headless Chromium) against the sandbox: sign in, ask, the answer grows on
// screen while the model is still writing, appears exactly once, and an error event is shown to the user.
import { strict as assert } from "assert";
import * as path from "path";
import type { Page } from "playwright-core";
import { SANDBOX_PROMPTS, type Sandbox } from "../../sandbox";
import { chunks } from "../../sandbox/model";
import { pageOnSandbox } from "../support/browser";

const USER = { email: "page@example.com", password: "Page-Sandbox-1" };
const DELAY_MS = 60;

describe("web chat page in headless Chromium", function () {
    this.timeout(180_000);
    const fx = pageOnSandbox({ users: [USER], modelDelayMs: DELAY_MS });
    let sb: Sandbox;
    let page: Page;
    const shots = fx.screenshots;

    before(() => ({ sb, page } = fx));

    it("signs in from the form", async () => {
        await page.goto(sb.outputs.pageUrl);
        await page.locator("#signin-form").waitFor({ state: "visible" });
        // Users of its own: the sandbox does not offer the demo credentials (they would not work).
        const hint = (await page.textContent("#signin-hint")) ?? "";
        assert.match(hint, /npm start -- --user/);
        assert.doesNotMatch(hint, /demo@example\.com|Sandbox-Demo-1/);
        await page.fill("#email", USER.email);
        await page.fill("#password", "Wrong-Password-1");
        await page.click("#signin");
        await page.locator("#status.error").filter({ hasText: "wrong email or password" }).waitFor();
        await page.fill("#password", USER.password);
        await page.click("#signin");
        await page.locator("#chat").waitFor({ state: "visible" });
        assert.ok(await page.locator("#signin-form").isHidden(), "the sign-in form goes away");
        assert.ok(await page.locator("#new-password").isHidden(), "no new-password field for a confirmed user");
        assert.equal(await page.textContent("#who"), USER.email);
        assert.match((await page.textContent("#where")) ?? "", /sandbox/);
    });

    it("renders the answer progressively while the model writes, and shows it exactly once", async () => {
        const prompt = "How does the page show an answer?";
        const expected = sb.answerFor(prompt);
        const modelMs = chunks(expected).length * DELAY_MS;
        // Every change of the answer's text, timed in the page.
        // Every change of the answer's text, timed in the page (a string: this file is type-checked without the DOM).
        await page.evaluate(`
            window.renders = [];
            new MutationObserver(() => {
                const a = document.querySelector("#turns .turn:last-child .answer");
                if (a) window.renders.push({ t: performance.now(), len: (a.textContent || "").length });
            }).observe(document.getElementById("turns"), { childList: true, subtree: true, characterData: true });
        `);
        await page.fill("#prompt", prompt);
        await page.click("#send");
        const answer = page.locator("#turns .turn").last().locator(".answer");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        assert.equal(await answer.textContent(), expected);
        const renders = await page.evaluate<{ t: number; len: number }[]>("window.renders");
        const partial = renders.filter(r => r.len > 0 && r.len < expected.length);
        assert.ok(partial.length >= 2, `the answer grew in steps, saw ${JSON.stringify(renders.map(r => r.len))}`);
        const first = renders.find(r => r.len > 0)!;
        const last = renders.find(r => r.len === expected.length)!;
        assert.ok(
            last.t - first.t >= modelMs / 2,
            `first words ${Math.round(last.t - first.t)} ms before the end; the model takes ${modelMs} ms`,
        );
        // Exactly once on the page: no duplicate text, no second copy in another element.
        const body = await page.locator("body").innerText();
        assert.equal(body.split(expected).length - 1, 1);
        await page.screenshot({ path: path.join(shots, "answer.png"), fullPage: true });
    });

    it("shows the error event's message to the user", async () => {
        await page.fill("#prompt", `Please fail ${SANDBOX_PROMPTS.throttle}`);
        await page.click("#send");
        const err = page.locator("#turns .turn").last().locator(".error");
        await err.waitFor({ timeout: 30_000 });
        assert.match((await err.textContent()) ?? "", /busy/i);
        assert.equal(await page.locator("#turns .turn").last().locator(".answer").getAttribute("data-state"), "error");
        await page.screenshot({ path: path.join(shots, "error.png"), fullPage: true });
    });

    it("a new session clears the conversation and gets a new id", async () => {
        const before = await page.textContent("#session-id");
        await page.click("#new-session");
        assert.equal(await page.locator("#turns .turn").count(), 0);
        assert.notEqual(await page.textContent("#session-id"), before);
        await page.fill("#prompt", "First question of the new session");
        await page.click("#send");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        assert.equal(sb.lastModelRequest()?.messages?.length, 1, "no history from the old session");
    });
});
