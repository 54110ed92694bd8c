// Temporary folders that go with their owner: a test file, a test run or a sandbox leaves the system's temporary
// folder as it found it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Prefix of every folder made here, so a run can check that none is left behind. */
export const SCRATCH_PREFIX = "bb-";

const made: string[] = [];
let removedOnExit = false;

/**
 * Removes every folder scratchDir made in this process so far; idempotent. The tests call it after each file
 * (tests/support/tempFolder.ts); the process's exit calls it too (the sandbox's `npm start` exits on its signals).
 * A module that keeps a scratch folder across calls must check that it still exists before reusing it.
 */
export function removeScratch(): void {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder under the system's temporary folder, removed by removeScratch (at the latest when the process exits). */
export function scratchDir(label: string): string {
    if (!removedOnExit) process.once("exit", removeScratch);
    removedOnExit = true;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${SCRATCH_PREFIX}${label.replace(/^bb-/, "")}`));
    made.push(dir);
    return dir;
}
