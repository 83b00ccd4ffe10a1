// protect.in-use: the workspace files the policy names are scanned for references to the owner's
// container images (HOST/OWNER/NAME:TAG, @sha256:HEX, both; Helm values' repository + tag), so
// the planner can keep what is deployed. Runs before any API request; an incomplete scan fails the
// run rather than protect less than the files say.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, type Dirent } from 'node:fs'
import { join } from 'node:path'
import { Minimatch } from 'minimatch'
import { isAlias, isScalar, LineCounter, parseAllDocuments, visit, type Node, type Pair } from 'yaml'
import type { InUseReference } from '../model.js'

export interface InUseLimits {
  maxFiles: number
  maxBytes: number
}

/** The contract's limits: beyond them the scan is incomplete, and the run fails. */
export const IN_USE_LIMITS: InUseLimits = { maxFiles: 20_000, maxBytes: 200 * 1024 * 1024 }

/** A file whose first 8 KiB hold a NUL byte is binary (git's own test) and is skipped. */
const BINARY_PROBE_BYTES = 8192

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

/** A reference as the planner needs it, plus the text as written (for warnings). */
export interface InUseFinding extends InUseReference {
  written: string
}

export interface InUseScan {
  references: InUseFinding[]
  /** Text files scanned. */
  textFiles: number
  /** Binary files skipped. */
  binaryFiles: number
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
  const finder = new ReferenceFinder(options.registryHost, options.owner)
  const budget = { bytes: 0, textFiles: 0, binaryFiles: 0 }
  const openFile = options.openFile ?? ((path: string) => openSync(path, 'r'))
  // Synchronous reads: nothing else runs during the scan, and for thousands of small files they
  // cost a fraction of the promise API's round trips through the thread pool.
  const perFile = files.map((file) => scanFile(join(options.workspace, file), file, openFile, finder, budget, limits))
  // Files in path order, references in line order within each file: the same workspace always gives the same list.
  const references = perFile.flat()
  return { references, textFiles: budget.textFiles, binaryFiles: budget.binaryFiles, bytesRead: budget.bytes, unmatchedGlobs }
}

// ---------------------------------------------------------------- matching files

const GLOB_OPTIONS = { dot: true, nonegate: true, nocomment: true, platform: 'linux' as const }

/**
 * Every file under the workspace matching a glob, sorted by path. Directories no glob can reach
 * are not read; symbolic links to directories are not followed (no cycles, no way out of the
 * workspace), links to files are read.
 */
function matchWorkspaceFiles(
  workspace: string,
  globs: readonly string[],
  maxFiles: number
): { files: string[]; unmatchedGlobs: string[] } {
  // "./deploy/*.yaml" means "deploy/*.yaml": paths are matched without a leading "./".
  const matchers = globs.map((glob) => new Minimatch(glob.replace(/^(\.\/)+/, ''), GLOB_OPTIONS))
  // Whole paths are tested with each glob's regular expression (Minimatch#match splits the path on every call).
  const fullMatch = matchers.map((m) => {
    const re = m.makeRe()
    return re ? (path: string) => re.test(path) : (path: string) => m.match(path)
  })
  const matchedBy = new Array<number>(globs.length).fill(0)
  const files: string[] = []

  const visitDirectory = (relative: string): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(relative ? join(workspace, relative) : workspace, { withFileTypes: true })
    } catch (error) {
      throw new InUseScanError(`protect.in-use: the directory '${relative || '.'}' of the workspace cannot be read (${describe(error)}); the scan would be incomplete`)
    }
    const subdirectories: string[] = []
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name
      let isDirectory = entry.isDirectory()
      let isFile = entry.isFile()
      if (entry.isSymbolicLink()) {
        isFile = statSync(join(workspace, path), { throwIfNoEntry: false })?.isFile() ?? false
        isDirectory = false
      }
      if (isDirectory) {
        if (matchers.some((m) => m.match(path, true))) subdirectories.push(path)
      } else if (isFile) {
        let matched = false
        fullMatch.forEach((matches, g) => {
          if (matches(path)) {
            matchedBy[g]++
            matched = true
          }
        })
        if (!matched) continue
        files.push(path)
        if (files.length > maxFiles) {
          throw new InUseScanError(
            `protect.in-use: more than ${maxFiles.toLocaleString('en-US')} files match (the scan's limit); an incomplete scan would protect less than the files say, so nothing was listed or deleted. Narrow the globs to the files that name images (deploy/**/*.yaml rather than **).`
          )
        }
      }
    }
    for (const subdirectory of subdirectories) visitDirectory(subdirectory)
  }
  visitDirectory('')
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return { files, unmatchedGlobs: globs.filter((_, g) => matchedBy[g] === 0) }
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

function scanFile(
  path: string,
  file: string,
  openFile: (path: string) => number,
  finder: ReferenceFinder,
  budget: { bytes: number; textFiles: number; binaryFiles: number },
  limits: InUseLimits
): InUseFinding[] {
  let text: string
  try {
    const fd = openFile(path)
    try {
      const { size } = fstatSync(fd)
      const head = Buffer.allocUnsafe(Math.min(size, BINARY_PROBE_BYTES))
      const headBytes = readSync(fd, head, 0, head.length, 0)
      if (head.subarray(0, headBytes).includes(0)) {
        budget.bytes += headBytes
        budget.binaryFiles++
        return []
      }
      // Counted before the rest is read: a huge file fails the scan without being read.
      budget.bytes += size
      if (budget.bytes > limits.maxBytes) {
        throw new InUseScanError(
          `protect.in-use: the files matched hold more than ${formatSize(limits.maxBytes)} of text (the scan's limit; '${file}' is ${formatSize(size)}); an incomplete scan would protect less than the files say, so nothing was listed or deleted. Narrow the globs to the files that name images.`
        )
      }
      let body = head
      let length = headBytes
      if (size > headBytes) {
        body = Buffer.allocUnsafe(size)
        head.copy(body, 0, 0, headBytes)
        for (let n = -1; length < size && n !== 0; length += n) n = readSync(fd, body, length, size - length, length)
      }
      text = body.toString('utf8', 0, length)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    if (error instanceof InUseScanError) throw error
    throw new InUseScanError(
      `protect.in-use: '${file}' cannot be read (${describe(error)}); an incomplete scan would protect less than the files say, so nothing was listed or deleted`
    )
  }
  budget.textFiles++
  return finder.find(text, file)
}

// ---------------------------------------------------------------- finding references

// One path component of a repository name (the OCI distribution grammar); a name may have several, separated by "/".
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const NAME = `${COMPONENT}(?:/${COMPONENT})*`
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = 'sha256:[0-9a-f]{64}'
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`, 'i')
const TAG_ONLY = new RegExp(`^${TAG}$`)
/** A template where a tag or digest should be (Helm/Go `{{ }}`, Actions `${{ }}`, shell `${X}` and `$X`), as written. */
const TEMPLATE = /^(?:\$?\{\{(?:.*?\}\})?|\$\{[^}\n]*\}?|\$\w+)/

/** A `repository:` / `image:` key, and a `tag:` / `digest:` key: at the start of a line or a list item (block style), or after `{` / `,` (flow style). */
const HELM_KEYS = /(?:^|[{,])[\s-]*["']?(?:repository|image)["']?\s*:/im
const HELM_VERSION_KEYS = /(?:^|[{,])[\s-]*["']?(?:tag|digest)["']?\s*:/im

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

class ReferenceFinder {
  /** HOST/OWNER/NAME, then an optional :TAG and @sha256:HEX; host, owner and name without regard to case. */
  private readonly pattern: RegExp
  /** A Helm value naming the image without its tag: HOST/OWNER/NAME and nothing else. */
  private readonly repositoryValue: RegExp
  private readonly hostTest: RegExp

  constructor(
    private readonly host: string,
    owner: string
  ) {
    const prefix = `${escapeRegExp(host)}/${escapeRegExp(owner)}/`
    // Not preceded by a host character: "notghcr.io/..." is another host.
    this.pattern = new RegExp(`(?<![\\w.-])${prefix}(${NAME})(:(${TAG})?)?(?:@(${DIGEST}))?`, 'gi')
    this.repositoryValue = new RegExp(`^${prefix}(${NAME})$`, 'i')
    this.hostTest = new RegExp(escapeRegExp(host), 'i')
  }

  find(text: string, file: string): InUseFinding[] {
    if (!this.hostTest.test(text)) return []
    // Parsing YAML costs far more than the text scan: only files with both halves of a Helm image are parsed.
    const helm = /\.ya?ml$/i.test(file) && HELM_KEYS.test(text) && HELM_VERSION_KEYS.test(text) ? this.helmValues(text, file) : { findings: [], covered: [] }
    const findings = [...helm.findings]
    const lines = new LineTracker(text)
    this.pattern.lastIndex = 0
    for (let match = this.pattern.exec(text); match; match = this.pattern.exec(text)) {
      // A repository value that Helm completes with a sibling tag is that reference, not ":latest".
      if (helm.covered.some(([start, end]) => match!.index >= start && match!.index < end)) continue
      const finding = this.fromMatch(match, text, file, lines.lineAt(match.index))
      if (finding) findings.push(finding)
    }
    return dedupe(findings).sort((a, b) => a.line - b.line)
  }

  private fromMatch(match: RegExpExecArray, text: string, file: string, line: number): InUseFinding | undefined {
    const [written, rawName, colon, tag, digest] = match
    const name = rawName.toLowerCase()
    const end = match.index + written.length
    if (digest !== undefined) {
      return { file, line, package: name, ...(tag !== undefined && { tag }), digest: digest.toLowerCase(), written }
    }
    const rest = text.slice(end, end + 200)
    // The name goes on as a template ("web-${ENV}"): it is not this package.
    if (colon === undefined && /^[-_.]*(?:\{\{|\$)/.test(rest)) return undefined
    // ":{{ .Values.tag }}", ":v${VERSION}", "@${DIGEST}": the version cannot be known from the file.
    const tagTemplate = colon !== undefined ? TEMPLATE.exec(rest)?.[0] : undefined
    const digestTemplate = rest.startsWith('@') ? TEMPLATE.exec(rest.slice(1))?.[0] : undefined
    if (tagTemplate !== undefined || digestTemplate !== undefined) {
      return { file, line, package: name, unresolved: true, written: `${written}${tagTemplate ?? `@${digestTemplate}`}` }
    }
    // A bare name is ":latest", as `docker pull` reads it.
    return { file, line, package: name, tag: tag ?? 'latest', written }
  }

  /**
   * Helm values: a mapping whose `repository` (or `image`) is HOST/OWNER/NAME with a sibling `tag`
   * (or `digest`); `registry` + `repository` (OWNER/NAME) as well. The repository scalars found are
   * returned as `covered`, so the text scan does not also read them as ":latest".
   */
  private helmValues(text: string, file: string): { findings: InUseFinding[]; covered: [number, number][] } {
    const findings: InUseFinding[] = []
    const covered: [number, number][] = []
    const lineCounter = new LineCounter()
    // Files that are not valid YAML (Helm templates) still go through the text scan.
    const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false })
    const lineOf = (node: Node | null | undefined, fallback: number): number => (node?.range ? lineCounter.linePos(node.range[0]).line : fallback)
    for (const document of Array.isArray(documents) ? documents : []) {
      visit(document, {
        Map: (_, map) => {
          const pairs = new Map<string, Pair>()
          for (const pair of map.items) if (isScalar(pair.key) && typeof pair.key.value === 'string') pairs.set(pair.key.value.toLowerCase(), pair)
          const repositoryPair = pairs.get('repository') ?? pairs.get('image')
          const tagPair = pairs.get('tag')
          const digestPair = pairs.get('digest')
          if (!repositoryPair || !isScalar(repositoryPair.value) || (!tagPair && !digestPair)) return
          const repositoryNode = repositoryPair.value
          let repository = scalarText(repositoryNode)
          const registry = pairs.get('registry')
          if (registry && isScalar(registry.value) && repository !== undefined && !repository.toLowerCase().startsWith(`${this.host}/`)) {
            repository = `${scalarText(registry.value) ?? ''}/${repository}`
          }
          const named = repository === undefined ? null : this.repositoryValue.exec(repository.trim())
          if (!named) return
          if (repositoryNode.range) covered.push([repositoryNode.range[0], repositoryNode.range[1]])
          const name = named[1].toLowerCase()
          const repositoryLine = lineOf(repositoryNode, 1)
          const tagValue = tagPair?.value
          const digestValue = digestPair?.value
          const tagText = isScalar(tagValue) && !isAlias(tagValue) ? scalarText(tagValue) : undefined
          const digestText = isScalar(digestValue) ? scalarText(digestValue)?.trim() : undefined
          // "tag: 1.4@sha256:..." pins both, as on a command line.
          const [tagPart, pinned] = (tagText?.trim() ?? '').split('@', 2) as [string, string | undefined]
          const digest = [pinned, digestText].find((d) => d !== undefined && DIGEST_ONLY.test(d))?.toLowerCase()
          const tag = tagPart !== '' && TAG_ONLY.test(tagPart) ? tagPart : undefined
          // An empty tag is the chart's appVersion, a template is filled at install time: unknown here.
          const tagUnknown = tagPair !== undefined && tag === undefined
          const digestUnknown = digestPair !== undefined && digest === undefined && digestText !== undefined && digestText !== ''
          const line = tagPair ? lineOf(tagValue as Node, lineOf(tagPair.key as Node, repositoryLine)) : lineOf(digestValue as Node, repositoryLine)
          const written = tagPair ? `${repository}:${tagText ?? ''}` : `${repository}@${digestText ?? ''}`
          if ((tagUnknown && digest === undefined) || digestUnknown) {
            findings.push({ file, line, package: name, unresolved: true, written })
          } else {
            findings.push({ file, line, package: name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }), written })
          }
        }
      })
    }
    return { findings, covered }
  }
}

/** A scalar as written ("1.20" stays "1.20", not the number 1.2); undefined for null. */
function scalarText(node: { value: unknown; source?: string }): string | undefined {
  if (node.value === null || node.value === undefined) return undefined
  return typeof node.source === 'string' ? node.source : String(node.value)
}

function dedupe(findings: InUseFinding[]): InUseFinding[] {
  const seen = new Set<string>()
  return findings.filter((f) => {
    const key = `${f.line}\u0000${f.package}\u0000${f.tag ?? ''}\u0000${f.digest ?? ''}\u0000${f.unresolved ? 1 : 0}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** 1-based line of an offset, for offsets met in increasing order. */
class LineTracker {
  private offset = 0
  private line = 1

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    for (let at = this.text.indexOf('\n', this.offset); at !== -1 && at < offset; at = this.text.indexOf('\n', at + 1)) this.line++
    this.offset = offset
    return this.line
  }
}
