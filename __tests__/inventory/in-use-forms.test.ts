// The 1.2 scan, written from the contract's "Images in use (1.2)": Kustomize images, every reading
// of an ambiguous reference, escaped JSON, sibling tag and digest keys, UTF-16 text, and the
// real formats users keep images in (Compose, Dockerfile, workflows, Argo CD, Flux), each from a
// file as those tools write it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { scanImagesInUse, type InUseFinding, type InUseScan } from '../../src/inventory/in-use.js'

const HEX = 'ab'.repeat(32)

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'in-use-forms-'))
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

function scan(globs: string[] = ['**']): Promise<InUseScan> {
  return scanImagesInUse({ workspace, globs, registryHost: 'ghcr.io', owner: 'acme' })
}

/** "file:line package:tag@digest" or "file:line package (unresolved)": compact, in scan order. */
function found(result: InUseScan): string[] {
  return result.references.map((r: InUseFinding) =>
    r.unresolved ? `${r.file}:${r.line} ${r.package} (unresolved)` : `${r.file}:${r.line} ${r.package}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`
  )
}

describe('Kustomize images', () => {
  it('reads newName (else name) at newTag and at digest, not name as :latest', async () => {
    files({
      'overlays/prod/kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - ../../base',
        'images:',
        '  - name: ghcr.io/acme/worker',
        '    newTag: 1.2.1',
        '  - name: web',
        '    newName: ghcr.io/acme/web',
        '    newTag: "2.0"',
        `  - name: ghcr.io/acme/api`,
        `    digest: sha256:${HEX}`,
        '  - name: ghcr.io/acme/cron',
        '    newTag: "3.1"',
        `    digest: sha256:${HEX}`
      ].join('\n')
    })
    expect(found(await scan())).toEqual([
      'overlays/prod/kustomization.yaml:7 worker:1.2.1',
      'overlays/prod/kustomization.yaml:10 web:2.0',
      `overlays/prod/kustomization.yaml:12 api@sha256:${HEX}`,
      `overlays/prod/kustomization.yaml:14 cron:3.1@sha256:${HEX}`
    ])
  })

  it('marks newName alone and tagSuffix unresolved; a newName elsewhere protects nothing of ours', async () => {
    files({
      'kustomization.yml': [
        'images:',
        '- name: ghcr.io/acme/old',
        '  newName: ghcr.io/acme/renamed',
        '- name: ghcr.io/acme/suffixed',
        '  newTag: "1.0"',
        '  tagSuffix: -debug',
        '- name: ghcr.io/acme/moved',
        '  newName: docker.io/acme/moved',
        '  newTag: "9.9"',
        '- {name: ghcr.io/acme/flow, newTag: "4.4"}'
      ].join('\n')
    })
    expect(found(await scan())).toEqual(['kustomization.yml:3 renamed (unresolved)', 'kustomization.yml:5 suffixed (unresolved)', 'kustomization.yml:10 flow:4.4'])
  })

  it('reads a Flux Kustomization and an Argo CD Application (kustomize.images strings)', async () => {
    files({
      'clusters/prod/apps.yaml': [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'spec:',
        '  images:',
        '    - name: ghcr.io/acme/web',
        '      newTag: 5.0.1'
      ].join('\n'),
      'argocd/app.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'spec:',
        '  source:',
        '    kustomize:',
        '      images:',
        '        - ghcr.io/acme/api:7.1',
        '        - worker=ghcr.io/acme/worker:7.2'
      ].join('\n')
    })
    expect(found(await scan())).toEqual(['argocd/app.yaml:7 api:7.1', 'argocd/app.yaml:8 worker:7.2', 'clusters/prod/apps.yaml:6 web:5.0.1'])
  })
})

describe('ambiguity protects every reading', () => {
  it('reads a tag followed by punctuation both with and without it', async () => {
    files({ 'NOTES.md': 'Roll back to ghcr.io/acme/app:old-3. Then ghcr.io/acme/api:1.2, and ghcr.io/acme/web:v2-.\n' })
    expect(found(await scan())).toEqual(['NOTES.md:1 app:old-3.', 'NOTES.md:1 app:old-3', 'NOTES.md:1 api:1.2', 'NOTES.md:1 web:v2-.', 'NOTES.md:1 web:v2-', 'NOTES.md:1 web:v2'])
  })

  it('reads JSON with escaped slashes, in values and in mappings', async () => {
    files({
      'status.json': JSON.stringify({ image: 'ghcr.io/acme/app:1.2' }).replaceAll('/', '\\/'),
      'values.json': '{\n  "image": {\n    "repository": "ghcr.io\\/acme\\/web",\n    "tag": "3.3"\n  }\n}\n'
    })
    expect(found(await scan())).toEqual(['status.json:1 app:1.2', 'values.json:4 web:3.3'])
  })
})

describe('a bare name beside tag or digest keys', () => {
  it('reads repository/image + tag/digest as Helm does, in block, flow and JSON', async () => {
    files({
      'a.yaml': ['image:', '  repository: ghcr.io/acme/web', '  tag: "1.5"'].join('\n'),
      'b.yaml': `sidecar: {image: ghcr.io/acme/proxy, digest: "sha256:${HEX}"}`,
      'c.json': '{"job": {"image": "ghcr.io/acme/job", "tag": "2.2"}}'
    })
    expect(found(await scan())).toEqual(['a.yaml:3 web:1.5', `b.yaml:1 proxy@sha256:${HEX}`, 'c.json:1 job:2.2'])
  })

  it('marks a name beside any other tag or digest key unresolved, not :latest', async () => {
    files({
      'values.yaml': [
        'app:',
        '  name: ghcr.io/acme/app',
        '  imageTag: v1.3.0',
        'api:',
        '  image: ghcr.io/acme/api',
        '  image_tag: "2"',
        'web: {image: ghcr.io/acme/web, web-digest: abc}',
        'cron:',
        '  name: ghcr.io/acme/cron',
        '  tag: "5"',
        'flow:',
        '  image: ghcr.io/acme/flow',
        '  buildDigest:',
        '  stage: prod',
        'block:',
        '  repository: ghcr.io/acme/block',
        '  tag: >-',
        '    1.0'
      ].join('\n'),
      'values.json': '{"svc": {"image": "ghcr.io/acme/svc", "imageTag": "9"}}'
    })
    expect(found(await scan())).toEqual([
      'values.json:1 svc (unresolved)',
      'values.yaml:3 app (unresolved)',
      'values.yaml:6 api (unresolved)',
      'values.yaml:7 web (unresolved)',
      'values.yaml:10 cron (unresolved)',
      'values.yaml:13 flow (unresolved)',
      'values.yaml:17 block (unresolved)'
    ])
    expect((await scan()).references.find((r) => r.package === 'app')?.written).toBe('ghcr.io/acme/app with imageTag: v1.3.0')
  })

  it('leaves other siblings alone: a tags: block, stage, a nested mapping under a tag key', async () => {
    files({
      'values.yaml': [
        'release:',
        '  image: ghcr.io/acme/web',
        '  tags:',
        '    - stable',
        '  stage: prod',
        '  imageTag:',
        '    default: "1.0"'
      ].join('\n')
    })
    expect(found(await scan())).toEqual(['values.yaml:2 web:latest'])
  })
})

describe('structure around the mappings', () => {
  it('reads through Helm template directives, and a stray bracket in prose does not hide later mappings', async () => {
    files({
      'charts/web/values.yaml': ['image:', '  repository: ghcr.io/acme/web', '{{- if .Values.pinned }}', '  tag: "1.2"', '{{- end }}'].join('\n'),
      'NOTES.md': ['[draft', 'image:', '  repository: ghcr.io/acme/api', '  tag: "3.0"'].join('\n')
    })
    expect(found(await scan())).toEqual(['NOTES.md:4 api:3.0', 'charts/web/values.yaml:4 web:1.2'])
  })
})

describe('text encodings', () => {
  it('reads UTF-16 LE and BE with a byte-order mark (PowerShell ">"), and UTF-8 with one', async () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ghcr.io/acme/web:1.0\r\nghcr.io/acme/api:2.0\r\n', 'utf16le')])
    const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('ghcr.io/acme/job:3.0\n', 'utf16le').swap16()])
    const utf8bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('image:\n  repository: ghcr.io/acme/bom\n  tag: "4.0"\n')])
    files({ 'le.txt': utf16le, 'be.txt': utf16be, 'bom.yaml': utf8bom })
    const result = await scan()
    expect(found(result)).toEqual(['be.txt:1 job:3.0', 'bom.yaml:3 bom:4.0', 'le.txt:1 web:1.0', 'le.txt:2 api:2.0'])
    expect(result.binaryFiles).toBe(0)
  })

  it('reads a UTF-16 file whose lines span the read chunks', async () => {
    const lines = Array.from({ length: 60_000 }, (_, k) => `ghcr.io/acme/web:${k}`).join('\r\n')
    files({ 'big.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines, 'utf16le')]) })
    const result = await scan()
    expect(result.references).toHaveLength(60_000)
    expect(result.references[59_999]).toMatchObject({ line: 60_000, tag: '59999' })
  })
})

describe('real formats', () => {
  it('reads a Compose file, a Dockerfile (FROM with --platform and AS) and a workflow', async () => {
    files({
      'compose.yaml': ['services:', '  web:', '    image: ghcr.io/acme/web:1.4', '    depends_on: [db]', '  db:', '    image: postgres:17'].join('\n'),
      'Dockerfile': [
        'FROM --platform=$BUILDPLATFORM ghcr.io/acme/builder:2024.06 AS build',
        'RUN make',
        `FROM ghcr.io/acme/base@sha256:${HEX}`,
        'COPY --from=build /out /app'
      ].join('\n'),
      '.github/workflows/ci.yml': [
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    container:',
        '      image: ghcr.io/acme/ci:3',
        '    services:',
        '      redis:',
        '        image: ghcr.io/acme/redis:7.2',
        '    steps:',
        '      - uses: docker://ghcr.io/acme/lint:v3'
      ].join('\n')
    })
    expect(found(await scan())).toEqual([
      '.github/workflows/ci.yml:5 ci:3',
      '.github/workflows/ci.yml:8 redis:7.2',
      '.github/workflows/ci.yml:10 lint:v3',
      'Dockerfile:1 builder:2024.06',
      `Dockerfile:3 base@sha256:${HEX}`,
      'compose.yaml:3 web:1.4'
    ])
  })

  it('reads Argo CD Image Updater annotations and Flux image policies as they are written', async () => {
    files({
      'argocd/app.yaml': [
        'metadata:',
        '  annotations:',
        '    argocd-image-updater.argoproj.io/image-list: web=ghcr.io/acme/web:1.4.2',
        '    argocd-image-updater.argoproj.io/web.update-strategy: digest'
      ].join('\n'),
      'flux/web.yaml': [
        'apiVersion: image.toolkit.fluxcd.io/v1beta2',
        'kind: ImageRepository',
        'spec:',
        '  image: ghcr.io/acme/web',
        '---',
        'kind: Deployment',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - image: ghcr.io/acme/web:1.5.0 # {"$imagepolicy": "flux-system:web"}'
      ].join('\n')
    })
    // Flux writes the tag its policy chose into the manifests (the setter comment): that is what runs.
    expect(found(await scan())).toEqual(['argocd/app.yaml:3 web:1.4.2', 'flux/web.yaml:4 web:latest', 'flux/web.yaml:11 web:1.5.0'])
  })

  it('reads a kubectl jsonpath list of what a cluster runs', async () => {
    files({ 'images-in-use.txt': `ghcr.io/acme/web:1.4.2 ghcr.io/acme/api@sha256:${HEX} docker.io/library/nginx:1.27 ghcr.io/acme/web:1.4.2` })
    const result = await scan()
    expect(found(result)).toEqual(['images-in-use.txt:1 web:1.4.2', `images-in-use.txt:1 api@sha256:${HEX}`])
    expect(result.references[0].places).toBe(2)
  })
})
