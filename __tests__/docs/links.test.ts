// Every relative link of the README and of docs/*.md leads somewhere: the file exists and, when the
// link names a heading (#anchor), the heading exists as GitHub renders its anchor.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ROOT } from '../e2e/run-action.js'

/** GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces to `-`, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!heading) continue
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

/** The text with fenced code blocks blanked (line numbers kept), so what they show is not read as Markdown. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(\s*)```[\s\S]*?^\s*```\s*$/gm, block => block.replace(/[^\n]/g, ' '))
}

/** ... and inline code blanked too: a link shown as code is not a link. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, code => ' '.repeat(code.length))
}

export function relativeLinks(markdown: string): string[] {
  const links: string[] = []
  for (const match of withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target)
  }
  return links
}

const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)]

describe('links in the README and docs/', () => {
  it('reads the headings and links as GitHub does', () => {
    expect([...headingAnchors('# Images in use (`protect.in-use`)\n## 5. Restore\n## Restore\n## Restore\n```\n# not a heading\n```\n')]).toEqual([
      'images-in-use-protectin-use',
      '5-restore',
      'restore',
      'restore-1'
    ])
    expect(relativeLinks('[a](docs/x.md#y) [b](https://github.com) `[c](z.md)` [d](#top)')).toEqual(['docs/x.md#y', '#top'])
  })

  it.each(documents)('%s: every relative link resolves to a file and heading', document => {
    const text = readFileSync(join(ROOT, document), 'utf8')
    const broken: string[] = []
    for (const link of relativeLinks(text)) {
      const [path, anchor] = link.split('#') as [string, string | undefined]
      const target = path === '' ? join(ROOT, document) : resolve(dirname(join(ROOT, document)), decodeURIComponent(path))
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${relative(ROOT, target)}`)
        continue
      }
      if (anchor === undefined || statSync(target).isDirectory()) continue
      if (!target.endsWith('.md')) {
        broken.push(`${link}: an anchor into a file that is not Markdown`)
        continue
      }
      if (!headingAnchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${relative(ROOT, target)}`)
    }
    expect(broken).toEqual([])
  })
})
