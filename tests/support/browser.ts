// The system Chromium (Debian's chromium package) driven by playwright-core: nothing is downloaded.
import * as fs from "fs";
import * as path from "path";
import type { BrowserContext } from "playwright-core";
import { scratchDir } from "../../emulation/scratch";

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
