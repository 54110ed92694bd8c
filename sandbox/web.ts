// Small HTTP helpers: the whole request body, and the page build served as static files.
import * as fs from "fs";
import type * as http from "http";
import * as path from "path";

/** API Gateway's request payload quota (10 MB, not adjustable); the largest body any emulated endpoint takes. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A body over the limit, read to its end so that the client gets the answer instead of a reset connection. */
export class BodyTooLarge extends Error {
    constructor(readonly limit: number) {
        super(`request body over ${limit} bytes`);
    }
}

export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
    return new Promise((resolve, reject) => {
        const parts: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
            size += c.length;
            // Past the limit the rest is read and dropped; only a client sending without end is cut off.
            if (size > limit * 8) req.destroy();
            else if (size <= limit) parts.push(c);
        });
        req.on("end", () =>
            size > limit ? reject(new BodyTooLarge(limit)) : resolve(Buffer.concat(parts).toString("utf8")),
        );
        req.on("error", reject);
    });
}

const TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".map": "application/json",
};

export function serveStatic(root: string, pathname: string, res: http.ServerResponse): void {
    const rel = decodeURIComponent(pathname).replace(/^\/+/, "") || "index.html";
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep)) {
        res.writeHead(403);
        res.end();
        return;
    }
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        if (rel === "index.html") {
            res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
            res.end(
                `<!doctype html><title>bedrock-bridge sandbox</title><p>The chat page is not built (${root} is missing). Build it (see docs/sandbox.md) and reload.</p>`,
            );
            return;
        }
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
        return;
    }
    res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
    });
    fs.createReadStream(file).pipe(res);
}
