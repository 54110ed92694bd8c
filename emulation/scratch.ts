// Temporary folders that go with the process: a test run or a sandbox leaves the system's temporary folder as it found it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Prefix of every folder made here, so a run can check that none is left behind. */
export const SCRATCH_PREFIX = "bb-";

const made: string[] = [];

/** Removes every folder scratchDir made (also on the process's exit); idempotent. */
export function removeScratch(): void {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder under the system's temporary folder, removed when the process exits (or by removeScratch). */
export function scratchDir(label: string): string {
    if (!made.length) process.once("exit", removeScratch);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${SCRATCH_PREFIX}${label.replace(/^bb-/, "")}`));
    made.push(dir);
    return dir;
}
