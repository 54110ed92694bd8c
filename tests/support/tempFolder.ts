// Mocha global fixtures (once per run, in the main process, serial or parallel): the run gets a temporary folder
// of its own as TMPDIR, inherited by the workers and every process a test starts, and removed at the end. What a
// test left in it is named, so a leak fails the run instead of piling up in the system's temporary folder.
// And a root hook: each test file's scratch folders are removed when the file ends. In parallel mode a worker runs
// one file after another and is terminated at the end, maybe before its "exit" event, so that removal cannot wait
// for the process to exit (https://mochajs.org/features/root-hook-plugins: root hooks run once per file in parallel
// mode; once per run in serial mode, where the teardown below removes them anyway).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { removeScratch } from "../../emulation/scratch";

let runDir: string | undefined;

export const mochaHooks = {
    afterAll(): void {
        removeScratch();
    },
};

export function mochaGlobalSetup(): void {
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), "bb-test-run-"));
    process.env.TMPDIR = runDir;
}

export function mochaGlobalTeardown(): void {
    if (!runDir) return;
    removeScratch(); // in a serial run the tests ran in this process, whose exit has not come yet
    // v8-compile-cache: the compile cache ts-node/tsc keep across runs in processes the tests start (normally in /tmp).
    const left = fs.readdirSync(runDir).filter(n => !n.startsWith("v8-compile-cache"));
    fs.rmSync(runDir, { recursive: true, force: true });
    if (left.length)
        throw new Error(
            `the tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temporary folder: ${left.join(", ")}; make them with scratchDir (emulation/scratch.ts) or remove them`,
        );
}
