// References derivable from tags alone, and from parsed manifests; only between present versions.
import type { PackageVersion } from '../../src/model.js'
import { MEDIA_TYPES, parseManifest } from '../../src/registry/manifests.js'
import {
  cosignArtifactSubject,
  indexByDigest,
  ownTags,
  referencesFromManifest,
  referencesFromTags,
  referrersTagSubject,
  tagReferences
} from '../../src/registry/references.js'

const hex = (c: string): string => c.repeat(64)
const digest = (c: string): string => `sha256:${hex(c)}`
const version = (id: number, name: string, tags: string[] = []): PackageVersion => ({
  id,
  name,
  tags,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z'
})

describe('tag-derived references', () => {
  const image = version(1, digest('a'), ['v1'])
  const sig = version(2, digest('b'), [`sha256-${hex('a')}.sig`])
  const att = version(3, digest('c'), [`sha256-${hex('a')}.att`])
  const sbom = version(4, digest('d'), [`sha256-${hex('a')}.sbom`])
  const referrers = version(5, digest('e'), [`sha256-${hex('a')}`])
  const orphanSig = version(6, digest('f'), [`sha256-${hex('9')}.sig`])
  const plain = version(7, digest('1'), ['sha256-not-hex', 'latest'])
  const versions = [image, sig, att, sbom, referrers, orphanSig, plain]

  it('parses the tag schemes', () => {
    expect(cosignArtifactSubject(`sha256-${hex('a')}.sig`)).toBe(digest('a'))
    expect(cosignArtifactSubject(`sha512-${'0'.repeat(128)}.att`)).toBe(`sha512:${'0'.repeat(128)}`)
    expect(cosignArtifactSubject(`sha256-${hex('a')}`)).toBeUndefined()
    expect(cosignArtifactSubject(`sha256-${hex('a')}.txt`)).toBeUndefined()
    expect(cosignArtifactSubject(`sha256-${hex('A')}.sig`)).toBeUndefined()
    expect(referrersTagSubject(`sha256-${hex('a')}`)).toBe(digest('a'))
    expect(referrersTagSubject(`sha256-${hex('a')}.sig`)).toBeUndefined()
    expect(referrersTagSubject('sha256-abc')).toBeUndefined()
  })

  it('signatures and referrers indexes belong to the present digest they name; orphans to nothing', () => {
    expect(tagReferences(versions, indexByDigest(versions))).toEqual([
      { child: 2, parent: 1, kind: 'signature' },
      { child: 3, parent: 1, kind: 'signature' },
      { child: 4, parent: 1, kind: 'signature' },
      { child: 5, parent: 1, kind: 'referrers-index' }
    ])
  })

  it('never makes a version its own parent', () => {
    const self = version(8, digest('a'), [`sha256-${hex('a')}.sig`])
    expect(referencesFromTags(self, indexByDigest([self]))).toEqual([])
  })
})

describe('references from manifests', () => {
  const index = version(1, digest('1'), ['latest'])
  const amd64 = version(2, digest('2'))
  const armv7 = version(3, digest('3'))
  const attestation = version(4, digest('4'))
  const byDigest = indexByDigest([index, amd64, armv7, attestation])

  it("an index's present entries are its platforms and attestations", () => {
    const parsed = parseManifest({
      mediaType: MEDIA_TYPES.ociIndex,
      body: {
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: amd64.name, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MEDIA_TYPES.ociManifest, digest: armv7.name, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: attestation.name,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
          },
          // Listed but not a version of this package (deleted earlier): no reference.
          { mediaType: MEDIA_TYPES.ociManifest, digest: digest('9'), platform: { os: 'linux', architecture: 's390x' } },
          // No platform (an artifact, a nested index): still a child.
          { mediaType: MEDIA_TYPES.ociManifest, digest: armv7.name }
        ]
      }
    })
    expect(referencesFromManifest(index, parsed, byDigest)).toEqual([
      { child: 2, parent: 1, kind: 'platform', platform: 'linux/amd64' },
      { child: 3, parent: 1, kind: 'platform', platform: 'linux/arm/v7' },
      { child: 4, parent: 1, kind: 'attestation' },
      { child: 3, parent: 1, kind: 'platform' }
    ])
  })

  it('a manifest with a present subject belongs to it', () => {
    const parsed = parseManifest({ mediaType: MEDIA_TYPES.ociManifest, body: { config: {}, layers: [], subject: { digest: index.name } } })
    expect(referencesFromManifest(amd64, parsed, byDigest)).toEqual([{ child: 2, parent: 1, kind: 'subject' }])
    const gone = parseManifest({ mediaType: MEDIA_TYPES.ociManifest, body: { config: {}, layers: [], subject: { digest: digest('9') } } })
    expect(referencesFromManifest(amd64, gone, byDigest)).toEqual([])
  })

  it("a referrers-tag index's entries belong to the subject and to the index: they stay while either stays", () => {
    const signature = version(5, digest('5'))
    const sbom = version(6, digest('6'))
    const referrersIndex = version(7, digest('7'), [`sha256-${hex('1')}`])
    const all = indexByDigest([index, signature, sbom, referrersIndex])
    const parsed = parseManifest({
      mediaType: MEDIA_TYPES.ociIndex,
      body: {
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: signature.name, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
          { mediaType: MEDIA_TYPES.ociManifest, digest: sbom.name, artifactType: 'application/spdx+json' }
        ]
      }
    })
    expect(referencesFromManifest(referrersIndex, parsed, all)).toEqual([
      { child: 5, parent: 1, kind: 'subject' },
      { child: 5, parent: 7, kind: 'subject' },
      { child: 6, parent: 1, kind: 'subject' },
      { child: 6, parent: 7, kind: 'subject' }
    ])
    // With the subject gone, the index is an image (an orphan) and what it lists is its own.
    const orphaned = indexByDigest([signature, sbom, referrersIndex])
    expect(referencesFromManifest(referrersIndex, parsed, orphaned)).toEqual([
      { child: 5, parent: 7, kind: 'subject' },
      { child: 6, parent: 7, kind: 'subject' }
    ])
  })

  it('an index tagged like a referrers index whose digest is absent is an image: its platforms are its own', () => {
    const amd = version(5, digest('5'))
    const attestation = version(6, digest('6'))
    const tagged = version(7, digest('7'), [`sha256-${hex('9')}`])
    const parsed = parseManifest({
      mediaType: MEDIA_TYPES.ociIndex,
      body: {
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: amd.name, platform: { os: 'linux', architecture: 'amd64' } },
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: attestation.name,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
          }
        ]
      }
    })
    expect(referencesFromManifest(tagged, parsed, indexByDigest([amd, attestation, tagged]))).toEqual([
      { child: 5, parent: 7, kind: 'platform', platform: 'linux/amd64' },
      { child: 6, parent: 7, kind: 'attestation' }
    ])
  })
})

describe('(1.2) tags of its own', () => {
  it('only tags derived from a digest are not a tag of its own', () => {
    const hex = 'ab'.repeat(32)
    expect(ownTags([`sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`, `sha256-${hex}`, `sha512-${'cd'.repeat(64)}.sig`])).toEqual([])
    expect(ownTags([`sha256-${hex}.sig`, 'prod'])).toEqual(['prod'])
    expect(ownTags(['v1.0-amd64', `sha256-${hex}.sig.bak`, `SHA256-${hex}.sig`, 'sha256-latest'])).toEqual(['v1.0-amd64', `sha256-${hex}.sig.bak`, `SHA256-${hex}.sig`, 'sha256-latest'])
  })
})
