// Every warning of a run, kept for the job summary as well as issued as an annotation: GitHub
// shows only 10 warning annotations per step, so the summary is where all of them are read.
import * as core from '@actions/core'

const issued: string[] = []

/** A warning annotation (and log line), remembered for the summary. */
export function warn(message: string, properties?: core.AnnotationProperties): void {
  // The summary has no annotation to show the file and line: they lead the message (once).
  const where = properties?.file ? `${properties.file}${properties.startLine ? `:${properties.startLine}` : ''}` : undefined
  issued.push(where && !message.startsWith(where) ? `${where}: ${message}` : message)
  core.warning(message, properties)
}

/** The warnings issued so far in this process, in order. */
export function warningsIssued(): string[] {
  return [...issued]
}
