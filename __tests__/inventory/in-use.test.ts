// The protect.in-use scan, written from the contract's "Images in use": which files are read, which
// references count (by tag, by digest, by both, bare = latest, Helm values, templates), and when the
// scan cannot be complete (no file, limits, a file that cannot be read).
import { mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { InUseScanError, registryHostOf, scanImagesInUse, type InUseFinding, type InUseLimits, type InUseScan } from '../../src/inventory/in-use.js'

const HEX = 'ab'.repeat(32)
const OTHER_HEX = 'cd'.repeat(32)

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'in-use-scan-'))
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
})

function files(contents: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(contents)) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true })
    writeFileSync(join(workspace, path), content)
  }
}

function scan(globs: string[], options: { host?: string; owner?: string; limits?: InUseLimits } = {}): Promise<InUseScan> {
  return scanImagesInUse({ workspace, globs, registryHost: options.host ?? 'ghcr.io', owner: options.owner ?? 'acme', limits: options.limits })
}

/** The references without the text as written, for comparisons. */
function refs(result: InUseScan): Omit<InUseFinding, 'written' | 'places'>[] {
  return result.references.map(({ written: _written, places: _places, ...reference }) => reference)
}

describe('reference forms', () => {
  it('finds HOST/OWNER/NAME:TAG, @sha256:HEX and TAG@sha256:HEX, with their line', async () => {
    files({
      'deploy/prod.yaml': [
        'spec:',
        '  containers:',
        '    - image: ghcr.io/acme/web:1.4.2',
        `    - image: "ghcr.io/acme/api@sha256:${HEX}"`,
        `    - image: ghcr.io/acme/worker:2.0@sha256:${OTHER_HEX}`
      ].join('\n')
    })
    expect(refs(await scan(['deploy/*.yaml']))).toEqual([
      { file: 'deploy/prod.yaml', line: 3, package: 'web', tag: '1.4.2' },
      { file: 'deploy/prod.yaml', line: 4, package: 'api', digest: `sha256:${HEX}` },
      { file: 'deploy/prod.yaml', line: 5, package: 'worker', tag: '2.0', digest: `sha256:${OTHER_HEX}` }
    ])
  })

  it('reads a bare HOST/OWNER/NAME as :latest, as docker pull does', async () => {
    files({ 'compose.yaml': 'services:\n  web:\n    image: ghcr.io/acme/web\n' })
    expect(refs(await scan(['compose.yaml']))).toEqual([{ file: 'compose.yaml', line: 3, package: 'web', tag: 'latest' }])
  })

  it('matches host, owner and name without regard to case; the package is lower-cased, the tag kept as written', async () => {
    files({ 'list.txt': `GHCR.IO/Acme/Web:Release-1\nghcr.io/ACME/API@sha256:${HEX.toUpperCase()}\n` })
    expect(refs(await scan(['list.txt']))).toEqual([
      { file: 'list.txt', line: 1, package: 'web', tag: 'Release-1' },
      { file: 'list.txt', line: 2, package: 'api', digest: `sha256:${HEX}` }
    ])
  })

  it('takes names with "/" (team/web)', async () => {
    files({ 'list.txt': 'ghcr.io/acme/team/web:3.1 ghcr.io/acme/tools/ci/runner\n' })
    expect(refs(await scan(['list.txt']))).toEqual([
      { file: 'list.txt', line: 1, package: 'team/web', tag: '3.1' },
      { file: 'list.txt', line: 1, package: 'tools/ci/runner', tag: 'latest' }
    ])
  })

  it('uses the registry host with its port, and only that host and owner', async () => {
    files({
      'list.txt': [
        'registry.example:5000/acme/web:1',
        'registry.example/acme/web:2', // no port: another registry
        'registry.example:5001/acme/web:3',
        'myregistry.example:5000/acme/web:4', // another host that ends the same way
        'registry.example:5000/acme-labs/web:5', // another owner that starts the same way
        'registry.example:5000/octo/web:6',
        'ghcr.io/acme/web:7'
      ].join('\n')
    })
    expect(refs(await scan(['list.txt'], { host: 'registry.example:5000' }))).toEqual([{ file: 'list.txt', line: 1, package: 'web', tag: '1' }])
  })

  it('derives the host from the registry-url setting', () => {
    expect(registryHostOf('https://ghcr.io')).toBe('ghcr.io')
    expect(registryHostOf('http://127.0.0.1:8080/')).toBe('127.0.0.1:8080')
    expect(registryHostOf('https://Containers.GHE.example')).toBe('containers.ghe.example')
  })

  it('reads the forms workflows and kubectl lists use', async () => {
    files({
      '.github/workflows/ci.yml': [
        'jobs:',
        '  test:',
        '    container: ghcr.io/acme/ci-image:2024.1',
        '    steps:',
        '      - uses: docker://ghcr.io/acme/lint:v3'
      ].join('\n'),
      'images-in-use.txt': `ghcr.io/acme/web:1.4.2 ghcr.io/acme/api@sha256:${HEX} docker.io/library/nginx:1.27`
    })
    expect(refs(await scan(['.github/workflows/*.yml', 'images-in-use.txt']))).toEqual([
      { file: '.github/workflows/ci.yml', line: 3, package: 'ci-image', tag: '2024.1' },
      { file: '.github/workflows/ci.yml', line: 5, package: 'lint', tag: 'v3' },
      { file: 'images-in-use.txt', line: 1, package: 'web', tag: '1.4.2' },
      { file: 'images-in-use.txt', line: 1, package: 'api', digest: `sha256:${HEX}` }
    ])
  })
})

describe('templates', () => {
  it('marks a tag that cannot be resolved ({{ }}, ${X}, $X, ${{ }}) as unresolved, with the text as written', async () => {
    files({
      'deploy/templates.txt': [
        'image: ghcr.io/acme/web:{{ .Values.image.tag }}',
        'image: ghcr.io/acme/api:${TAG}',
        'image: ghcr.io/acme/worker:$TAG',
        'image: ghcr.io/acme/ci:${{ github.sha }}',
        'image: ghcr.io/acme/cron:v${VERSION}',
        'image: ghcr.io/acme/jobs@${DIGEST}'
      ].join('\n')
    })
    const result = await scan(['deploy/**'])
    expect(refs(result)).toEqual(
      ['web', 'api', 'worker', 'ci', 'cron', 'jobs'].map((name, i) => ({ file: 'deploy/templates.txt', line: i + 1, package: name, unresolved: true }))
    )
    expect(result.references.map((r) => r.written)).toEqual([
      'ghcr.io/acme/web:{{ .Values.image.tag }}',
      'ghcr.io/acme/api:${TAG}',
      'ghcr.io/acme/worker:$TAG',
      'ghcr.io/acme/ci:${{ github.sha }}',
      'ghcr.io/acme/cron:v${VERSION}',
      'ghcr.io/acme/jobs@${DIGEST}'
    ])
  })

  it('ignores a name that is itself a template: it names no package of the owner', async () => {
    files({ 'list.txt': 'ghcr.io/acme/web-${ENV}:1.0\nghcr.io/acme/{{ .Values.name }}:1.0\n' })
    expect(refs(await scan(['list.txt']))).toEqual([])
  })
})

describe('Helm values', () => {
  it('reads repository + tag and image + digest as one reference each, not as :latest', async () => {
    files({
      'charts/web/values.yaml': [
        'image:',
        '  repository: ghcr.io/acme/web',
        '  tag: "1.20"',
        'sidecar:',
        '  image: ghcr.io/acme/proxy',
        `  digest: sha256:${HEX}`,
        'job:',
        '  repository: ghcr.io/acme/job',
        '  tag: 1.20' // YAML reads a number; the tag is what is written
      ].join('\n')
    })
    expect(refs(await scan(['charts/**/values.yaml']))).toEqual([
      { file: 'charts/web/values.yaml', line: 3, package: 'web', tag: '1.20' },
      { file: 'charts/web/values.yaml', line: 6, package: 'proxy', digest: `sha256:${HEX}` },
      { file: 'charts/web/values.yaml', line: 9, package: 'job', tag: '1.20' }
    ])
  })

  it('reads mappings in lists and in flow style', async () => {
    files({
      'list.yaml': ['sidecars:', '  - repository: ghcr.io/acme/proxy', '    tag: 0.9.1'].join('\n'),
      'flow.yaml': `extra: {image: ghcr.io/acme/job, digest: "sha256:${HEX}"}`
    })
    expect(refs(await scan(['*.yaml']))).toEqual([
      { file: 'flow.yaml', line: 1, package: 'job', digest: `sha256:${HEX}` },
      { file: 'list.yaml', line: 3, package: 'proxy', tag: '0.9.1' }
    ])
  })

  it('reads registry + repository (OWNER/NAME) + tag, as Bitnami-style charts write them', async () => {
    files({ 'values.yml': 'image:\n  registry: ghcr.io\n  repository: acme/web\n  tag: 2.1.0\n' })
    expect(refs(await scan(['values.yml']))).toEqual([{ file: 'values.yml', line: 4, package: 'web', tag: '2.1.0' }])
  })

  it('marks a templated or empty tag (the chart appVersion) as unresolved, at the tag line', async () => {
    files({
      'charts/web/values.yaml': ['web:', '  image:', '    repository: ghcr.io/acme/web', '    tag: "{{ .Values.global.tag }}"', 'api:', '  repository: ghcr.io/acme/api', '  tag: ""'].join('\n')
    })
    const result = await scan(['charts/**'])
    expect(refs(result)).toEqual([
      { file: 'charts/web/values.yaml', line: 4, package: 'web', unresolved: true },
      { file: 'charts/web/values.yaml', line: 7, package: 'api', unresolved: true }
    ])
    expect(result.references[0].written).toBe('ghcr.io/acme/web:{{ .Values.global.tag }}')
  })

  it('leaves a repository without a sibling tag or digest to the text rule (:latest)', async () => {
    files({ 'values.yaml': 'image:\n  repository: ghcr.io/acme/web\n  pullPolicy: Always\n' })
    expect(refs(await scan(['values.yaml']))).toEqual([{ file: 'values.yaml', line: 2, package: 'web', tag: 'latest' }])
  })

  it('still scans YAML that does not parse (Helm templates) as text', async () => {
    files({ 'templates/deploy.yaml': '{{- if .Values.enabled }}\nimage: ghcr.io/acme/web:1.0\n  bad: [indent\n{{- end }}\n' })
    expect(refs(await scan(['templates/*.yaml']))).toEqual([{ file: 'templates/deploy.yaml', line: 2, package: 'web', tag: '1.0' }])
  })
})

describe('which files are read', () => {
  it('follows ** and includes dotfiles and dot-directories', async () => {
    files({
      '.env': 'IMAGE=ghcr.io/acme/web:from-dotfile\n',
      '.github/workflows/deploy.yml': 'image: ghcr.io/acme/web:from-workflow\n',
      'a/b/c/deep.txt': 'ghcr.io/acme/web:deep\n',
      'src/ignored.txt': 'ghcr.io/acme/web:not-matched\n'
    })
    const result = await scan(['**/.env', '.github/**', 'a/**'])
    expect(refs(result).map((r) => `${r.file}:${r.tag}`)).toEqual(['.env:from-dotfile', '.github/workflows/deploy.yml:from-workflow', 'a/b/c/deep.txt:deep'])
    expect(result.textFiles).toBe(3)
  })

  it('accepts globs written with a leading ./', async () => {
    files({ 'deploy/prod.yaml': 'image: ghcr.io/acme/web:1\n' })
    expect(refs(await scan(['./deploy/*.yaml']))).toHaveLength(1)
  })

  it('skips binary files (a NUL byte), reading only their first chunk, and names them', async () => {
    const binary = Buffer.concat([Buffer.from('ghcr.io/acme/web:in-binary\n'), Buffer.from([0]), Buffer.alloc(3 * 1024 * 1024, 0x41)])
    // A NUL far past the first 8 KiB makes a file binary too (contract 1.2: any NUL outside UTF-16).
    const lateNul = Buffer.concat([Buffer.from('ghcr.io/acme/web:late-nul\n'), Buffer.alloc(2 * 1024 * 1024, 0x41), Buffer.from([0])])
    files({ 'bin/tool': binary, 'bin/late': lateNul, 'bin/list.txt': 'ghcr.io/acme/web:in-text\n' })
    const result = await scan(['bin/*'])
    expect(refs(result)).toEqual([{ file: 'bin/list.txt', line: 1, package: 'web', tag: 'in-text' }])
    expect(result).toMatchObject({ textFiles: 1, binaryFiles: 2, binaryPaths: ['bin/late', 'bin/tool'] })
    expect(result.bytesRead).toBeLessThan(4 * 1024 * 1024)
  })

  it('reports each glob that matches no file', async () => {
    files({ 'deploy/prod.yaml': 'image: ghcr.io/acme/web:1\n' })
    const result = await scan(['deploy/*.yaml', 'charts/**/values.yaml', 'k8s/*.yml'])
    expect(result.unmatchedGlobs).toEqual(['charts/**/values.yaml', 'k8s/*.yml'])
    expect(refs(result)).toHaveLength(1)
  })

  it('fails when no glob matches any file, saying to check the repository out', async () => {
    const failure = scan(['deploy/**', 'images-in-use.txt'])
    await expect(failure).rejects.toThrow(InUseScanError)
    await expect(failure).rejects.toThrow(/no file in the workspace .* matches 'deploy\/\*\*', 'images-in-use.txt'.*checked out\? Add actions\/checkout/)
  })

  it('reads a linked file once per reference: the same reference in two places is one, counted twice', async () => {
    files({ 'real/list.txt': 'ghcr.io/acme/web:linked\n' })
    symlinkSync(join(workspace, 'real/list.txt'), join(workspace, 'link.txt'))
    const result = await scan(['**/*.txt'])
    expect(refs(result)).toEqual([{ file: 'link.txt', line: 1, package: 'web', tag: 'linked' }])
    expect(result.references[0].places).toBe(2)
    expect(result.textFiles).toBe(2)
  })
})

describe('limits and failures: an incomplete scan fails', () => {
  it('fails past the file limit', async () => {
    files(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`deploy/f${i}.yaml`, 'image: ghcr.io/acme/web:1\n'])))
    await expect(scan(['deploy/*'], { limits: { maxFiles: 6, maxBytes: 1e9 } })).resolves.toMatchObject({ textFiles: 6 })
    await expect(scan(['deploy/*'], { limits: { maxFiles: 5, maxBytes: 1e9 } })).rejects.toThrow(/more than 5 files match \(the scan's limit\)/)
  })

  it('fails past the byte limit, counting text files whole', async () => {
    files({ 'a.txt': 'x'.repeat(600), 'b.txt': 'y'.repeat(600) })
    await expect(scan(['*.txt'], { limits: { maxFiles: 10, maxBytes: 1200 } })).resolves.toMatchObject({ bytesRead: 1200 })
    await expect(scan(['*.txt'], { limits: { maxFiles: 10, maxBytes: 1199 } })).rejects.toThrow(/more than 1,199 bytes of text \(the scan's limit; '(a|b).txt' is 600 bytes\)/)
  })

  it('protects a package whole past the distinct-reference bound (memory stays bounded); repeats cost nothing', async () => {
    files({ 'list.txt': 'ghcr.io/acme/web:1\nghcr.io/acme/web:1\nghcr.io/acme/web:2\nghcr.io/acme/web:3\n' })
    await expect(scan(['list.txt'], { limits: { maxFiles: 10, maxBytes: 1e9, maxReferences: 3 } })).resolves.toMatchObject({ references: [{ tag: '1', places: 2 }, { tag: '2' }, { tag: '3' }] })
    // Past the bound the package is protected whole (an unresolved reference), never less than the files say.
    const flooded = await scan(['list.txt'], { limits: { maxFiles: 10, maxBytes: 1e9, maxReferences: 2 } })
    expect(flooded.references).toEqual(expect.arrayContaining([expect.objectContaining({ unresolved: true, written: expect.stringMatching(/more than 2 distinct images: every version of .* is kept/) })]))
  })

  it('fails when a matched file cannot be read', async () => {
    files({ 'deploy/ok.yaml': 'image: ghcr.io/acme/web:1\n', 'deploy/secret.yaml': 'image: ghcr.io/acme/web:2\n' })
    const openFile = (path: string): number => {
      if (path.endsWith('secret.yaml')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
      return openSync(path, 'r')
    }
    await expect(scanImagesInUse({ workspace, globs: ['deploy/*.yaml'], registryHost: 'ghcr.io', owner: 'acme', openFile })).rejects.toThrow(
      /'deploy\/secret.yaml' cannot be read \(EACCES: permission denied\); an incomplete scan would protect less than the files say/
    )
  })
})
