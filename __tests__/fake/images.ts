// Builders for realistic container images as GitHub Packages stores them: one package version per
// manifest, named by the manifest's digest. Deterministic (same arguments → same bytes and
// digests), so tests can assert on digests. The bodies follow what the tools really push:
// buildx (indented JSON, children before the index, attestation manifests), docker's v2 schema,
// cosign's legacy tag scheme and OCI 1.1 referrers with the referrers tag fallback.
//
//   const web = multiArchImage({ tags: ['1.4', 'latest'], created_at: '2024-05-01T00:00:00Z',
//     platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
//   const sig = cosignSignature(web, 'sig', '2024-05-01T00:05:00Z')
//   packages: [{ owner: 'acme', package_type: 'container', name: 'web', versions: [...web.versions, ...sig.versions] }]
//   // web.digest is the index (tagged 1.4 and latest), web.children[1].digest the linux/arm64 manifest
import { createHash } from 'node:crypto'
import type { FakeVersionSeed } from './state.js'

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json'
} as const

/** The empty JSON blob "{}" OCI 1.1 artifacts use as their config. */
const EMPTY_CONFIG = { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256Digest('{}'), size: 2 }

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
}

/** One manifest and the package version that holds it. */
export interface BuiltManifest extends Descriptor {
  /** The exact bytes served by the registry. */
  body: string
  /** The version seed; a plain object, so a test may set id, downloads, updated_at or deleted_at on it. */
  version: FakeVersionSeed
  /** "linux/arm64" for a platform manifest, "unknown/unknown" for an attestation manifest. */
  platform?: string
}

/** What a build pushed: its top manifest (the tagged one), and every version it adds. */
export interface BuiltImage extends BuiltManifest {
  /** Every version this build adds, in push order (children first): spread them into a package's `versions`. */
  versions: FakeVersionSeed[]
  /** What the index lists besides attestations, shared children included (their versions belong to another build). */
  children: BuiltManifest[]
  /** buildx attestation manifests, one per child, in the index after the children. */
  attestations: BuiltManifest[]
}

type Format = 'oci' | 'docker'

export interface SingleImageOptions {
  tags: string[]
  created_at: string
  mediaType?: Format
  platform?: string
  /** Vary the content (and so the digest) when tags and created_at alone would repeat. */
  salt?: string
}

export interface MultiArchOptions {
  tags: string[]
  created_at: string
  platforms: string[]
  /** buildx provenance/SBOM attestations: one untagged manifest per platform, listed in the index. */
  attestations?: boolean
  format?: Format
  /** Platform manifests of another build to list instead of new ones (a rebuild with identical layers). */
  sharedChildren?: BuiltManifest[]
  salt?: string
}

export function sha256Digest(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** A single-platform image: one tagged manifest. */
export function singleImage(options: SingleImageOptions): BuiltImage {
  const format = options.mediaType ?? 'oci'
  const key = `${options.salt ?? ''}|${options.tags.join(',')}`
  const manifest = platformManifest(format, options.platform ?? 'linux/amd64', key, options.created_at, options.tags)
  return image(manifest, [], [])
}

/**
 * A multi-platform image as buildx pushes it: one untagged manifest per platform and, with
 * attestations, one untagged attestation manifest per platform, then the tagged index listing
 * them all. Children are created a few seconds before the index, in index order.
 */
export function multiArchImage(options: MultiArchOptions): BuiltImage {
  const format = options.format ?? 'oci'
  // BuildKit writes attestations only into OCI indexes (it switches to OCI media types for them).
  if (format === 'docker' && options.attestations) throw new Error('images: buildx attestations need format "oci"')
  const shared = options.sharedChildren ?? []
  for (const child of shared) {
    if (!child.platform || !options.platforms.includes(child.platform)) {
      throw new Error(`images: shared child ${child.digest} has platform ${child.platform}, not one of ${options.platforms.join(', ')}`)
    }
  }
  const key = `${options.salt ?? ''}|${options.tags.join(',')}`
  const count = options.platforms.length * (options.attestations ? 2 : 1)
  let pushed = 0
  const before = () => secondsBefore(options.created_at, count - pushed++)

  const children = options.platforms.map(
    (platform) =>
      shared.find((c) => c.platform === platform) ??
      platformManifest(format, platform, key, before(), [])
  )
  const attestations = options.attestations
    ? children.map((child) => attestationManifest(child, key, before()))
    : []
  const index = indexManifest(format === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList, [
    ...children.map((c) => ({ ...descriptor(c), platform: platformObject(c.platform as string) })),
    ...attestations.map((a, i) => ({
      ...descriptor(a),
      annotations: {
        'vnd.docker.reference.digest': (children[i] as BuiltManifest).digest,
        'vnd.docker.reference.type': 'attestation-manifest'
      },
      platform: { architecture: 'unknown', os: 'unknown' }
    }))
  ], options.tags, options.created_at)
  const own = children.filter((c) => !shared.includes(c))
  return image(index, [...own, ...attestations], children, attestations)
}

/**
 * An index whose child is another (untagged) index: the outer one tagged, the inner one
 * listing platform manifests. Registries accept it; tools rarely produce it.
 */
export function nestedIndex(options: { tags: string[]; created_at: string; platforms?: string[]; salt?: string }): BuiltImage & { inner: BuiltImage } {
  const inner = multiArchImage({
    tags: [],
    created_at: secondsBefore(options.created_at, 1),
    platforms: options.platforms ?? ['linux/amd64', 'linux/arm64'],
    salt: `${options.salt ?? ''}|inner|${options.tags.join(',')}`
  })
  const outer = indexManifest(MEDIA_TYPES.ociIndex, [descriptor(inner)], options.tags, options.created_at)
  return { ...outer, versions: [...inner.versions, outer.version], children: [inner], attestations: [], inner }
}

/** cosign's legacy scheme: a tagged manifest "sha256-<hex>.sig" (or .att, .sbom) next to its subject. */
export function cosignSignature(subject: string | Descriptor, kind: 'sig' | 'att' | 'sbom', created_at: string): BuiltImage {
  const digest = typeof subject === 'string' ? subject : subject.digest
  const payload = sha256Digest(`cosign ${kind} ${digest}`)
  const layer =
    kind === 'sig'
      ? {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          size: 250,
          digest: payload,
          annotations: { 'dev.cosignproject.cosign/signature': Buffer.from(`sig ${digest}`).toString('base64') }
        }
      : kind === 'att'
        ? {
            mediaType: 'application/vnd.dsse.envelope.v1+json',
            size: 5120,
            digest: payload,
            annotations: { predicateType: 'https://slsa.dev/provenance/v0.2' }
          }
        : { mediaType: 'text/spdx+json', size: 20480, digest: payload }
  // cosign (go-containerregistry) writes compact JSON, size before digest.
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, size: 233, digest: sha256Digest(`cosign config ${kind} ${digest}`) },
    layers: [layer]
  })
  return image(built(MEDIA_TYPES.ociManifest, body, [`${digest.replace(':', '-')}.${kind}`], created_at), [], [])
}

/** An OCI 1.1 artifact (signature, SBOM…) whose `subject` is another manifest; untagged. */
export function referrer(subject: Descriptor, options: { artifactType: string; created_at: string }): BuiltImage {
  const body = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: options.artifactType,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: options.artifactType, digest: sha256Digest(`${options.artifactType} ${subject.digest}`), size: 1024 }],
      subject: descriptor(subject),
      annotations: { 'org.opencontainers.image.created': options.created_at }
    },
    null,
    2
  )
  return image(built(MEDIA_TYPES.ociManifest, body, [], options.created_at), [], [])
}

/**
 * The OCI referrers tag schema, for registries without the referrers API (ghcr.io): an index
 * tagged "sha256-<hex>" listing the subject's referrers. Created just after the last referrer.
 */
export function referrersTagIndex(subject: string | Descriptor, referrers: BuiltImage[], options: { created_at?: string } = {}): BuiltImage {
  const digest = typeof subject === 'string' ? subject : subject.digest
  const latest = referrers.map((r) => r.version.created_at).sort().at(-1)
  const created = options.created_at ?? (latest ? secondsBefore(latest, -1) : undefined)
  if (!created) throw new Error('images: referrersTagIndex needs referrers or a created_at')
  const entries = referrers.map((r) => {
    const parsed = JSON.parse(r.body) as { artifactType?: string; annotations?: Record<string, string> }
    return { ...descriptor(r), ...(parsed.annotations ? { annotations: parsed.annotations } : {}), artifactType: parsed.artifactType }
  })
  return image(indexManifest(MEDIA_TYPES.ociIndex, entries, [digest.replace(':', '-')], created), [], [])
}

/**
 * The manifest the fake gives a container version seeded without one: a small single-platform
 * OCI image, derived from `key` so that it is stable across runs and distinct per version.
 */
export function generatedManifest(key: string, created_at: string): { mediaType: string; body: string } {
  const m = platformManifest('oci', 'linux/amd64', key, created_at, [])
  return { mediaType: m.mediaType, body: m.body }
}

/**
 * A single-platform OCI manifest determined by `label` alone, and its digest as the name: spread
 * it into a version seed where a test used to make up a digest ({ ...manifestSeed('pr-1'), tags, created_at }).
 */
export function manifestSeed(label: string): { name: string; manifest: { mediaType: string; body: string } } {
  const manifest = generatedManifest(`label ${label}`, '2020-01-01T00:00:00Z')
  return { name: sha256Digest(manifest.body), manifest }
}

function platformManifest(format: Format, platform: string, key: string, created_at: string, tags: string[]): BuiltManifest {
  const oci = format === 'oci'
  const { os, architecture, variant } = platformObject(platform)
  const diffId = sha256Digest(`layer ${platform} ${key} ${created_at}`)
  const config = JSON.stringify({
    architecture,
    ...(variant ? { variant } : {}),
    os,
    created: created_at,
    config: { Labels: { 'org.opencontainers.image.version': tags[0] ?? '' } },
    rootfs: { type: 'layers', diff_ids: [diffId] }
  })
  const layerDigest = sha256Digest(`gzip ${diffId}`)
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest,
    config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, digest: sha256Digest(config), size: Buffer.byteLength(config) },
    layers: [{ mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer, digest: layerDigest, size: sizeFrom(layerDigest) }]
  }
  // Docker's own pushes indent by three spaces, BuildKit's by two: clients must hash the bytes as served.
  const body = JSON.stringify(manifest, null, oci ? 2 : 3)
  return { ...built(manifest.mediaType, body, tags, created_at), platform }
}

/** BuildKit's attestation manifest: in-toto statements as layers, for the child it describes. */
function attestationManifest(child: BuiltManifest, key: string, created_at: string): BuiltManifest {
  const statement = (predicate: string) => {
    const digest = sha256Digest(`${predicate} ${child.digest} ${key} ${created_at}`)
    return { mediaType: MEDIA_TYPES.inToto, digest, size: sizeFrom(digest) % 20_000, annotations: { 'in-toto.io/predicate-type': predicate } }
  }
  const config = JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } })
  const body = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: sha256Digest(config), size: Buffer.byteLength(config) },
      layers: [statement('https://spdx.dev/Document'), statement('https://slsa.dev/provenance/v0.2')]
    },
    null,
    2
  )
  return { ...built(MEDIA_TYPES.ociManifest, body, [], created_at), platform: 'unknown/unknown' }
}

function indexManifest(mediaType: string, manifests: object[], tags: string[], created_at: string): BuiltManifest {
  const body = JSON.stringify({ schemaVersion: 2, mediaType, manifests }, null, mediaType === MEDIA_TYPES.dockerList ? 3 : 2)
  return built(mediaType, body, tags, created_at)
}

function built(mediaType: string, body: string, tags: string[], created_at: string): BuiltManifest {
  const digest = sha256Digest(body)
  return {
    mediaType,
    digest,
    size: Buffer.byteLength(body),
    body,
    version: { name: digest, tags: [...tags], created_at, manifest: { mediaType, body } }
  }
}

function image(top: BuiltManifest, pushedBefore: BuiltManifest[], children: BuiltManifest[], attestations: BuiltManifest[] = []): BuiltImage {
  return { ...top, versions: [...pushedBefore.map((m) => m.version), top.version], children, attestations }
}

function descriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size }
}

function platformObject(platform: string): { architecture: string; os: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/')
  if (!os || !architecture) throw new Error(`images: platform "${platform}" must be os/arch[/variant]`)
  return { architecture, os, ...(variant ? { variant } : {}) }
}

/** A plausible compressed layer size, stable for a digest. */
function sizeFrom(digest: string): number {
  return 1000 + (parseInt(digest.slice(7, 15), 16) % 30_000_000)
}

function secondsBefore(iso: string, seconds: number): string {
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) throw new Error(`images: invalid timestamp ${iso}`)
  return new Date(t - seconds * 1000).toISOString()
}
