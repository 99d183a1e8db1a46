/**
 * Workspace scoping for lookups by id: fetch by primary key (the one lookup FerretDB/SQLite
 * serves without a scan), then refuse a document of another workspace exactly as if it did not
 * exist, so a caller can never tell another tenant's id from an unknown one.
 */
export function inWorkspace<T extends { workspaceId: string }>(doc: T | null, workspaceId: string): T | null {
  return doc && doc.workspaceId === workspaceId ? doc : null;
}
