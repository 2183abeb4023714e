// Line charts for bench:net, drawn by Apache ECharts (server-side SVG) and rasterised to PNG by resvg.
import {Resvg} from '@resvg/resvg-js'
import * as echarts from 'echarts'

export interface Series {
  name: string
  points: Array<[number, number]>
}

export function lineChartPng(options: {title: string; xName: string; yName: string; series: Series[]; markY?: {value: number; label: string}; width?: number; height?: number}): Buffer {
  const width = options.width ?? 1000
  const height = options.height ?? 500
  const chart = echarts.init(null, null, {renderer: 'svg', ssr: true, width, height})
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
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
    const svg = chart.renderToSVGString()
    return new Resvg(svg, {fitTo: {mode: 'width', value: width}, background: 'white'}).render().asPng()
  } finally {
    chart.dispose()
  }
}
