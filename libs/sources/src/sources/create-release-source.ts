import { UpkeepError } from '@upkeep/errors';
import { validateSourceSpec, type SourceSpec } from '../model/source-spec.ts';
import { directUrlFeed } from './direct-url-release.source.ts';
import { githubFeed } from './github-release.source.ts';
import { gitlabFeed } from './gitlab-release.source.ts';
import { registryFeed } from './registry-release.source.ts';
import { releaseSourceFor, type ReleaseFeed, type ReleaseSource } from './release-source.ts';
import type { SourceContext } from './source-context.ts';

const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * The release source a component's config names.
 * @throws UpkeepError CONFIG_INVALID for a bad component name or spec.
 */
export function createReleaseSource(component: string, spec: SourceSpec, ctx: SourceContext): ReleaseSource {
  if (!COMPONENT_NAME.test(component)) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `component name ${JSON.stringify(component.slice(0, 60))} is not valid`,
      {
        details: { component: component.slice(0, 60) },
        hint: 'use letters, digits, "_", "-" and "." only',
      },
    );
  }
  const valid = validateSourceSpec(spec);
  let feed: ReleaseFeed;
  switch (valid.kind) {
    case 'github':
      feed = githubFeed(component, valid, ctx);
      break;
    case 'gitlab':
      feed = gitlabFeed(component, valid, ctx);
      break;
    case 'direct-url':
      feed = directUrlFeed(component, valid, ctx);
      break;
    case 'registry':
      feed = registryFeed(component, valid, ctx);
      break;
  }
  return releaseSourceFor(component, feed, ctx);
}
