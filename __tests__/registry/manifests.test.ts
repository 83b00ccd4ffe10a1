// Parsing of indexes and manifests as ghcr.io serves them, with hand-written bodies.
import {
  classifyIndexEntry,
  isIndexMediaType,
  MANIFEST_ACCEPT,
  ManifestFormatError,
  MEDIA_TYPES,
  parseManifest,
  platformLabel
} from '../../src/registry/manifests.js'
import { parseChallenge } from '../../src/registry/challenge.js'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`
const C = `sha256:${'c'.repeat(64)}`

describe('parseManifest', () => {
  it('reads an OCI index: entries with platform and annotations', () => {
    const parsed = parseManifest({
      mediaType: 'application/octet-stream',
      body: {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: A, size: 10, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: B,
            size: 10,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': A, stray: 3 }
          }
        ]
      }
    })
    expect(parsed).toEqual({
      kind: 'index',
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPES.ociManifest, digest: A, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        {
          mediaType: MEDIA_TYPES.ociManifest,
          digest: B,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': A }
        }
      ]
    })
  })

  it('reads a Docker manifest list, typed by the Content-Type when the body does not say', () => {
    const parsed = parseManifest({
      mediaType: MEDIA_TYPES.dockerManifestList,
      body: { schemaVersion: 2, manifests: [{ mediaType: MEDIA_TYPES.dockerManifest, digest: A, size: 1, platform: { os: 'linux', architecture: 'amd64' } }] }
    })
    expect(parsed.kind).toBe('index')
    expect(parsed.mediaType).toBe(MEDIA_TYPES.dockerManifestList)
  })

  it('takes a body with a manifests array for an index whatever its media type', () => {
    expect(parseManifest({ mediaType: '', body: { schemaVersion: 2, manifests: [] } }).kind).toBe('index')
  })

  it('reads an image manifest and its subject', () => {
    const parsed = parseManifest({
      mediaType: MEDIA_TYPES.ociManifest,
      body: { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: {}, layers: [], subject: { mediaType: MEDIA_TYPES.ociIndex, digest: C, size: 5 } }
    })
    expect(parsed).toEqual({ kind: 'manifest', mediaType: MEDIA_TYPES.ociManifest, subject: { mediaType: MEDIA_TYPES.ociIndex, digest: C } })
    expect(parseManifest({ mediaType: MEDIA_TYPES.dockerManifest, body: { schemaVersion: 2, config: {}, layers: [] } })).toEqual({
      kind: 'manifest',
      mediaType: MEDIA_TYPES.dockerManifest
    })
  })

  it.each([
    ['a non-object body', 'not json', /not a JSON object/],
    ['an index without a manifests array', { mediaType: MEDIA_TYPES.ociIndex }, /no manifests array/],
    ['an entry without a digest', { manifests: [{ mediaType: MEDIA_TYPES.ociManifest }] }, /manifests\[0\]\.digest/],
    ['an entry with a malformed digest', { manifests: [{ digest: 'latest' }] }, /manifests\[0\]\.digest/],
    ['a platform without architecture', { manifests: [{ digest: A, platform: { os: 'linux' } }] }, /platform lacks/],
    ['a malformed subject', { subject: { digest: 42 } }, /subject\.digest/]
  ])('refuses %s (a child silently dropped could be deleted under a kept image)', (_what, body, message) => {
    expect(() => parseManifest({ mediaType: '', body })).toThrow(ManifestFormatError)
    expect(() => parseManifest({ mediaType: '', body })).toThrow(message)
  })
})

describe('index entries', () => {
  it('tells platform manifests, attestations and nested indexes apart', () => {
    const attestation = {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: A,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
    }
    expect(classifyIndexEntry(attestation)).toBe('attestation')
    // unknown/unknown alone is not an attestation; the annotation alone neither.
    expect(classifyIndexEntry({ ...attestation, annotations: {} })).toBe('platform')
    expect(classifyIndexEntry({ ...attestation, platform: { os: 'linux', architecture: 'amd64' } })).toBe('platform')
    expect(classifyIndexEntry({ mediaType: MEDIA_TYPES.ociIndex, digest: B })).toBe('index')
    expect(classifyIndexEntry({ mediaType: MEDIA_TYPES.dockerManifestList, digest: B })).toBe('index')
    expect(classifyIndexEntry({ mediaType: MEDIA_TYPES.dockerManifest, digest: B })).toBe('platform')
  })

  it('labels platforms os/arch[/variant]', () => {
    expect(platformLabel({ os: 'linux', architecture: 'arm64' })).toBe('linux/arm64')
    expect(platformLabel({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7')
  })

  it('accepts the four manifest types ghcr.io serves', () => {
    expect(MANIFEST_ACCEPT.split(', ')).toEqual([
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json'
    ])
    expect(isIndexMediaType(MEDIA_TYPES.ociManifest)).toBe(false)
    expect(isIndexMediaType(undefined)).toBe(false)
  })
})

describe('parseChallenge', () => {
  it("reads ghcr.io's Bearer challenge", () => {
    expect(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/team/web:pull"')).toEqual({
      scheme: 'bearer',
      realm: 'https://ghcr.io/token',
      service: 'ghcr.io',
      scope: 'repository:acme/team/web:pull'
    })
  })

  it('handles spaces, unquoted values, escapes, case and several challenges', () => {
    expect(parseChallenge('Basic realm="x", bearer REALM=https://r.example/token , scope="a \\"b\\", c" ,error=insufficient_scope')).toEqual({
      scheme: 'bearer',
      realm: 'https://r.example/token',
      scope: 'a "b", c'
    })
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic' })
  })

  it('finds nothing usable in an empty or foreign header', () => {
    expect(parseChallenge(undefined)).toBeUndefined()
    expect(parseChallenge('')).toBeUndefined()
    expect(parseChallenge('Negotiate abc==')).toBeUndefined()
    expect(parseChallenge('Bearer service="no realm"')).toBeUndefined()
  })
})
