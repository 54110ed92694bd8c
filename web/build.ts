// Builds the chat page into web/dist with esbuild: one browser bundle (client library + Amplify), the HTML and
// CSS copied beside it. config.json is not built: the sandbox writes one, a deployment puts its stack's outputs there.
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";

export const WEB_DIR = __dirname;
export const DIST_DIR = path.join(__dirname, "dist");

export async function buildWeb(outdir = DIST_DIR): Promise<esbuild.Metafile> {
    fs.mkdirSync(outdir, { recursive: true });
    const result = await esbuild.build({
        entryPoints: [path.join(__dirname, "src", "main.ts")],
        outfile: path.join(outdir, "app.js"),
        bundle: true,
        // platform "browser": a Node built-in reached from the page fails the build instead of shipping a stub.
        platform: "browser",
        format: "esm",
        target: ["es2022", "chrome110", "firefox115", "safari16"],
        minify: true,
        sourcemap: true,
        metafile: true,
        legalComments: "linked",
        logLevel: "warning",
    });
    for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(__dirname, f), path.join(outdir, f));
    fs.writeFileSync(path.join(outdir, "meta.json"), JSON.stringify(result.metafile));
    return result.metafile;
}

if (require.main === module) {
    buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : DIST_DIR).then(
        meta => {
            const bytes = Object.values(meta.outputs).reduce((n, o) => n + o.bytes, 0);
            console.log(`web/dist built (${Math.round(bytes / 1024)} KiB incl. source map)`);
        },
        err => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
