// A tiny SVG chart writer for the benchmark's pictures (step/line charts in panels, and a bar chart): plain
// strings, no dependency, deterministic output so a re-run only changes the figures that changed.

export interface Series {
    label: string;
    color: string;
    points: [number, number][];
    /** Draw as steps (a count that jumps) rather than a straight line between points. */
    step?: boolean;
    dashed?: boolean;
    /** Mark each point (e.g. one dot per publish request). */
    markers?: boolean;
}

export interface Panel {
    title: string;
    series: Series[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (n: number) => Math.round(n * 10) / 10;

/** A round axis maximum and tick step (1, 2 or 5 times a power of ten) for values up to max. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
    if (!(max > 0)) return { max: 1, step: 1 };
    const raw = max / ticks;
    const pow = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw)!;
    return { max: Math.ceil(max / step) * step, step };
}

/** Panels side by side sharing both axes' scales, with one legend. */
export function lineChart(opts: {
    title: string;
    xLabel: string;
    yLabel: string;
    panels: Panel[];
    width?: number;
    height?: number;
}): string {
    const width = opts.width ?? 900;
    const height = opts.height ?? 380;
    const m = { top: 56, right: 16, bottom: 74, left: 64, gap: 40 };
    const all = opts.panels.flatMap(p => p.series.flatMap(s => s.points));
    const xs = niceScale(Math.max(...all.map(p => p[0])));
    const ys = niceScale(Math.max(...all.map(p => p[1])));
    const pw = (width - m.left - m.right - m.gap * (opts.panels.length - 1)) / opts.panels.length;
    const ph = height - m.top - m.bottom;
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="${width}" height="${height}" fill="white"/>`,
        `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
    ];
    opts.panels.forEach((panel, i) => {
        const x0 = m.left + i * (pw + m.gap);
        const X = (v: number) => r1(x0 + (v / xs.max) * pw);
        const Y = (v: number) => r1(m.top + ph - (v / ys.max) * ph);
        out.push(
            `<text x="${r1(x0 + pw / 2)}" y="${m.top - 10}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`,
        );
        for (let v = 0; v <= ys.max + 1e-9; v += ys.step) {
            out.push(`<line x1="${x0}" x2="${r1(x0 + pw)}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>`);
            if (i === 0) out.push(`<text x="${x0 - 6}" y="${Y(v) + 4}" text-anchor="end">${r1(v)}</text>`);
        }
        for (let v = 0; v <= xs.max + 1e-9; v += xs.step) {
            out.push(`<text x="${X(v)}" y="${m.top + ph + 16}" text-anchor="middle">${r1(v)}</text>`);
        }
        out.push(`<rect x="${x0}" y="${m.top}" width="${r1(pw)}" height="${ph}" fill="none" stroke="#999"/>`);
        for (const s of panel.series) {
            if (!s.points.length) continue;
            const pts = s.step
                ? s.points.flatMap(([x, y], j) =>
                      j
                          ? [
                                [x, s.points[j - 1][1]],
                                [x, y],
                            ]
                          : [[x, y]],
                  )
                : s.points;
            out.push(
                `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ""} points="${pts.map(([x, y]) => `${X(x)},${Y(y)}`).join(" ")}"/>`,
            );
            if (s.markers)
                for (const [x, y] of s.points)
                    out.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="2.5" fill="${s.color}"/>`);
        }
        out.push(`<text x="${r1(x0 + pw / 2)}" y="${m.top + ph + 34}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
    });
    out.push(
        `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
    );
    const legend = [...new Map(opts.panels.flatMap(p => p.series).map(s => [s.label, s])).values()];
    legend.forEach((s, i) => {
        const lx = m.left + i * 230;
        const ly = height - 14;
        out.push(
            `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ""}/>`,
        );
        out.push(`<text x="${lx + 30}" y="${ly}">${esc(s.label)}</text>`);
    });
    out.push("</svg>");
    return out.join("\n") + "\n";
}

/** Vertical bars with their value on top; `of` draws a dashed line at the total attempted. */
export function barChart(opts: {
    title: string;
    yLabel: string;
    bars: { label: string; value: number; color: string }[];
    of?: number;
    width?: number;
    height?: number;
}): string {
    const width = opts.width ?? 640;
    const height = opts.height ?? 340;
    const m = { top: 48, right: 16, bottom: 56, left: 64 };
    // Headroom above the tallest bar for its value label.
    const ys = niceScale(1.15 * Math.max(opts.of ?? 0, ...opts.bars.map(b => b.value)));
    const pw = width - m.left - m.right;
    const ph = height - m.top - m.bottom;
    const Y = (v: number) => r1(m.top + ph - (v / ys.max) * ph);
    const slot = pw / opts.bars.length;
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="${width}" height="${height}" fill="white"/>`,
        `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
    ];
    for (let v = 0; v <= ys.max + 1e-9; v += ys.step) {
        out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>`);
        out.push(`<text x="${m.left - 6}" y="${Y(v) + 4}" text-anchor="end">${r1(v)}</text>`);
    }
    opts.bars.forEach((b, i) => {
        const bx = r1(m.left + i * slot + slot * 0.2);
        const bw = r1(slot * 0.6);
        out.push(
            `<rect x="${bx}" y="${Y(b.value)}" width="${bw}" height="${r1(m.top + ph - Y(b.value))}" fill="${b.color}"/>`,
        );
        out.push(`<text x="${r1(bx + bw / 2)}" y="${Y(b.value) - 5}" text-anchor="middle">${r1(b.value)}</text>`);
        out.push(`<text x="${r1(bx + bw / 2)}" y="${m.top + ph + 18}" text-anchor="middle">${esc(b.label)}</text>`);
    });
    if (opts.of !== undefined) {
        out.push(
            `<line x1="${m.left}" x2="${m.left + pw}" y1="${Y(opts.of)}" y2="${Y(opts.of)}" stroke="#444" stroke-dasharray="5,4"/>`,
        );
        out.push(`<text x="${m.left + 4}" y="${Y(opts.of) - 5}">requests sent: ${opts.of}</text>`);
    }
    out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    out.push(
        `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
    );
    out.push("</svg>");
    return out.join("\n") + "\n";
}

/** Writes a chart to .bench/ (bench/results/ with --update-charts, see bench/options.ts) and says where. */
export function writeChart(file: string, svg: string): void {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const { benchOptions } = require("./options") as typeof import("./options");
    const target = path.join(benchOptions().chartDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, svg);
    console.log(`chart: ${path.relative(process.cwd(), target)}`);
}
