/**
 * The per-day chart, drawn by chart.js. The Usage page loads this module with `import()`, so that
 * chart.js (≈ 70 kB gzip whole; the parts registered here, less) is fetched by that page only and
 * the console's first load does not grow. Only the parts used are registered (tree-shaken).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** One value per day, oldest first: `days` as `YYYY-MM-DD`, requests and tokens on the same index. */
export interface DaySeries {
  days: string[];
  requests: number[];
  tokens: number[];
}

/** A drawn chart: `update` redraws with new figures, `destroy` frees the canvas and stops listening. */
export interface DayChart {
  update(series: DaySeries): void;
  destroy(): void;
}

/** The console's colours (style.css custom properties), read now: they change with the system scheme. */
function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: read('--text'),
    muted: read('--muted'),
    line: read('--line'),
    tokens: read('--accent'),
    requests: read('--warn'),
  };
}

/**
 * Draws tokens (bars, left axis) and requests (line, right axis) per day on `canvas`, in the
 * console's colours, and redraws in the other scheme's when the system switches between light
 * and dark. No animation: the figures are there at once (and in screenshots).
 */
export function drawDayChart(canvas: HTMLCanvasElement, series: DaySeries): DayChart {
  const colours = palette();
  const chart = new Chart<'bar' | 'line', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: series.days,
      datasets: [
        {
          type: 'bar',
          label: 'Tokens',
          data: series.tokens,
          yAxisID: 'tokens',
          backgroundColor: colours.tokens,
          order: 2,
        },
        {
          type: 'line',
          label: 'Requests',
          data: series.requests,
          yAxisID: 'requests',
          borderColor: colours.requests,
          backgroundColor: colours.requests,
          pointRadius: 2,
          order: 1,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { labels: { color: colours.text } } },
      scales: {
        // Labels are whole days; the axis shows month-day, the tooltip the whole day.
        x: {
          ticks: {
            color: colours.muted,
            // Upright labels, as many as fit (chart.js skips the rest) rather than a slanted crowd.
            maxRotation: 0,
            callback(value) {
              return String(this.getLabelForValue(Number(value))).slice(5);
            },
          },
          grid: { color: colours.line },
        },
        tokens: {
          position: 'left',
          beginAtZero: true,
          title: { display: true, text: 'Tokens', color: colours.muted },
          ticks: { color: colours.muted, precision: 0 },
          grid: { color: colours.line },
        },
        requests: {
          position: 'right',
          beginAtZero: true,
          title: { display: true, text: 'Requests', color: colours.muted },
          ticks: { color: colours.muted, precision: 0 },
          grid: { display: false },
        },
      },
    },
  });

  const recolour = () => {
    const next = palette();
    const [tokens, requests] = chart.data.datasets;
    if (tokens) tokens.backgroundColor = next.tokens;
    if (requests) {
      requests.borderColor = next.requests;
      requests.backgroundColor = next.requests;
    }
    const { options } = chart;
    if (options.plugins?.legend?.labels) options.plugins.legend.labels.color = next.text;
    for (const scale of Object.values(options.scales ?? {})) {
      if (!scale) continue;
      if (scale.ticks) scale.ticks.color = next.muted;
      if (scale.grid && scale.grid.display !== false) scale.grid.color = next.line;
      if ('title' in scale && scale.title) scale.title.color = next.muted;
    }
    chart.update();
  };
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', recolour);

  return {
    update(next) {
      chart.data.labels = next.days;
      const [tokens, requests] = chart.data.datasets;
      if (tokens) tokens.data = next.tokens;
      if (requests) requests.data = next.requests;
      chart.update();
    },
    destroy() {
      scheme.removeEventListener('change', recolour);
      chart.destroy();
    },
  };
}
