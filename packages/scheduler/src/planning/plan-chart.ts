import type { FleetPlan } from './plan-fleets.js';

const W = 720;
const H = 420;
const PAD = { left: 70, right: 20, top: 30, bottom: 50 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * The plan as an SVG scatter: each fleet's cost a week (x) against its share of deadlines missed
 * (y), one mark per fleet, labelled on-demand+spot; fleets meeting the targets filled, the
 * cheapest of them ringed.
 */
export function planChart(plans: FleetPlan[], best: FleetPlan | undefined, title: string): string {
  const xs = plans.map((p) => p.perWeek);
  const ys = plans.map((p) => 1 - p.deadlinesMet);
  const [x0, x1] = [Math.min(...xs) * 0.95, Math.max(...xs) * 1.05 || 1];
  const y1 = Math.max(0.01, ...ys) * 1.1;
  const px = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const py = (v: number) => H - PAD.bottom - (v / y1) * (H - PAD.top - PAD.bottom);
  const marks = plans.map((p) => {
    const [x, y] = [px(p.perWeek), py(1 - p.deadlinesMet)];
    const ring = p === best ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="10" fill="none" stroke="#c0392b" stroke-width="2"/>` : '';
    return `<g class="fleet"><circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="${p.meets ? '#2c7fb8' : 'white'}" stroke="#2c7fb8"/>${ring}<text x="${(x + 7).toFixed(1)}" y="${(y - 7).toFixed(1)}" font-size="10">${p.onDemand}+${p.spot}</text></g>`;
  });
  const ticks = [0, 0.5, 1].map((f) => {
    const v = x0 + f * (x1 - x0);
    return `<text x="${px(v).toFixed(1)}" y="${H - PAD.bottom + 18}" font-size="11" text-anchor="middle">$${Math.round(v).toLocaleString('en-US')}</text>`;
  });
  const yTicks = [0, 0.5, 1].map((f) => `<text x="${PAD.left - 8}" y="${(py(f * y1) + 4).toFixed(1)}" font-size="11" text-anchor="end">${(100 * f * y1).toFixed(1)}%</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<text x="${W / 2}" y="18" font-size="13" text-anchor="middle">${esc(title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="black"/>`,
    ...ticks,
    ...yTicks,
    `<text x="${W / 2}" y="${H - 12}" font-size="12" text-anchor="middle">fleet cost a week (US dollars)</text>`,
    `<text x="16" y="${H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">deadlines missed</text>`,
    ...marks,
    '</svg>',
  ].join('\n');
}
