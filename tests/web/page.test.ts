// The chat page in a real browser (headless Chromium) against the sandbox: sign in, ask, the answer grows on
// screen while the model is still writing, appears exactly once, and an error event is shown to the user; answers
// are Markdown, rendered as it arrives, and a hostile one runs nothing; New session and Sign out ask before they
// clear the conversation.
import { strict as assert } from "assert";
import * as path from "path";
import type { Page } from "playwright-core";
import { SANDBOX_PROMPTS, type Sandbox } from "../../sandbox";
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
        // Every change of the answer's text, recorded in the page (a string: this file is type-checked without the DOM).
        await page.evaluate(`
            window.renders = [];
            new MutationObserver(() => {
                const a = document.querySelector("#turns .turn:last-child .answer");
                if (a) window.renders.push({ len: (a.textContent || "").length });
            }).observe(document.getElementById("turns"), { childList: true, subtree: true, characterData: true });
        `);
        await page.fill("#prompt", prompt);
        await page.click("#send");
        const answer = page.locator("#turns .turn").last().locator(".answer");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        assert.equal(await answer.textContent(), expected);
        const renders = await page.evaluate<{ len: number }[]>("window.renders");
        const partial = renders.filter(r => r.len > 0 && r.len < expected.length);
        assert.ok(partial.length >= 2, `the answer grew in steps, saw ${JSON.stringify(renders.map(r => r.len))}`);
        // In the order the model wrote it: the text only grows, through the partial steps, to the whole answer.
        const lengths = renders.map(r => r.len).filter(len => len > 0);
        assert.ok(
            lengths.every((len, i) => i === 0 || len >= lengths[i - 1]) && lengths.indexOf(expected.length) > 1,
            `the answer's length went ${JSON.stringify(lengths)}`,
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

    it("renders a Markdown answer as it arrives: bold, inline code, a list, a link, a code block", async () => {
        const markdown = [
            "Here is **bold** and `inline code`:",
            "",
            "- first item",
            "- second item with [the docs](https://example.com/docs)",
            "",
            "```ts",
            "const answer: number = 42; // a line of code long enough to need its own scrolling box on a phone",
            "```",
            "",
            "The end.",
        ].join("\n");
        // Whether the answer already had Markdown's elements while it was still arriving.
        await page.evaluate(`
            window.growing = [];
            new MutationObserver(() => {
                const a = document.querySelector("#turns .turn:last-child .answer");
                if (a && a.dataset.state === "streaming")
                    window.growing.push({ strong: !!a.querySelector("strong"), li: a.querySelectorAll("li").length });
            }).observe(document.getElementById("turns"), { childList: true, subtree: true, characterData: true });
        `);
        await page.fill("#prompt", `${SANDBOX_PROMPTS.echo}${markdown}`);
        await page.click("#send");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        const answer = page.locator("#turns .turn").last().locator(".answer");
        assert.equal(await answer.locator("strong").textContent(), "bold");
        assert.equal(await answer.locator("p > code").textContent(), "inline code");
        assert.deepEqual(await answer.locator("ul > li").allTextContents(), [
            "first item",
            "second item with the docs",
        ]);
        const link = answer.locator("a");
        assert.equal(await link.getAttribute("href"), "https://example.com/docs");
        assert.equal(await link.getAttribute("target"), "_blank");
        assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
        assert.match((await answer.locator("pre > code").textContent()) ?? "", /^const answer: number = 42;/);
        assert.doesNotMatch((await answer.textContent()) ?? "", /\*\*|```|^- /m, "no Markdown syntax left showing");
        // A long code line scrolls inside its block; the page does not get wider.
        const wide = await page.evaluate<number[]>("[document.documentElement.scrollWidth, window.innerWidth]");
        assert.ok(wide[0] <= wide[1], `the page is ${wide[0]} px wide in ${wide[1]}`);
        const growing = await page.evaluate<{ strong: boolean; li: number }[]>("window.growing");
        assert.ok(
            growing.some(g => g.strong && g.li < 2),
            `bold shown before the list was complete: ${JSON.stringify(growing)}`,
        );
        await page.screenshot({ path: path.join(shots, "markdown.png"), fullPage: true });
    });

    it("a hostile answer runs nothing and makes no image, script, frame or javascript: link", async () => {
        const hostile = [
            `<img src=x onerror="window.pwned='img'"> and <script>window.pwned='script'</script>`,
            "",
            `[click me](javascript:window.pwned='link') <a href="javascript:window.pwned='a'">raw link</a>`,
            "",
            `![picture](javascript:window.pwned='image') ![tracker](https://example.com/pixel.png?q=secret)`,
            "",
            `<iframe srcdoc="<script>parent.pwned='iframe'</script>"></iframe>`,
            `<style>body { display: none }</style> [data](data:text/html,<script>alert(1)</script>)`,
            `<div id="prompt" class="error" style="position:fixed" onclick="window.pwned='div'">fake</div>`,
        ].join("\n");
        // Every element inside an answer, ever, while arriving too: an <img> shown for one frame has already fired.
        await page.evaluate(`
            window.pwned = undefined;
            window.inserted = [];
            new MutationObserver(records => {
                for (const r of records)
                    for (const n of r.addedNodes)
                        if (n.nodeType === 1)
                            for (const e of [n, ...n.querySelectorAll("*")])
                                if (e.parentElement && e.parentElement.closest(".answer")) window.inserted.push(e.tagName);
            }).observe(document.getElementById("turns"), { childList: true, subtree: true });
        `);
        await page.fill("#prompt", `${SANDBOX_PROMPTS.echo}${hostile}`);
        await page.click("#send");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        const answer = page.locator("#turns .turn").last().locator(".answer");
        const inserted = new Set(await page.evaluate<string[]>("window.inserted"));
        for (const tag of ["IMG", "SCRIPT", "IFRAME", "STYLE", "DIV", "svg", "SVG"])
            assert.ok(!inserted.has(tag), `a <${tag.toLowerCase()}> was put on the page: ${[...inserted].join(" ")}`);
        const hrefs = await answer.locator("a[href]").evaluateAll(as => as.map(a => a.getAttribute("href")));
        assert.deepEqual(hrefs, ["https://example.com/pixel.png?q=secret"], "only the http(s) link keeps its href");
        assert.equal(await answer.locator("[onerror], [onclick], [style], [id], [class], [srcdoc]").count(), 0);
        // The raw HTML is shown as the text the model wrote.
        const text = (await answer.textContent()) ?? "";
        assert.ok(text.includes(`<img src=x onerror="window.pwned='img'">`), text);
        assert.ok(text.includes("<script>"), text);
        // Following the link that was javascript: runs nothing either.
        await answer.locator("a", { hasText: "click me" }).click();
        assert.equal(await page.evaluate("typeof window.pwned"), "undefined");
        assert.equal(await page.locator("body").isVisible(), true, "the answer's <style> did not hide the page");
        assert.equal(await page.locator("#prompt").count(), 1, "no second #prompt");
        await page.screenshot({ path: path.join(shots, "hostile.png"), fullPage: true });
    });

    it("New session asks first; keeping leaves the conversation and its session as they were", async () => {
        const turns = await page.locator("#turns .turn").allTextContents();
        assert.ok(turns.length > 0);
        const id = await page.textContent("#session-id");
        await page.click("#new-session");
        const dialog = page.locator("dialog#confirm");
        await dialog.waitFor({ state: "visible" });
        assert.match((await dialog.textContent()) ?? "", /new session.*cleared/is);
        // The safe choice has the focus: Enter or Escape keeps the conversation.
        assert.equal(await page.evaluate("document.activeElement.id"), "confirm-cancel");
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "hidden" });
        await page.click("#new-session");
        await page.click("#confirm-cancel");
        await dialog.waitFor({ state: "hidden" });
        assert.deepEqual(await page.locator("#turns .turn").allTextContents(), turns);
        assert.equal(await page.textContent("#session-id"), id);
    });

    it("a new session clears the conversation and gets a new id", async () => {
        const before = await page.textContent("#session-id");
        await page.click("#new-session");
        await page.click("#confirm-ok");
        assert.equal(await page.locator("#turns .turn").count(), 0);
        assert.notEqual(await page.textContent("#session-id"), before);
        await page.fill("#prompt", "First question of the new session");
        await page.click("#send");
        await page.locator('#turns .turn:last-child .answer[data-state="done"]').waitFor({ timeout: 30_000 });
        assert.equal(sb.lastModelRequest()?.messages?.length, 1, "no history from the old session");
    });

    it("Sign out asks first; signing out clears the conversation from the tab, and signing in again starts afresh", async () => {
        const turns = await page.locator("#turns .turn").count();
        assert.ok(turns > 0);
        await page.click("#signout");
        const dialog = page.locator("dialog#confirm");
        await dialog.waitFor({ state: "visible" });
        assert.match((await dialog.textContent()) ?? "", /sign out.*cleared from this tab/is);
        await page.screenshot({ path: path.join(shots, "confirm-signout.png") });
        await page.click("#confirm-cancel");
        await dialog.waitFor({ state: "hidden" });
        assert.ok(await page.locator("#chat").isVisible(), "still signed in");
        assert.equal(await page.locator("#turns .turn").count(), turns);

        await page.click("#signout");
        await page.click("#confirm-ok");
        await page.locator("#signin-form").waitFor({ state: "visible" });
        assert.match((await page.textContent("#status")) ?? "", /conversation was cleared/);
        // Nothing of it left in the tab: not on the page, not in sessionStorage.
        assert.equal(await page.locator("#turns .turn").count(), 0);
        const stored = await page.evaluate<string>("JSON.stringify(Object.values(sessionStorage))");
        assert.ok(!stored.includes("First question of the new session"), stored);
        await page.fill("#email", USER.email);
        await page.fill("#password", USER.password);
        await page.click("#signin");
        await page.locator("#chat").waitFor({ state: "visible" });
        assert.equal(await page.locator("#turns .turn").count(), 0);
        // An empty conversation has nothing to lose: no question asked.
        await page.click("#signout");
        await page.locator("#signin-form").waitFor({ state: "visible" });
    });
});
