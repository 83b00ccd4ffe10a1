// The container package the request, wall-time and pace benchmarks run against: built with the
// fake's image builders (real manifests, named by their digests), fully deterministic (fixed
// timestamps, so the same digests every run), with exactly `total` versions:
//
// - 1,000 tagged images: 500 multi-arch builds (2–3 platforms, every other one with buildx
//   attestations), 100 multi-arch releases (3 platforms, attestations, a cosign signature, and every
//   fifth an OCI referrer listed by a referrers-tag index), 400 single-arch images;
// - old multi-arch builds whose tag moved on (untagged indexes with their platform manifests);
// - untagged single-arch builds filling the rest.
import type { FakeOptions, FakePackageSeed, FakeVersionSeed } from '../../__tests__/fake/index.js'
import { cosignSignature, multiArchImage, referrer, referrersTagIndex, singleImage } from '../../__tests__/fake/images.js'

export const TOKEN = 'ghp_benchmarkToken0000000000000000000000'
export const OWNER = 'acme'
export const PACKAGE = 'web'

const BASE = Date.parse('2025-01-01T00:00:00Z')
const HOUR = 3_600_000
const at = (hours: number): string => new Date(BASE + hours * HOUR).toISOString()

export interface WorldShape {
  versions: number
  /** Tagged images (not counting signatures and referrers-tag indexes, which are tagged dependants). */
  taggedImages: number
  multiArchBuilds: number
  /** Versions a delete-untagged policy deletes: untagged images and what belongs to them. */
  untaggedToDelete: number
}

export function containerPackage(total = 10_000): { seed: FakePackageSeed; shape: WorldShape } {
  const versions: FakeVersionSeed[] = []
  let hour = 0
  let taggedImages = 0
  let multiArchBuilds = 0
  let untaggedToDelete = 0
  const add = (list: FakeVersionSeed[]): void => {
    for (const version of list) versions.push(version)
  }
  const threePlatforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7']
  const platformsOf = (k: number): string[] => (k % 2 === 0 ? threePlatforms.slice(0, 2) : threePlatforms)

  for (let k = 0; k < 1000; k++) {
    hour += 3
    if (k % 10 === 0) {
      // A release: attested multi-arch image, signed with cosign; some with an OCI referrer too.
      const release = multiArchImage({ tags: [`v1.${k / 10}.0`], created_at: at(hour), platforms: threePlatforms, attestations: true })
      add(release.versions)
      add(cosignSignature(release, 'sig', at(hour + 0.1)).versions)
      if (k % 50 === 0) {
        const sbom = referrer(release, { artifactType: 'application/spdx+json', created_at: at(hour + 0.2) })
        add(sbom.versions)
        add(referrersTagIndex(release, [sbom], { created_at: at(hour + 0.3) }).versions)
      }
      multiArchBuilds++
    } else if (k % 10 < 6) {
      const build = multiArchImage({ tags: [`pr-${k}`], created_at: at(hour), platforms: platformsOf(k), attestations: k % 4 < 2 })
      add(build.versions)
      multiArchBuilds++
    } else {
      add(singleImage({ tags: [`nightly-${k}`], created_at: at(hour) }).versions)
    }
    taggedImages++
  }
  // Old builds whose tag moved on: the index stays, untagged, with its platform manifests.
  for (let k = 0; versions.length < total - 2_500; k++) {
    hour += 1
    const build = multiArchImage({ tags: [], created_at: at(hour), platforms: platformsOf(k), attestations: k % 3 === 0, salt: `moved-${k}` })
    if (versions.length + build.versions.length > total) break
    add(build.versions)
    untaggedToDelete += build.versions.length
  }
  for (let k = 0; versions.length < total; k++) {
    hour += 0.5
    add(singleImage({ tags: [], created_at: at(hour), salt: `untagged-${k}` }).versions)
    untaggedToDelete++
  }
  return {
    seed: { owner: OWNER, package_type: 'container', name: PACKAGE, visibility: 'private', versions },
    shape: { versions: versions.length, taggedImages, multiArchBuilds, untaggedToDelete }
  }
}

/** For the deletion pace: `total` versions, `untagged` of them untagged single-arch builds to delete, the rest tagged images that stay. */
export function untaggedPackage(untagged: number, total = untagged + 1): FakePackageSeed {
  const versions: FakeVersionSeed[] = [...singleImage({ tags: ['latest'], created_at: at(0) }).versions]
  for (let k = 1; k < total - untagged; k++) versions.push(...singleImage({ tags: [`release-${k}`], created_at: at(k / 100) }).versions)
  for (let k = 0; k < untagged; k++) versions.push(...singleImage({ tags: [], created_at: at(1 + k), salt: `pace-${k}` }).versions)
  return { owner: OWNER, package_type: 'container', name: PACKAGE, visibility: 'private', versions }
}

export function benchWorld(pkg: FakePackageSeed, extra: Partial<FakeOptions> = {}): FakeOptions {
  return {
    accounts: [{ login: OWNER, type: 'Organization' }, { login: 'octo', type: 'User' }],
    tokens: [{ token: TOKEN, kind: 'pat', login: 'octo', scopes: ['read:packages', 'delete:packages', 'write:packages'] }],
    packages: [pkg],
    ...extra
  }
}

/** Deletes every untagged image (and, with it, whatever belongs to it); everything tagged stays whole. */
export const DELETE_UNTAGGED_POLICY = `version: 1
rules:
  - name: untagged
    packages: { type: container, names: ["${PACKAGE}"] }
    match: { untagged: true }
`
