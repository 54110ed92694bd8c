// How the suite is started: `npm test` runs every test file, and `npx mocha <file>` runs that file alone with the
// suite's setup (.mocharc.json). Mocha merges a config file's `spec` with the files on the command line, so the
// suite's glob lives in the test script, not in .mocharc.json (docs/testing.md, "Running one file").
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";

const FIXTURE = path.join(__dirname, "fixtures", "alone.fixture.ts");

async function mocha(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, [require.resolve("mocha/bin/mocha.js"), ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", d => (out += d));
    child.stderr.on("data", d => (out += d));
    const code = await new Promise<number | null>(resolve => child.on("exit", resolve));
    return { code, out };
}

describe("the test runner (.mocharc.json, package.json's test script)", () => {
    for (const mode of [[], ["--no-parallel"]])
        it(`npx mocha <file>${mode.length ? " " + mode.join(" ") : ""} runs that file alone`, async () => {
            // --dry-run: which tests run is the question (a wrong setup lists the whole suite without running it).
            const { code, out } = await mocha(["--dry-run", ...mode, FIXTURE]);
            assert.equal(code, 0, out);
            assert.match(out, /^1 passed, 0 failed$/m, out);
        });

    it("npm test runs every test file, and .mocharc.json names none", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const rc = JSON.parse(fs.readFileSync(path.join(ROOT, ".mocharc.json"), "utf8"));
        assert.match(pkg.scripts.test, / mocha 'tests\/\*\*\/\*\.test\.ts'$/);
        assert.equal(rc.spec, undefined, ".mocharc.json's spec would run with every `npx mocha <file>`");
    });
});
