// The library's public API as a consumer's compiler sees it: the declarations tsc emits for client/, with no
// `any` in them (events, answers, errors and options are all typed).
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { scratchDir } from "../../emulation/scratch";

const ROOT = path.join(__dirname, "..", "..");

describe("client: public API", function () {
    this.timeout(120_000);

    it("its emitted declarations contain no any", () => {
        const out = scratchDir("bb-client-dts-");
        try {
            execFileSync(
                process.execPath,
                [
                    require.resolve("typescript/bin/tsc"),
                    "--declaration",
                    "--emitDeclarationOnly",
                    "--skipLibCheck",
                    "--strict",
                    "--target",
                    "ES2022",
                    "--module",
                    "commonjs",
                    "--moduleResolution",
                    "node",
                    "--esModuleInterop",
                    "--types",
                    "node",
                    "--rootDir",
                    ROOT,
                    "--outDir",
                    out,
                    path.join(ROOT, "client", "index.ts"),
                    path.join(ROOT, "client", "node.ts"),
                ],
                { cwd: ROOT, stdio: "pipe" },
            );
            const dir = path.join(out, "client");
            const files = fs.readdirSync(dir).filter(f => f.endsWith(".d.ts"));
            assert.ok(files.includes("index.d.ts") && files.includes("client.d.ts"), files.join(", "));
            const offenders = files.flatMap(f =>
                fs
                    .readFileSync(path.join(dir, f), "utf8")
                    .split("\n")
                    .filter(l => /\bany\b/.test(l))
                    .map(l => `${f}: ${l.trim()}`),
            );
            assert.deepEqual(offenders, []);
            assert.match(
                fs.readFileSync(path.join(dir, "client.d.ts"), "utf8"),
                /ask\(prompt: string, options\?: AskOptions\): Promise<Answer>/,
            );
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
