/**
 * ECharts for the admin console, through vue-echarts: only what the pages draw (bar and line
 * charts, grid, tooltip, legend) on the canvas renderer, so the bundle carries no unused chart.
 */
import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import VChart from 'vue-echarts';

use([CanvasRenderer, BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent]);

export { VChart };
export type { EChartsOption } from 'echarts';
