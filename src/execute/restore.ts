// Restore: put back the versions an earlier run deleted, as its plan file records them.
import type { PackageRef } from '../model.js'
import { classifyError, describeError, githubMessage } from '../github/errors.js'
import type { PlanFile } from '../report/plan-file.js'
import { Progress } from './progress.js'

export interface RestoreApi {
  restoreVersion(pkg: PackageRef, id: number): Promise<void>
  restorePackage(pkg: PackageRef): Promise<void>
}

export interface RestoreItem {
  packageKey: string
  id: number
  name: string
  tags: string[]
  outcome: 'restored' | 'would restore' | 'failed'
  detail: string
}

export interface RestoreResult {
  items: RestoreItem[]
  restored: number
  failed: number
}

function explainRestoreFailure(error: unknown): string {
  const said = githubMessage(error)
  switch (classifyError(error)) {
    case 'not-found':
      return `GitHub cannot find it to restore (${said}): it was deleted more than 30 days ago, its namespace was reused by a new package, or the token lacks write:packages`
    case 'forbidden':
    case 'unauthorized':
      return `the token may not restore it (${said}); restoring needs read:packages and write:packages`
    default:
      return describeError(error)
  }
}

/** What the plan file says was deleted: whole packages once, other versions one by one (images first). */
export function restoreTargets(file: PlanFile): { pkg: PackageRef; key: string; whole: boolean; versions: { id: number; name: string; tags: string[] }[] }[] {
  return file.packages
    .map(p => ({
      pkg: p.package,
      key: p.key,
      whole: Boolean(p.wholePackage) && p.versions.some(v => v.outcome === 'deleted'),
      versions: p.versions.filter(v => v.outcome === 'deleted').map(v => ({ id: v.id, name: v.name, tags: v.tags, role: v.role }))
        .sort((a, b) => (a.role === b.role ? 0 : a.role === 'image' ? -1 : 1))
        .map(({ id, name, tags }) => ({ id, name, tags }))
    }))
    .filter(t => t.versions.length > 0)
}

export async function restoreFromPlan(file: PlanFile, api: RestoreApi, options: { dryRun: boolean; log: (line: string) => void }): Promise<RestoreResult> {
  const targets = restoreTargets(file)
  const items: RestoreItem[] = []
  const progress = new Progress({ total: targets.reduce((n, t) => n + (t.whole ? 1 : t.versions.length), 0), label: 'Restoring', log: options.log })
  const attempt = async (restore: () => Promise<void>): Promise<Pick<RestoreItem, 'outcome' | 'detail'>> => {
    if (options.dryRun) return { outcome: 'would restore', detail: 'dry run' }
    try {
      await restore()
      return { outcome: 'restored', detail: 'restored' }
    } catch (error) {
      return { outcome: 'failed', detail: explainRestoreFailure(error) }
    }
  }
  for (const target of targets) {
    if (target.whole) {
      const result = await attempt(() => api.restorePackage(target.pkg))
      for (const v of target.versions) items.push({ packageKey: target.key, id: v.id, name: v.name, tags: v.tags, ...result })
      progress.advance()
      continue
    }
    for (const v of target.versions) {
      items.push({ packageKey: target.key, id: v.id, name: v.name, tags: v.tags, ...(await attempt(() => api.restoreVersion(target.pkg, v.id))) })
      progress.advance()
    }
  }
  progress.finish()
  return { items, restored: items.filter(i => i.outcome === 'restored').length, failed: items.filter(i => i.outcome === 'failed').length }
}
