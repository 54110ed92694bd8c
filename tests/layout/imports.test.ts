// The folders show the architecture only while the arrows between them point one way: these rules fail the run
// naming the file and the import that crosses a line (docs/layout.md draws the picture).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";

const SKIP = new Set(["node_modules", ".git", ".synth", ".sandbox", ".test-output", "dist", "bin"]);

function sources(dir = ROOT): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (SKIP.has(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...sources(p));
        else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
    }
    return out;
}

/** Every module a file names: static imports, export-from, require() and import(). */
function specifiers(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const re = /(?:\bfrom\s*|\bimport\s*|\brequire\(\s*|\bimport\(\s*)["']([^"']+)["']/g;
    return [...text.matchAll(re)].map(m => m[1]);
}

/** The repository folder (first path segment) a relative specifier lands in, or the package name. */
function target(file: string, spec: string): string {
    if (!spec.startsWith(".")) return spec;
    return path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
}

const top = (file: string) => path.relative(ROOT, file).split(path.sep)[0];
const all = sources();

function crossings(from: (file: string) => boolean, forbidden: (t: string) => boolean): string[] {
    return all.filter(from).flatMap(f =>
        specifiers(f)
            .filter(s => forbidden(target(f, s)))
            .map(s => `${path.relative(ROOT, f)} imports ${s}`),
    );
}

describe("layout: imports point one way", () => {
    it("finds the sources it checks", () => {
        assert.ok(
            all.some(f => top(f) === "functions") &&
                all.some(f => top(f) === "components") &&
                all.some(f => top(f) === "tests"),
        );
    });

    it("nothing outside tests/ imports from tests/", () => {
        assert.deepEqual(
            crossings(
                f => top(f) !== "tests",
                t => t === "tests",
            ),
            [],
        );
    });

    it("runtime code (functions/) has no Pulumi imports and no deploy-time code", () => {
        const deployTime = new Set([
            "components",
            "config",
            "tools",
            "sandbox",
            "emulation",
            "client",
            "web",
            "policy",
            "bench",
        ]);
        assert.deepEqual(
            crossings(
                f => top(f) === "functions",
                t => t.startsWith("@pulumi/") || deployTime.has(t),
            ),
            [],
        );
    });

    it("the program (config/, components/) does not depend on the local emulation, tools or clients", () => {
        const local = new Set(["sandbox", "emulation", "tools", "client", "web", "bench"]);
        assert.deepEqual(
            crossings(
                f => ["config", "components", "program.ts", "index.ts"].includes(top(f)),
                t => local.has(t),
            ),
            [],
        );
    });

    it("the emulation is below the sandbox: emulation/ does not import sandbox/", () => {
        assert.deepEqual(
            crossings(
                f => top(f) === "emulation",
                t => t === "sandbox",
            ),
            [],
        );
    });
});
