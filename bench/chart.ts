// The benches' charts (bench:net's latency over time, the codecs' bitrate against quality), drawn by Apache ECharts
// (server-side SVG) and rasterised to PNG by resvg.
import {Resvg} from '@resvg/resvg-js'
import * as echarts from 'echarts'

export interface Series {
  name: string
  points: Array<[number, number]>
}

export function lineChartPng(options: {title: string; xName: string; yName: string; series: Series[]; markY?: {value: number; label: string}; width?: number; height?: number}): Buffer {
  return renderPng(options.width ?? 1000, options.height ?? 500, {
    title: {text: options.title, left: 'center'},
    legend: {top: 30},
    grid: {top: 70, left: 70, right: 30, bottom: 50},
    xAxis: {type: 'value', name: options.xName, nameLocation: 'middle', nameGap: 28},
    yAxis: {type: 'log', name: options.yName, min: 1},
    series: options.series.map((series, index) => ({
      type: 'line',
      name: series.name,
      showSymbol: false,
      data: series.points.map(([x, y]) => [x, Math.max(1, y)]),
      ...(index === 0 && options.markY
        ? {markLine: {symbol: 'none', lineStyle: {type: 'dashed', color: '#888'}, label: {formatter: options.markY.label}, data: [{yAxis: options.markY.value}]}}
        : {}),
    })),
  })
}

/** One point per case, labelled; a series per kind (a codec), x on a log axis. */
export function scatterChartPng(options: {title: string; xName: string; yName: string; series: Array<{name: string; points: Array<{x: number; y: number; label: string}>}>; width?: number; height?: number}): Buffer {
  return renderPng(options.width ?? 1000, options.height ?? 560, {
    title: {text: options.title, left: 'center'},
    // Server-side rendering measures no text, so the legend's names need room of their own.
    legend: {top: 30, itemGap: 80},
    grid: {top: 70, left: 70, right: 40, bottom: 50},
    xAxis: {type: 'log', name: options.xName, nameLocation: 'middle', nameGap: 28},
    yAxis: {type: 'value', name: options.yName, scale: true},
    series: options.series.map((series) => ({
      type: 'scatter',
      name: series.name,
      symbolSize: 10,
      label: {show: true, position: 'right', fontSize: 10, formatter: (point: {data: [number, number, string]}) => point.data[2]},
      data: series.points.map(({x, y, label}) => [x, y, label]),
    })),
  })
}

function renderPng(width: number, height: number, option: Record<string, unknown>): Buffer {
  const chart = echarts.init(null, null, {renderer: 'svg', ssr: true, width, height})
  try {
    chart.setOption({animation: false, backgroundColor: '#ffffff', ...option})
    const svg = chart.renderToSVGString()
    return new Resvg(svg, {fitTo: {mode: 'width', value: width}, background: 'white'}).render().asPng()
  } finally {
    chart.dispose()
  }
}
