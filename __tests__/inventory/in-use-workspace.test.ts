// The scan reads only the workspace (contract 1.2): a link out, a loop or a dangling link the globs
// reach fails the scan, naming the link and what to do; a directory link inside is followed once.
// And its cost is bounded: hostile shapes (blank lines after a host, long lines, deep nesting)
// finish quickly.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { InUseScanError, scanImagesInUse, type InUseScan } from '../../src/inventory/in-use.js'

let base: string
let workspace: string
let outside: string
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'in-use-workspace-'))
  workspace = join(base, 'work')
  outside = join(base, 'outside')
  mkdirSync(workspace)
  mkdirSync(outside)
})
afterEach(() => {
  rmSync(base, { recursive: true, force: true })
})

function files(root: string, contents: Record<string, string>): void {
  for (const [path, content] of Object.entries(contents)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

function scan(globs: string[]): Promise<InUseScan> {
  return scanImagesInUse({ workspace, globs, registryHost: 'ghcr.io', owner: 'acme' })
}

describe('only the workspace is read', () => {
  it('fails on a matched file link leading outside, naming it and what to do, without reading the target', async () => {
    files(outside, { 'prod.yaml': 'image: ghcr.io/acme/web:from-outside\n' })
    files(workspace, { 'deploy/ok.yaml': 'image: ghcr.io/acme/web:1\n' })
    symlinkSync(join(outside, 'prod.yaml'), join(workspace, 'deploy/prod.yaml'))
    const failure = scan(['deploy/*.yaml'])
    await expect(failure).rejects.toThrow(InUseScanError)
    await expect(failure).rejects.toThrow(/'deploy\/prod\.yaml' is a symbolic link to '.*outside\/prod\.yaml', outside the workspace; .*Copy the file into the workspace/)
  })

  it('fails on a directory link leading outside that the globs would enter', async () => {
    files(outside, { 'etc/passwd': 'root:x:0:0\n' })
    symlinkSync(join(outside, 'etc'), join(workspace, 'config'))
    await expect(scan(['config/**'])).rejects.toThrow(/'config' is a symbolic link to .*outside the workspace/)
    // A link the globs never reach is not followed, and not a failure.
    files(workspace, { 'deploy/a.yaml': 'image: ghcr.io/acme/web:1\n' })
    await expect(scan(['deploy/*.yaml'])).resolves.toMatchObject({ textFiles: 1 })
  })

  it('fails on a dangling link, saying the step that renders it may have failed', async () => {
    symlinkSync(join(workspace, 'rendered/out.yaml'), join(workspace, 'deploy.yaml'))
    await expect(scan(['*.yaml'])).rejects.toThrow(/'deploy\.yaml' is a symbolic link to '.*rendered\/out\.yaml', which does not exist \(did the step that renders it fail\?\).*Fix the step/)
  })

  it('fails on a link loop with a message, not a raw ELOOP', async () => {
    symlinkSync(join(workspace, 'b.yaml'), join(workspace, 'a.yaml'))
    symlinkSync(join(workspace, 'a.yaml'), join(workspace, 'b.yaml'))
    const failure = scan(['*.yaml'])
    await expect(failure).rejects.toThrow(/'a\.yaml' is a symbolic link that loops/)
    await expect(failure).rejects.not.toThrow(/ELOOP/)
  })

  it('follows a directory link inside the workspace once: no double counting, no loop', async () => {
    files(workspace, { 'releases/v3/web.yaml': 'image: ghcr.io/acme/web:3.0\n' })
    symlinkSync(join(workspace, 'releases/v3'), join(workspace, 'current'))
    symlinkSync(workspace, join(workspace, 'releases/v3/root'))
    const viaLink = await scan(['current/*.yaml'])
    expect(viaLink.references.map((r) => `${r.file}:${r.tag}`)).toEqual(['current/web.yaml:3.0'])
    const everything = await scan(['**/*.yaml'])
    expect(everything.textFiles).toBe(1)
    expect(everything.references).toHaveLength(1)
  })
})

describe('bounded cost', () => {
  it('reads 2 MB of blank lines after a host, long lines and deep nesting in well under a few seconds', async () => {
    files(workspace, {
      'blank.yaml': `image:\n  repository: ghcr.io${'\n'.repeat(2_000_000)}  tag: "1"\n`,
      'spaces.yaml': `image: ghcr.io/${' \n'.repeat(500_000)}`,
      'long.txt': `${'ghcr.io/acme/web:1 '.repeat(100_000)}\n${'x'.repeat(1_000_000)} ghcr.io/acme/api:2\n`,
      'deep.json': `${'{"a":'.repeat(200_000)}"ghcr.io/acme/deep:3"${'}'.repeat(200_000)}`,
      'indent.yaml': Array.from({ length: 2000 }, (_, k) => `${' '.repeat(k)}k${k}:`).join('\n')
    })
    // CPU time, not wall time: the machine running the tests may be busy. The 1.1 scanner took
    // minutes on the blank lines alone (a backtracking regular expression).
    const cpu = process.cpuUsage()
    const result = await scan(['*'])
    const used = process.cpuUsage(cpu)
    expect((used.user + used.system) / 1000).toBeLessThan(3000)
    expect(result.references.map((r) => `${r.file}:${r.package}:${r.tag}`).sort()).toEqual(['deep.json:deep:3', 'long.txt:api:2', 'long.txt:web:1'])
  })

  it('reads a reference across the pieces of a line longer than a piece', async () => {
    // References at every offset around the piece boundaries: none is cut or lost.
    const line = Array.from({ length: 40_000 }, (_, k) => `ghcr.io/acme/w${k}:t${k}`).join(' ')
    files(workspace, { 'one-line.txt': line })
    const result = await scan(['*.txt'])
    expect(result.references).toHaveLength(40_000)
    expect(new Set(result.references.map((r) => `${r.package}:${r.tag}`)).size).toBe(40_000)
    expect(result.references.every((r) => r.package.slice(1) === r.tag!.slice(1))).toBe(true)
  })
})
