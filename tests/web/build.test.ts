// The page's build: it type-checks against the DOM, and its bundle carries the client and Amplify but nothing
// Node-only (a browser cannot load ws, fs or the Node WebSocket shim).
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildWeb } from "../../web/build";
import { scratchDir } from "../../emulation/scratch";

const ROOT = path.join(__dirname, "..", "..");

describe("web chat page: build", function () {
    this.timeout(120_000);

    it("type-checks with the DOM library (tsc -p web)", () => {
        execFileSync(
            process.execPath,
            [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", path.join(ROOT, "web")],
            { cwd: ROOT, stdio: "pipe" },
        );
    });

    it("bundles the client library and Amplify's events and auth clients, and no Node-only module", async () => {
        const dist = scratchDir("bb-web-build-");
        try {
            const meta = await buildWeb(dist);
            const inputs = Object.keys(meta.inputs);
            for (const want of [
                "client/client.ts",
                "client/assembler.ts",
                "@aws-amplify/api-graphql",
                "@aws-amplify/auth",
            ]) {
                assert.ok(
                    inputs.some(i => i.includes(want)),
                    `${want} is in the bundle`,
                );
            }
            assert.deepEqual(
                inputs.filter(i =>
                    /node_modules\/ws\/|client\/node\.ts|^node:|(^|\/)(fs|tls|net|child_process)(\.js)?$/.test(i),
                ),
                [],
            );
            assert.deepEqual(fs.readdirSync(dist).sort(), [
                "app.js",
                "app.js.LEGAL.txt",
                "app.js.map",
                "index.html",
                "meta.json",
                "style.css",
            ]);
            assert.match(fs.readFileSync(path.join(dist, "index.html"), "utf8"), /<script type="module" src="app.js">/);
        } finally {
            fs.rmSync(dist, { recursive: true, force: true });
        }
    });
});
