// The "Images in use" phase of a retention run (protect.in-use): scan the workspace before any API
// request, log what was found, warn about globs matching nothing and unresolved references, and
// fail the run when the scan cannot be complete.
import * as core from '@actions/core'
import { FatalError } from '../github/errors.js'
import { formatSize, InUseScanError, registryHostOf, scanImagesInUse } from '../inventory/in-use.js'
import type { InUseReference, Policy } from '../model.js'
import type { Settings } from './inputs.js'
import { warn } from './warnings.js'

/** References listed one per line in the log; beyond that, counted. */
const LOGGED_REFERENCES = 200

export async function findImagesInUse(settings: Settings, policy: Policy, owner: string): Promise<InUseReference[]> {
  if (policy.protect.inUse.length === 0) return []
  return core.group('Images in use', async () => {
    const registryHost = registryHostOf(settings.registryUrl)
    let scan
    try {
      scan = await scanImagesInUse({ workspace: settings.workspace, globs: policy.protect.inUse, registryHost, owner })
    } catch (error) {
      if (error instanceof InUseScanError) throw new FatalError(error.message)
      throw error
    }
    for (const glob of scan.unmatchedGlobs) {
      warn(`protect.in-use: '${glob}' matches no file in the workspace; the images its files would name are not protected by it.`)
    }
    if (scan.binaryFiles > 0) {
      const more = scan.binaryFiles - scan.binaryPaths.length
      warn(
        `protect.in-use: ${scan.binaryFiles} matched file(s) skipped as binary (a NUL byte, not UTF-16 with a byte-order mark): ${scan.binaryPaths.join(', ')}${more > 0 ? ` and ${more} more` : ''}. ` +
          'Images they name are not protected; save lists as UTF-8 (PowerShell: Out-File -Encoding utf8) or narrow the globs.'
      )
    }
    const packages = new Set(scan.references.map((r) => r.package))
    core.info(
      `Scanned ${scan.textFiles} text file(s) (${formatSize(scan.bytesRead)}${scan.binaryFiles > 0 ? `; ${scan.binaryFiles} binary file(s) skipped` : ''}): ` +
        `${scan.references.length} reference(s) to ${registryHost}/${owner} images, in ${packages.size} package(s)`
    )
    for (const reference of scan.references.slice(0, LOGGED_REFERENCES)) {
      const version = reference.unresolved ? ', every version (unresolved tag)' : `${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`
      core.info(`  ${reference.file}:${reference.line}: ${reference.package}${version}${reference.places > 1 ? ` (and ${reference.places - 1} more place(s))` : ''}`)
    }
    if (scan.references.length > LOGGED_REFERENCES) core.info(`  ... and ${scan.references.length - LOGGED_REFERENCES} more`)
    for (const reference of scan.references.filter((r) => r.unresolved)) {
      // The annotation carries the file and line: the message does not repeat them.
      warn(
        `${reference.written}: the tag cannot be resolved from the file, so every version of ${reference.package} is kept. Write the tag or digest itself (or list the deployed images in a file an earlier step writes) to let older versions go.`,
        { title: 'Image in use with an unresolved tag', file: reference.file, startLine: reference.line }
      )
    }
    // The planner needs the references; the text as written goes on to the summary.
    return scan.references.map(({ places: _places, ...reference }) => reference)
  })
}
