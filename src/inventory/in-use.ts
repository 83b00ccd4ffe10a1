// protect.in-use: the workspace files the policy names are scanned for references to the owner's
// container images (HOST/OWNER/NAME:TAG, @sha256:HEX, both; Helm values, Kustomize images), so
// the planner can keep what is deployed. Runs before any API request; reads nothing outside the
// workspace; streams every file (time linear in the text, memory bounded); an incomplete scan
// fails the run rather than protect less than the files say.
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs'
import { join, sep } from 'node:path'
import { Minimatch } from 'minimatch'
import type { InUseReference } from '../model.js'
import { MappingTracker, type MappingReference } from './in-use-mappings.js'
import { readText } from './in-use-read.js'
import { ReferenceReader, type TextReference } from './in-use-text.js'

export interface InUseLimits {
  maxFiles: number
  maxBytes: number
  /** Distinct references kept (MAX_DISTINCT_REFERENCES unless given). */
  maxReferences?: number
}

/** The contract's limits: beyond them the scan is incomplete, and the run fails. */
export const IN_USE_LIMITS: InUseLimits = { maxFiles: 20_000, maxBytes: 200 * 1024 * 1024 }

/**
 * Distinct references kept in memory (each is a package and a tag or digest; repeats cost
 * nothing). Past this the memory bound could not hold: a package that files name by more tags or
 * digests than fit is protected whole instead (an unresolved reference, with a warning), which
 * protects more than the files say, never less.
 */
export const MAX_DISTINCT_REFERENCES = 250_000
/** Binary files named in the warning; beyond, counted. */
const NAMED_BINARY_FILES = 50

export interface InUseScanOptions {
  /** GITHUB_WORKSPACE: globs are relative to it. */
  workspace: string
  globs: readonly string[]
  /** The registry host with its port if any ("ghcr.io", "127.0.0.1:8080"). */
  registryHost: string
  /** The owner whose images count; other owners' images are not this run's to protect. */
  owner: string
  limits?: InUseLimits
  /** How a file is opened for reading, as a file descriptor (tests inject failures). */
  openFile?: (path: string) => number
}

/** A reference as the planner needs it, plus the text as written (for warnings) and how often it was met. */
export interface InUseFinding extends InUseReference {
  written: string
  /** Places (file:line) naming the same reference; the first is the one given. */
  places: number
}

export interface InUseScan {
  references: InUseFinding[]
  /** Text files scanned. */
  textFiles: number
  /** Binary files skipped. */
  binaryFiles: number
  /** The first binary files skipped, by path (for the warning naming them). */
  binaryPaths: string[]
  bytesRead: number
  /** Globs that matched no file (a warning each). */
  unmatchedGlobs: string[]
}

/** The scan could not be complete: no file matched, a limit was reached, or a file could not be read. */
export class InUseScanError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InUseScanError'
  }
}

/** "ghcr.io" from "https://ghcr.io", "127.0.0.1:8080" from "http://127.0.0.1:8080/": the host as references write it. */
export function registryHostOf(registryUrl: string): string {
  return new URL(registryUrl).host.toLowerCase()
}

export async function scanImagesInUse(options: InUseScanOptions): Promise<InUseScan> {
  const limits = options.limits ?? IN_USE_LIMITS
  const { files, unmatchedGlobs } = matchWorkspaceFiles(options.workspace, options.globs, limits.maxFiles)
  if (files.length === 0) {
    throw new InUseScanError(
      `protect.in-use: no file in the workspace (${options.workspace}) matches ${options.globs.map((g) => `'${g}'`).join(', ')}. ` +
        'Is the repository checked out? Add actions/checkout before this step (or the step that writes the files), or fix the globs; ' +
        'without them the images in use would not be protected, so nothing was listed or deleted.'
    )
  }
  const reader = new ReferenceReader(options.registryHost, options.owner)
  const state: ScanState = { bytes: 0, textFiles: 0, binaryFiles: 0, binaryPaths: [], references: new Map(), protectedWhole: new Set() }
  const openFile = options.openFile ?? ((path: string) => openSync(path, 'r'))
  // Synchronous reads: nothing else runs during the scan, and for thousands of small files they
  // cost a fraction of the promise API's round trips through the thread pool.
  for (const file of files) scanFile(file, openFile, reader, state, limits)
  // Files in path order, references in line order within each file: the same workspace always gives the same list.
  const references = [...state.references.values()]
  return { references, textFiles: state.textFiles, binaryFiles: state.binaryFiles, binaryPaths: state.binaryPaths, bytesRead: state.bytes, unmatchedGlobs }
}

// ---------------------------------------------------------------- matching files

const GLOB_OPTIONS = { dot: true, nonegate: true, nocomment: true, platform: 'linux' as const }

/** A matched file: its workspace-relative path (as the globs and messages name it) and the real path read. */
interface MatchedFile {
  path: string
  real: string
}

/**
 * Every file under the workspace matching a glob, sorted by path. Only the workspace is read:
 * every path is resolved, a link leading outside it, looping or leading nowhere fails the scan
 * where the globs would read it; a directory link inside it is followed, once (each real
 * directory is read once, so nothing is counted twice and no loop is walked).
 */
function matchWorkspaceFiles(
  workspace: string,
  globs: readonly string[],
  maxFiles: number
): { files: MatchedFile[]; unmatchedGlobs: string[] } {
  // "./deploy/*.yaml" means "deploy/*.yaml": paths are matched without a leading "./".
  const matchers = globs.map((glob) => new Minimatch(glob.replace(/^(\.\/)+/, ''), GLOB_OPTIONS))
  // Whole paths are tested with each glob's regular expression (Minimatch#match splits the path on every call).
  const fullMatch = matchers.map((m) => {
    const re = m.makeRe()
    return re ? (path: string) => re.test(path) : (path: string) => m.match(path)
  })
  const reachable = (path: string): boolean => matchers.some((m) => m.match(path, true))
  const matchedBy = new Array<number>(globs.length).fill(0)
  const files: MatchedFile[] = []
  let root: string
  try {
    root = realpathSync(workspace)
  } catch (error) {
    throw new InUseScanError(`protect.in-use: the workspace (${workspace}) cannot be read (${describe(error)}); the scan would be incomplete, so nothing was listed or deleted`)
  }
  const inside = (real: string): boolean => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)
  const visited = new Set<string>([root])

  const addFile = (path: string, real: string): void => {
    let matched = false
    fullMatch.forEach((matches, g) => {
      if (matches(path)) {
        matchedBy[g]++
        matched = true
      }
    })
    if (!matched) return
    files.push({ path, real })
    if (files.length > maxFiles) {
      throw new InUseScanError(
        `protect.in-use: more than ${maxFiles.toLocaleString('en-US')} files match (the scan's limit); an incomplete scan would protect less than the files say, so nothing was listed or deleted. Narrow the globs to the files that name images (deploy/**/*.yaml rather than **).`
      )
    }
  }

  const visitDirectory = (relative: string, real: string): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(real, { withFileTypes: true })
    } catch (error) {
      throw new InUseScanError(`protect.in-use: the directory '${relative || '.'}' of the workspace cannot be read (${describe(error)}); the scan would be incomplete`)
    }
    const subdirectories: [string, string][] = []
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name
      const entryReal = join(real, entry.name)
      if (entry.isSymbolicLink()) {
        const matched = fullMatch.some((matches) => matches(path))
        if (!matched && !reachable(path)) continue
        const target = followLink(path, entryReal, inside)
        const stats = statSync(target)
        if (stats.isDirectory()) {
          if (reachable(path)) subdirectories.push([path, target])
        } else if (stats.isFile()) {
          addFile(path, target)
        }
      } else if (entry.isDirectory()) {
        if (reachable(path)) subdirectories.push([path, entryReal])
      } else if (entry.isFile()) {
        addFile(path, entryReal)
      }
    }
    for (const [path, directory] of subdirectories) {
      // A directory met again (through a link, or a link to an ancestor) is not read twice.
      if (visited.has(directory)) continue
      visited.add(directory)
      visitDirectory(path, directory)
    }
  }
  visitDirectory('', root)
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { files, unmatchedGlobs: globs.filter((_, g) => matchedBy[g] === 0) }
}

/**
 * Where a link the globs reach leads, when that is inside the workspace. A link leading outside,
 * looping or leading nowhere makes the scan incomplete: the scan fails, naming it and what to do.
 */
function followLink(path: string, link: string, inside: (real: string) => boolean): string {
  const incomplete = 'an incomplete scan would protect less than the files say, so nothing was listed or deleted'
  let target: string
  try {
    target = realpathSync(link)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') {
      throw new InUseScanError(`protect.in-use: '${path}' is a symbolic link that loops (it leads back to itself); ${incomplete}. Replace the link with the file itself, or fix the step that creates it.`)
    }
    if (code === 'ENOENT') {
      throw new InUseScanError(
        `protect.in-use: '${path}' is a symbolic link to ${linkText(link)}, which does not exist (did the step that renders it fail?); ${incomplete}. Fix the step that writes it, or remove the link.`
      )
    }
    throw new InUseScanError(`protect.in-use: the link '${path}' cannot be followed (${describe(error)}); ${incomplete}`)
  }
  if (!inside(target)) {
    throw new InUseScanError(
      `protect.in-use: '${path}' is a symbolic link to ${linkText(link)}, outside the workspace; the scan reads only the workspace, and ${incomplete}. Copy the file into the workspace in an earlier step (cp --dereference), or narrow the globs so they do not reach the link.`
    )
  }
  return target
}

/** What a link says it points to, as written ("'../shared/prod.yaml'"). */
function linkText(link: string): string {
  try {
    return `'${readlinkSync(link)}'`
  } catch {
    return 'a target'
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// ---------------------------------------------------------------- reading files

const MIB = 1024 * 1024

/** "312 bytes", "4.2 MiB": sizes in messages. */
export function formatSize(bytes: number): string {
  return bytes >= MIB ? `${+(bytes / MIB).toFixed(1)} MiB` : `${bytes.toLocaleString('en-US')} bytes`
}

interface ScanState {
  bytes: number
  textFiles: number
  binaryFiles: number
  binaryPaths: string[]
  /** Each distinct reference once, at the first place met (files in path order). */
  references: Map<string, InUseFinding>
  /** Packages protected whole because their references did not fit MAX_DISTINCT_REFERENCES. */
  protectedWhole: Set<string>
}

/** A string of its own (not a slice holding the text it was cut from). */
function own(text: string): string {
  return text.length === 0 ? text : Buffer.from(text, 'utf8').toString('utf8')
}

/** One key per distinct reference; an unresolved one per file, so each file's template is warned about. */
function referenceKey(file: string, reference: { package: string; tag?: string; digest?: string; unresolved?: true }): string {
  return reference.unresolved ? `${reference.package}\u0000\u0000\u0000${file}` : `${reference.package}\u0000${reference.tag ?? ''}\u0000${reference.digest ?? ''}`
}

function scanFile(file: MatchedFile, openFile: (path: string) => number, reader: ReferenceReader, state: ScanState, limits: InUseLimits): void {
  const found = new Map<string, InUseFinding>()
  const add = (line: number, reference: TextReference | MappingReference): void => {
    // The same reference again (a list repeating one image): counted, nothing allocated.
    if (!reference.unresolved && reference.tags.length === 1) {
      const known = found.get(`${reference.package}\u0000${reference.tags[0]}\u0000${reference.digest ?? ''}`)
      if (known) {
        known.places++
        if (line < known.line) Object.assign(known, { line, written: reference.written })
        return
      }
    }
    const base = { file: file.path, line, package: reference.package, written: reference.written, places: 1 }
    const readingsOf: Omit<InUseFinding, 'file' | 'line' | 'package' | 'written' | 'places'>[] = reference.unresolved
      ? [{ unresolved: true }]
      : reference.tags.length > 0
        ? reference.tags.map((tag) => ({ tag, ...(reference.digest !== undefined && { digest: reference.digest }) }))
        : [{ digest: reference.digest }]
    for (const reading of readingsOf) {
      const finding: InUseFinding = { ...base, ...reading }
      const key = referenceKey(file.path, finding)
      const known = found.get(key)
      if (known) {
        known.places++
        if (line < known.line) Object.assign(known, { line, written: reference.written })
        continue
      }
      if (state.protectedWhole.has(finding.package)) continue
      const maxReferences = limits.maxReferences ?? MAX_DISTINCT_REFERENCES
      if (!finding.unresolved && found.size + state.references.size >= maxReferences) {
        // No room for one more tag or digest: the package is protected whole (more than the files say).
        state.protectedWhole.add(own(finding.package))
        const whole: InUseFinding = { ...base, written: `${reference.written} (the files name more than ${maxReferences.toLocaleString('en-US')} distinct images: every version of ${finding.package} is kept)`, unresolved: true }
        found.set(own(referenceKey(file.path, whole)), { ...whole, package: own(whole.package), written: own(whole.written) })
        continue
      }
      // Copies: a slice would hold the whole line (or 256 KiB piece) it was read from in memory.
      finding.package = own(finding.package)
      finding.written = own(finding.written)
      if (finding.tag !== undefined) finding.tag = own(finding.tag)
      if (finding.digest !== undefined) finding.digest = own(finding.digest)
      found.set(own(key), finding)
    }
  }
  const tracker = new MappingTracker(reader, (reference) => add(reference.line, reference))
  let encoding: string
  try {
    const fd = openFile(file.real)
    try {
      const { size } = fstatSync(fd)
      // Counted before the file is read: a huge file fails the scan without being read.
      if (state.bytes + size > limits.maxBytes) {
        throw new InUseScanError(
          `protect.in-use: the files matched hold more than ${formatSize(limits.maxBytes)} of text (the scan's limit; '${file.path}' is ${formatSize(size)}); an incomplete scan would protect less than the files say, so nothing was listed or deleted. Narrow the globs to the files that name images.`
        )
      }
      const nextHost = (text: string, from: number): number => reader.nextHost(text, from)
      const read = readText(fd, size, (text, until, line, first, mentionsHost) => {
        const held = tracker.feed(until === text.length ? text : text.slice(0, until), line, first)
        if (mentionsHost === false || (mentionsHost === undefined && reader.nextHost(text, 0) === -1)) return
        let span = 0
        for (const reference of reader.read(text, until)) {
          // A bare name a mapping reads (Helm, Kustomize, a sibling tag key) is the mapping's to tell.
          while (span < held.length && held[span].end <= reference.start) span++
          if (reference.bare && span < held.length && reference.start >= held[span].start) continue
          add(line, reference)
        }
      }, nextHost)
      encoding = read.encoding
      state.bytes += encoding === 'binary' ? read.bytes : size
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    if (error instanceof InUseScanError) throw error
    throw new InUseScanError(
      `protect.in-use: '${file.path}' cannot be read (${describe(error)}); an incomplete scan would protect less than the files say, so nothing was listed or deleted`
    )
  }
  if (encoding === 'binary') {
    state.binaryFiles++
    if (state.binaryPaths.length < NAMED_BINARY_FILES) state.binaryPaths.push(file.path)
    return
  }
  tracker.end()
  state.textFiles++
  for (const finding of [...found.values()].sort((a, b) => a.line - b.line)) {
    const key = referenceKey(file.path, finding)
    const known = state.references.get(key)
    if (known) known.places += finding.places
    else state.references.set(key, finding)
  }
}
