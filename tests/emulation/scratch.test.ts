// Each test file's scratch folders go when the file ends, not when its process exits: mocha's parallel workers
// run file after file and are terminated at the end, so a folder left for the exit event outlives its file, and
// sometimes the run (the global teardown then names it). A fixture file run by a child mocha shows it.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";
import { scratchDir } from "../../emulation/scratch";

describe("scratch folders (emulation/scratch.ts, tests/support/tempFolder.ts)", () => {
    it("are removed when their test file ends in parallel mode, and what a module keeps across files is rebuilt", async () => {
        const record = path.join(scratchDir("bb-scratch-record-"), "fixture.json");
        const args = [
            require.resolve("mocha/bin/mocha.js"),
            "--no-config",
            "--require",
            "ts-node/register/transpile-only",
            "--require",
            "tests/support/tempFolder.ts",
            "--parallel",
            "--jobs",
            "2",
            "--reporter",
            "dot",
            path.join(__dirname, "fixtures", "scratchFile.fixture.ts"),
        ];
        const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, BB_SCRATCH_RECORD: record } });
        let out = "";
        child.stdout.on("data", d => (out += d));
        child.stderr.on("data", d => (out += d));
        const code = await new Promise<number | null>(resolve => child.on("exit", resolve));
        assert.equal(code, 0, out);
        assert.match(out, /1 passing/, out);
        const ran = JSON.parse(fs.readFileSync(record, "utf8")) as { pid: number };
        assert.notEqual(ran.pid, child.pid, "the fixture ran in mocha's main process, not in a parallel worker");
    });
});
