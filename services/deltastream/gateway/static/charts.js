// Line charts drawn as inline SVG: no library, no build step.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const LEGEND_WIDTH = 72;
const PALETTE = ["#4c9aff", "#3fb68b", "#f2b84b", "#e5675c", "#b07cff", "#5fd3e6"];

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function extent(values) {
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [0, 1];
  if (low === high) {
    const pad = Math.abs(low) * 0.01 || 1;
    low -= pad;
    high += pad;
  }
  return [low, high];
}

// series: [{name, points: [[x, y], ...]}]; options: {formatX, formatY, emptyText}
function drawLines(svg, series, options = {}) {
  const box = svg.viewBox.baseVal;
  const margin = { left: 46, right: 10, top: 10, bottom: 22 };
  const width = box.width - margin.left - margin.right;
  const height = box.height - margin.top - margin.bottom;
  svg.replaceChildren();
  const points = series.flatMap((line) => line.points).filter(([, y]) => Number.isFinite(y));
  if (points.length === 0) {
    svg.append(svgElement("text", { x: box.width / 2, y: box.height / 2, "text-anchor": "middle" },
      options.emptyText || "waiting for data"));
    return;
  }
  const [x0, x1] = extent(points.map(([x]) => x));
  const [y0, y1] = extent(points.map(([, y]) => y));
  const sx = (x) => margin.left + ((x - x0) / (x1 - x0)) * width;
  const sy = (y) => margin.top + height - ((y - y0) / (y1 - y0)) * height;
  const formatX = options.formatX || ((x) => x.toFixed(0));
  const formatY = options.formatY || ((y) => y.toFixed(2));
  for (const fraction of [0, 0.5, 1]) {
    const y = y0 + fraction * (y1 - y0);
    svg.append(svgElement("line", { class: "axis", x1: margin.left, x2: margin.left + width,
      y1: sy(y), y2: sy(y) }));
    svg.append(svgElement("text", { x: margin.left - 4, y: sy(y) + 3, "text-anchor": "end" },
      formatY(y)));
    const x = x0 + fraction * (x1 - x0);
    svg.append(svgElement("text", { x: sx(x), y: box.height - 6,
      "text-anchor": fraction === 0 ? "start" : fraction === 1 ? "end" : "middle" }, formatX(x)));
  }
  series.forEach((line, index) => {
    const color = line.color || PALETTE[index % PALETTE.length];
    const drawn = line.points.filter(([, y]) => Number.isFinite(y));
    if (drawn.length === 0) return;
    const path = drawn.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    svg.append(svgElement("polyline", { class: "series", points: path, stroke: color }));
    const perRow = Math.max(1, Math.floor(width / LEGEND_WIDTH));
    svg.append(svgElement("text", {
      x: margin.left + 6 + (index % perRow) * LEGEND_WIDTH,
      y: margin.top + 10 + Math.floor(index / perRow) * 12,
      fill: color,
    }, line.name));
  });
}

window.DeltaCharts = { drawLines };
