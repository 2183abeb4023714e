// `npm run bench`: runs the benchmark suites, prints one table per suite, writes JSON to bench/results/.
// Usage: npm run bench [-- SUITE...]   (no names: all suites)
import {mkdirSync, writeFileSync} from 'node:fs'

import {suites} from './suites.js'

export type Row = Record<string, string | number | null>
export interface Suite {
  name: string
  description: string
  run(): Promise<Row[]>
}

const wanted = process.argv.slice(2)
const selected = wanted.length > 0 ? suites.filter((suite) => wanted.includes(suite.name)) : suites
if (selected.length === 0) {
  console.error(`no such suite; known: ${suites.map((suite) => suite.name).join(', ')}`)
  process.exit(2)
}

const results: Record<string, {description: string; rows: Row[]}> = {}
for (const suite of selected) {
  console.error(`bench: ${suite.name} — ${suite.description}`)
  const rows = await suite.run()
  results[suite.name] = {description: suite.description, rows}
  console.log(`\n## ${suite.name}\n${table(rows)}`)
}

mkdirSync(new URL('results/', import.meta.url), {recursive: true})
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const body = JSON.stringify({date: new Date().toISOString(), node: process.version, results}, null, 2)
for (const name of [`bench-${stamp}.json`, 'latest.json']) writeFileSync(new URL(`results/${name}`, import.meta.url), body + '\n')
console.error('bench: wrote bench/results/latest.json')

function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const cell = (value: Row[string] | undefined) => (value === null || value === undefined ? '-' : typeof value === 'number' ? String(Math.round(value * 100) / 100) : value)
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)))
  const line = (values: string[]) => '| ' + values.map((value, index) => value.padEnd(widths[index])).join(' | ') + ' |'
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n')
}
