// `npm run sandbox-token -- <email> [--access]`: prints an id token (or access token) of a running sandbox's user.
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/internal/harness";

async function main(argv: string[]): Promise<void> {
    const email = argv.find(a => !a.startsWith("--"));
    if (!email) throw new Error("usage: npm run sandbox-token -- <email> [--access] [--json]");
    const file = path.join(ROOT, ".sandbox", "outputs.json");
    if (!fs.existsSync(file))
        throw new Error(`${path.relative(process.cwd(), file)} is missing: start the sandbox first (npm start)`);
    const { tokenUrl } = JSON.parse(fs.readFileSync(file, "utf8"));
    let res: Response;
    try {
        res = await fetch(tokenUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email }),
        });
    } catch {
        throw new Error(`the sandbox does not answer at ${tokenUrl}: is npm start still running?`);
    }
    const body = (await res.json()) as Record<string, string>;
    if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
    console.log(
        argv.includes("--json")
            ? JSON.stringify(body, null, 2)
            : argv.includes("--access")
              ? body.accessToken
              : body.idToken,
    );
}

main(process.argv.slice(2)).catch(e => {
    console.error(`sandbox-token: ${(e as Error).message}`);
    process.exit(1);
});
