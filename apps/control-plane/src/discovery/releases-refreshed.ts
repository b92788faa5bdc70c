/** Told after discovery refreshed a component's releases (auto-upgrade listens). */
export interface ReleasesRefreshedListener {
  /** Must not throw: discovery's refresh has succeeded by then. */
  afterRefresh(component: string): Promise<unknown>;
}

/** Optional: without a provider, discovery tells no one. */
export const RELEASES_REFRESHED = Symbol('ReleasesRefreshed');
