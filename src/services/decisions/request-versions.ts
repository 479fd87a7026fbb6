/** How many requests' workflow versions are kept in memory per process. */
const REMEMBERED = 20_000;

/**
 * Which workflow version each request runs on. It is fixed when the request is made (a revision is a new
 * request), so once read it is remembered and a decision on the same request skips that read. A remembered
 * request answers only for its own workspace, as the read does.
 */
export function requestVersions(read: (teamId: string, submissionId: string, deadline?: number) => Promise<string | null>, limit = REMEMBERED) {
  const known = new Map<string, { readonly teamId: string; readonly versionId: string }>();
  return async (teamId: string, submissionId: string, deadline?: number): Promise<string | null> => {
    const hit = known.get(submissionId);
    if (hit) return hit.teamId === teamId ? hit.versionId : null;
    const versionId = await read(teamId, submissionId, deadline);
    if (versionId === null) return null;
    if (known.size >= limit) {
      const [oldest] = known.keys();
      if (oldest !== undefined) known.delete(oldest);
    }
    known.set(submissionId, { teamId, versionId });
    return versionId;
  };
}
