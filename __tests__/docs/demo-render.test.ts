// The demo prints each table once: the kept versions with the first run of a policy only, the
// first part of a later run's summary, and a table that comes again named instead of printed.
import { TablesShown, summaryAsText, summaryText } from '../../scripts/demo/render.js'

const SUMMARY = [
  '<h2>package-retention</h2>',
  '<p>✅ Executed: 2 versions deleted.</p>',
  '<table><tr><th>Package</th><th>Deleted</th></tr><tr><td>container/web</td><td>2</td></tr></table>',
  '<h3>What each rule did</h3><ul><li>Rule a selects nothing</li><li>Rule b selects nothing</li></ul>',
  '<h3><code>container/web</code> (public)</h3>',
  '<table><tr><th>ID</th><th>Tags</th></tr><tr><td>1</td><td>pr-1 &amp; co</td></tr></table>',
  '<details><summary>Kept: 1 image(s), 1 version(s)</summary><table><tr><th>ID</th></tr><tr><td>9</td></tr></table></details>'
].join('\n')

describe('the demo renders summaries as text', () => {
  it('renders headings, list items and table rows on their own lines, entities decoded', () => {
    const text = summaryAsText(SUMMARY)
    expect(text).toContain('## package-retention\n✅ Executed: 2 versions deleted.\n| Package | Deleted |\n| container/web | 2 |')
    expect(text).toContain('  - Rule a selects nothing\n  - Rule b selects nothing')
    expect(text).toContain('| 1 | pr-1 & co |')
  })

  it('shows the kept versions only when asked for the whole summary', () => {
    expect(summaryText(SUMMARY, 'whole')).toContain('Kept: 1 image(s)')
    const without = summaryText(SUMMARY, 'without kept')
    expect(without).not.toContain('Kept:')
    expect(without).toContain('| 1 | pr-1 & co |')
  })

  it("a later run's first part ends before the summary's second heading", () => {
    const first = summaryText(SUMMARY, 'first part')
    expect(first.split('\n')).toEqual(['## package-retention', '✅ Executed: 2 versions deleted.', '| Package | Deleted |', '| container/web | 2 |'])
  })

  it('names a table printed before instead of printing it again; a changed table is printed', () => {
    const tables = new TablesShown()
    const table = '| a | b |\n| 1 | 2 |'
    expect(tables.once(`first\n${table}\nend`, 'run 1')).toBe(`first\n${table}\nend`)
    expect(tables.once(`again\n${table}\nend`, 'run 2')).toBe('again\n(the same table as in run 1)\nend')
    expect(tables.once(`changed\n| a | b |\n| 1 | 3 |`, 'run 3')).toBe('changed\n| a | b |\n| 1 | 3 |')
  })
})
