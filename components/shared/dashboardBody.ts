// Plain-data helpers for CloudWatch dashboard bodies and metric alarms, shared by the caller-side and the
// Bedrock-side dashboards. Body format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
import * as pulumi from "@pulumi/pulumi";

/** One graphed metric: [namespace, name, dim, value, ..., {stat, label}] in the body. */
export interface MetricLine {
    namespace: string;
    name: string;
    dimensions: Record<string, pulumi.Input<string>>;
    stat: string;
    label?: string;
}

/** A metric-math or SEARCH expression line. */
export interface ExpressionLine {
    expression: string;
    label: string;
}

export type Line = MetricLine | ExpressionLine;

export interface Widget {
    title: string;
    lines: Line[];
    /** Columns out of 24. */
    width?: number;
    view?: "timeSeries" | "singleValue";
    stacked?: boolean;
    unit?: string;
}

const isExpression = (l: Line): l is ExpressionLine => "expression" in l;

/** A SEARCH over one metric name within an exact dimension set (CloudWatch's schema syntax {ns,dim,...}). */
export function search(
    namespace: string,
    dimensions: string[],
    name: string,
    stat: string,
    periodSeconds: number,
    label: string,
): ExpressionLine {
    return {
        expression: `SEARCH('{${[namespace, ...dimensions].join(",")}} MetricName="${name}"', '${stat}', ${periodSeconds})`,
        label,
    };
}

/** CloudWatch dashboard names allow letters, digits, - and _ only (a stack name may also hold "."). */
export function dashboardName(...parts: string[]): string {
    return parts
        .join("-")
        .replace(/[^A-Za-z0-9_-]/g, "-")
        .slice(0, 255);
}

/** Lays widgets out left to right, wrapping at 24 columns, and serializes the body once every Output is known. */
export function dashboardBody(region: string, widgets: Widget[], periodSeconds = 300): pulumi.Output<string> {
    let x = 0;
    let y = 0;
    const height = 6;
    const placed = widgets.map(w => {
        const width = w.width ?? 8;
        if (x + width > 24) {
            x = 0;
            y += height;
        }
        const at = { x, y, width, height };
        x += width;
        return { w, at };
    });
    return pulumi
        .output(
            placed.map(({ w, at }) =>
                pulumi.all(w.lines.map(lineJson)).apply(metrics => ({
                    type: "metric",
                    ...at,
                    properties: {
                        title: w.title,
                        region,
                        view: w.view ?? "timeSeries",
                        stacked: !!w.stacked,
                        period: periodSeconds,
                        metrics,
                        ...(w.unit ? { yAxis: { left: { label: w.unit, showUnits: false } } } : {}),
                    },
                })),
            ),
        )
        .apply(ws => JSON.stringify({ widgets: ws }));
}

function lineJson(l: Line, i: number): pulumi.Output<unknown[]> {
    if (isExpression(l)) return pulumi.output([{ expression: l.expression, label: l.label, id: `e${i}` }]);
    const dims = Object.entries(l.dimensions);
    return pulumi
        .all(dims.map(([, v]) => v))
        .apply(values => [
            l.namespace,
            l.name,
            ...dims.flatMap(([k], j) => [k, values[j]]),
            { stat: l.stat, ...(l.label ? { label: l.label } : {}) },
        ]);
}
