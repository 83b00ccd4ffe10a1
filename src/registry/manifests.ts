// Pure parsing of the manifests the OCI distribution API serves: indexes (and Docker manifest lists),
// image manifests, and the descriptors they carry. Only what retention decisions use is kept:
// the children an index lists (digest, media type, platform, annotations) and a manifest's `subject`.

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

/** Sent on every manifest GET: without it ghcr.io may answer a schema the parser does not know. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.dockerManifest].join(', ')

/** buildx marks the attestation entries of an index with this annotation (and platform unknown/unknown). */
export const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type'
export const ATTESTATION_MANIFEST = 'attestation-manifest'

const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList])

/** "sha256:<64 hex>" and other registered algorithms: the OCI digest grammar. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference)
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.has(mediaType)
}

/** What a registry answered for a manifest GET: the body is parsed JSON, not yet interpreted. */
export interface FetchedManifest {
  /** From the body's `mediaType`, else the Content-Type header. */
  mediaType: string
  /** The digest of the served bytes ("sha256:…"). */
  digest: string
  body: unknown
  /** The served bytes exactly, when the reader has them: what the manifest cache keeps and re-checks. */
  bytes?: Buffer
}

/** Anything that serves manifests: the registry client, or an in-memory map in tests. */
export interface ManifestReader {
  /** `repository` is the lowercase "owner/name" path; `reference` a tag or digest. */
  getManifest(repository: string, reference: string): Promise<FetchedManifest>
}

/**
 * (1.2) Whether the registry has a manifest, as the registry itself says: `absent` only for its
 * "not found" (404 MANIFEST_UNKNOWN); any other failure (401, 403, 5xx, NAME_UNKNOWN, no answer) is
 * `unknown`, with why.
 */
export type ManifestPresence = { state: 'present' } | { state: 'absent' } | { state: 'unknown'; why: string }

/** (1.2) Asks the registry which digest a tag names now, without downloading it (HEAD): see RegistryClient.tagDigest. */
export interface TagDigestChecker {
  tagDigest(repository: string, tag: string): Promise<string | 'absent' | undefined>
}

/** Asks the registry whether it has a manifest, without downloading it where it can (HEAD). */
export interface ManifestPresenceChecker {
  manifestPresence(repository: string, digest: string): Promise<ManifestPresence>
}

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  platform?: Platform
  annotations?: Record<string, string>
  artifactType?: string
}

export interface ParsedIndex {
  kind: 'index'
  mediaType: string
  manifests: Descriptor[]
  subject?: Descriptor
}

export interface ParsedImageManifest {
  kind: 'manifest'
  mediaType: string
  subject?: Descriptor
}

export type ParsedManifest = ParsedIndex | ParsedImageManifest

/** The body is not a manifest this project can interpret: the caller treats it as unreadable. */
export class ManifestFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ManifestFormatError'
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalString(record: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = record[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new ManifestFormatError(`${where}.${key} is not a string`)
  return value
}

function parsePlatform(value: unknown, where: string): Platform | undefined {
  if (value === undefined) return undefined
  if (!isRecord(value)) throw new ManifestFormatError(`${where}.platform is not an object`)
  const os = optionalString(value, 'os', `${where}.platform`)
  const architecture = optionalString(value, 'architecture', `${where}.platform`)
  if (os === undefined || architecture === undefined) throw new ManifestFormatError(`${where}.platform lacks os or architecture`)
  const variant = optionalString(value, 'variant', `${where}.platform`)
  return variant ? { os, architecture, variant } : { os, architecture }
}

function parseAnnotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined
  if (!isRecord(value)) throw new ManifestFormatError(`${where}.annotations is not an object`)
  const annotations: Record<string, string> = {}
  for (const [key, text] of Object.entries(value)) {
    // Annotation values are strings by spec; a stray number must not make the whole manifest unreadable.
    if (typeof text === 'string') annotations[key] = text
  }
  return annotations
}

/**
 * A descriptor that cannot be understood is an error, not something to skip: dropping a child of an
 * index would let the plan delete a platform manifest a kept image still needs.
 */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new ManifestFormatError(`${where} is not an object`)
  const digest = optionalString(value, 'digest', where)
  if (digest === undefined || !isDigest(digest)) throw new ManifestFormatError(`${where}.digest is missing or not a digest`)
  const descriptor: Descriptor = { mediaType: optionalString(value, 'mediaType', where) ?? '', digest }
  const platform = parsePlatform(value.platform, where)
  if (platform) descriptor.platform = platform
  const annotations = parseAnnotations(value.annotations, where)
  if (annotations) descriptor.annotations = annotations
  const artifactType = optionalString(value, 'artifactType', where)
  if (artifactType) descriptor.artifactType = artifactType
  return descriptor
}

/**
 * Index or image manifest. The body's `mediaType` is only a SHOULD in the OCI spec, so the shape decides
 * when it is absent: a `manifests` array makes an index, anything else is read as a manifest.
 */
export function parseManifest(fetched: Pick<FetchedManifest, 'mediaType' | 'body'>): ParsedManifest {
  const body = fetched.body
  if (!isRecord(body)) throw new ManifestFormatError('the manifest is not a JSON object')
  const mediaType = optionalString(body, 'mediaType', 'manifest') ?? fetched.mediaType
  const subject = body.subject === undefined ? undefined : parseDescriptor(body.subject, 'subject')
  const listsManifests = body.manifests !== undefined
  if (isIndexMediaType(mediaType) || listsManifests) {
    if (!Array.isArray(body.manifests)) throw new ManifestFormatError('the index has no manifests array')
    const manifests = body.manifests.map((entry, i) => parseDescriptor(entry, `manifests[${i}]`))
    return subject ? { kind: 'index', mediaType, manifests, subject } : { kind: 'index', mediaType, manifests }
  }
  return subject ? { kind: 'manifest', mediaType, subject } : { kind: 'manifest', mediaType }
}

export type IndexEntryKind = 'platform' | 'attestation' | 'index'

/** What an index entry is: a platform image, a buildx attestation, or a nested index (to read in turn). */
export function classifyIndexEntry(entry: Descriptor): IndexEntryKind {
  if (isIndexMediaType(entry.mediaType)) return 'index'
  const unknownPlatform = entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown'
  if (unknownPlatform && entry.annotations?.[REFERENCE_TYPE_ANNOTATION] === ATTESTATION_MANIFEST) return 'attestation'
  return 'platform'
}

/** "linux/arm64/v8": os/architecture[/variant]. */
export function platformLabel(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')
}
