// Writes the code archive a CallbackFunction would upload (its __index.js and packed node_modules) to a folder.
import * as fs from "fs";
import * as path from "path";

async function writeEntry(entry: any, dest: string): Promise<void> {
    // Deserialized assets carry every field (text, assets, path) as promises, most of them empty.
    const [text, assets, src] = await Promise.all([entry?.text, entry?.assets, entry?.path]);
    if (typeof text === "string") {
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, text);
    } else if (assets) {
        for (const [name, a] of Object.entries(assets)) await writeEntry(a, path.join(dest, name));
    } else if (typeof src === "string") {
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.cpSync(src, dest, { recursive: true, dereference: true });
    } else {
        throw new Error(`unsupported asset at ${dest}`);
    }
}

/** Unpacks a Function's `code` input (as the mocks received it) into `dir`; returns the file count and bytes. */
export async function writeLambdaPackage(code: unknown, dir: string): Promise<{ files: number; bytes: number }> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await writeEntry(code, dir);
    return measure(dir);
}

export function measure(dir: string): { files: number; bytes: number } {
    let files = 0,
        bytes = 0;
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else {
                files++;
                bytes += fs.statSync(p).size;
            }
        }
    };
    walk(dir);
    return { files, bytes };
}
