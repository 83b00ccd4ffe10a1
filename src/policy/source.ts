// Where the policy text comes from: the `policy` input is either inline YAML or a path to a file.
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'

/** A problem with the policy, positioned in the policy text when it has a position (1-based). */
export interface PolicyProblem {
  /**
   * What the problem is about, e.g. "rules[1].match.older-than"; for an unknown, missing or duplicate
   * key, that key's path. "" for the document or the file as a whole.
   */
  path: string
  /** Human message, starting with the path when there is one; says what is wrong and what is allowed. */
  message: string
  line?: number
  column?: number
}

export type PolicySource = { text: string } & (
  | { kind: 'inline' }
  | {
      kind: 'file'
      /** As given, relative to the workspace when it lies inside it, with "/" separators: the file annotations point at. */
      path: string
      absolutePath: string
    }
)

/** The file the policy is (or was meant to be) read from, so problems can be annotated on it. */
export interface PolicyFile {
  path: string
  absolutePath: string
}

export type ReadPolicySourceResult = { ok: true; source: PolicySource } | { ok: false; problems: PolicyProblem[]; file?: PolicyFile }

/** A policy is a few kilobytes; anything larger is the wrong file or an attack, and is not parsed. */
export const MAX_POLICY_BYTES = 1024 * 1024

export function tooLargeMessage(what: string, bytes: number): string {
  const mib = (bytes / MAX_POLICY_BYTES).toFixed(1)
  return `${what} is ${mib} MiB (${bytes} bytes); the limit is 1 MiB, and a policy is usually a few kilobytes`
}

function failure(message: string, file?: PolicyFile, position?: { line: number; column: number }): ReadPolicySourceResult {
  const problem: PolicyProblem = { path: '', message, ...(position && { line: position.line, column: position.column }) }
  return { ok: false, problems: [problem], ...(file && { file }) }
}

/** The path annotations use: relative to the workspace when inside it, else as given. */
function displayPath(input: string, absolutePath: string, workspaceDir: string): string {
  const relative = path.relative(path.resolve(workspaceDir), absolutePath)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return input
  return relative.split(path.sep).join('/')
}

/** Byte length of the UTF-8 sequence a lead byte starts (1 for anything that is not a multi-byte lead). */
function sequenceLength(byte: number): number {
  if (byte >= 0xf0) return 4
  if (byte >= 0xe0) return 3
  return byte >= 0xc0 ? 2 : 1
}

/** Offset, line and column (1-based, in UTF-16 units like YAML positions) of the first invalid UTF-8 sequence. */
function firstInvalidUtf8Position(bytes: Uint8Array): { line: number; column: number; offset: number } {
  // Streaming decode tolerates a sequence cut at the end, so "the prefix decodes" is monotonic
  // in its length: a binary search finds the longest prefix that decodes.
  const decodes = (length: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true })
      return true
    } catch {
      return false
    }
  }
  // A file that only ends inside a sequence decodes whole in streaming mode.
  let good = decodes(bytes.length) ? bytes.length : 0
  let bad = bytes.length
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2)
    if (decodes(middle)) good = middle
    else bad = middle
  }
  // The prefix may end inside a sequence that the next byte broke: the problem starts at its lead byte.
  let offset = good
  for (let lead = good - 1; lead >= Math.max(0, good - 3); lead--) {
    if (bytes[lead] < 0x80 || bytes[lead] >= 0xc0) {
      if (sequenceLength(bytes[lead]) > good - lead) offset = lead
      break
    }
  }
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1
  const line = bytes.subarray(0, lineStart).filter((byte) => byte === 0x0a).length + 1
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset))
  return { line, column: before.length + 1, offset }
}

function decodeUtf8(bytes: Uint8Array, file: PolicyFile): { text: string } | { failure: ReadPolicySourceResult } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }
  } catch {
    const at = firstInvalidUtf8Position(bytes)
    const byte = bytes[at.offset].toString(16).toUpperCase().padStart(2, '0')
    return {
      failure: failure(
        `policy file '${file.path}' is not UTF-8 text: byte 0x${byte} at offset ${at.offset} (line ${at.line}, column ${at.column}) is invalid; save the file as UTF-8`,
        file,
        at
      )
    }
  }
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  return error instanceof Error ? error.message : String(error)
}

/**
 * Read the `policy` input: a value containing a newline is the policy itself, anything else is a
 * path (relative paths resolve against `workspaceDir`). Problems are returned, never thrown.
 */
export async function readPolicySource(input: string, workspaceDir: string): Promise<ReadPolicySourceResult> {
  if (input.includes('\n')) return { ok: true, source: { kind: 'inline', text: input } }
  const given = input.trim()
  if (given === '') {
    return failure('the `policy` input is empty; give the path of a policy file (default .github/package-retention.yml) or the policy itself as inline YAML')
  }
  const absolutePath = path.resolve(workspaceDir, given)
  const file: PolicyFile = { path: displayPath(given, absolutePath, workspaceDir), absolutePath }
  const where = path.isAbsolute(given) ? '' : ` (relative to the workspace ${workspaceDir})`
  try {
    const info = await stat(absolutePath)
    if (info.isDirectory()) {
      return failure(`policy file '${file.path}' is a directory${where}; the \`policy\` input must name a YAML file or contain the policy as inline YAML`)
    }
    if (info.size > MAX_POLICY_BYTES) return failure(`${tooLargeMessage(`policy file '${file.path}'`, info.size)}; check the \`policy\` input`, file)
    const decoded = decodeUtf8(await readFile(absolutePath), file)
    if ('failure' in decoded) return decoded.failure
    return { ok: true, source: { kind: 'file', ...file, text: decoded.text } }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return failure(`policy file '${file.path}' was not found${where}; check the \`policy\` input or add the file`)
    }
    return failure(`policy file '${file.path}' cannot be read${where}: ${describeReadError(error)}`)
  }
}
