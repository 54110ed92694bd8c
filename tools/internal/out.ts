// `--out FILE` for the commands that produce a file. `npm run x > file` also captures npm's banner ("> bedrock-bridge@0.1.0 x"),
// which npm prints on stdout unless run with -s; --out writes only the product, and the messages stay on stderr.
import * as fs from "fs";
import * as path from "path";

/** Removes `--out FILE` (or `--out=FILE`) from argv and returns FILE; throws naming the flag when the value is missing. */
export function takeOut(argv: string[]): string | undefined {
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i].startsWith("--out=")) {
            out = argv.splice(i--, 1)[0].slice("--out=".length);
            if (!out) throw new Error("--out needs a file name, e.g. --out policy.json");
        } else if (argv[i] === "--out") {
            const v = argv[i + 1];
            if (v === undefined || v.startsWith("-"))
                throw new Error("--out needs a file name, e.g. --out policy.json");
            out = argv.splice(i--, 2)[1];
        }
    }
    return out;
}

/** Writes text to FILE (its folder created) and says so on stderr, or to stdout when there is no FILE. */
export function writeOut(text: string, file: string | undefined, opts: { mode?: number } = {}): void {
    if (!file) {
        process.stdout.write(text);
        return;
    }
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text, opts.mode === undefined ? {} : { mode: opts.mode });
    // An existing file keeps its mode on write: a secret must not stay world-readable.
    if (opts.mode !== undefined) fs.chmodSync(file, opts.mode);
    process.stderr.write(`wrote ${file}\n`);
}
