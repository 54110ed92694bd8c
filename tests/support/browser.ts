// The system Chromium (Debian's chromium package) driven by playwright-core: nothing is downloaded.
import * as fs from "fs";
import * as path from "path";
import type { BrowserContext, Page } from "playwright-core";
import { scratchDir } from "../../emulation/scratch";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../sandbox";
import { buildWeb } from "../../web/build";
import { markdownToHtml } from "../../web/src/markdown";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_INSTALL = "apt-get update && apt-get install -y chromium";
/** Git-ignored; screenshots of the browser tests land here. */
export const TEST_OUTPUT = path.join(__dirname, "..", "..", ".test-output");

export function chromiumMissing(): string | undefined {
    return fs.existsSync(CHROMIUM)
        ? undefined
        : `Chromium not found at ${CHROMIUM}: install it (${CHROMIUM_INSTALL}) or set CHROMIUM_PATH`;
}

/** Headless, with the flags without which Chromium hangs here (GUIDE.md), a fresh profile, the sandbox's certificate accepted. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
    const { chromium } = await import("playwright-core");
    const profile = scratchDir("bb-chromium-");
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        ignoreHTTPSErrors: true,
        viewport: { width: 900, height: 700 },
        args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    });
    return {
        context,
        async close() {
            await context.close().catch(() => undefined);
            fs.rmSync(profile, { recursive: true, force: true });
        },
    };
}

/**
 * A page in a fresh headless Chromium against a sandbox serving a fresh build of web/, set up before the suite's
 * tests and torn down after them (registers the suite's before/after hooks); the suite is skipped, saying why, where
 * Chromium is missing. `screenshots` is the folder the suite's screenshots go to (created).
 */
export function pageOnSandbox(options: Omit<SandboxOptions, "webDist" | "port">): {
    sb: Sandbox;
    page: Page;
    screenshots: string;
} {
    const fx = { screenshots: path.join(TEST_OUTPUT, "web") } as { sb: Sandbox; page: Page; screenshots: string };
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let dist: string | undefined;
    before(async function () {
        const missing = chromiumMissing();
        if (missing) {
            console.log(`      skipped: ${missing}`);
            this.skip();
        }
        dist = scratchDir("bb-web-");
        await buildWeb(dist);
        fx.sb = await startSandbox({ ...options, port: 0, webDist: dist });
        browser = await launchChromium();
        fx.page = await browser.context.newPage();
        fs.mkdirSync(fx.screenshots, { recursive: true });
    });
    after(async () => {
        await browser?.close();
        await fx.sb?.stop();
        if (dist) fs.rmSync(dist, { recursive: true, force: true });
    });
    return fx;
}

/**
 * The text a Markdown answer shows once the page has rendered it (its `.answer`'s textContent): `run \`x\`` shows
 * as "run x". Parsed in an inert <template> of the page: nothing in it runs or loads.
 */
export async function shownText(page: Page, markdown: string): Promise<string> {
    const html = JSON.stringify(markdownToHtml(markdown));
    return page.evaluate<string>(
        `(() => { const t = document.createElement("template"); t.innerHTML = ${html}; return t.content.textContent; })()`,
    );
}
