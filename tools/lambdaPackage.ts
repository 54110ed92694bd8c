// Writes the code archive a CallbackFunction would upload (its __index.js and packed node_modules) to a folder.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

async function writeEntry(entry: any, dest: string): Promise<void> {
    if (pulumi.asset.StringAsset.isInstance(entry) || (entry && entry.text !== undefined)) {
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, await entry.text);
    } else if (pulumi.asset.AssetArchive.isInstance(entry) || (entry && entry.assets !== undefined)) {
        const assets = await entry.assets;
        for (const [name, a] of Object.entries(assets)) await writeEntry(a, path.join(dest, name));
    } else if (entry && entry.path !== undefined) {
        const src = await entry.path;
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
    let files = 0, bytes = 0;
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else { files++; bytes += fs.statSync(p).size; }
        }
    };
    walk(dir);
    return { files, bytes };
}
