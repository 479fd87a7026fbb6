import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { homeView } from '../../../blocks/home.ts';
import type { Services } from '../../services/index.ts';

/** The Home tab of one person as it stands now (used on app_home_opened and by the worker's refresh job). */
export async function renderHome(services: Services, teamId: string, userId: string, now: Date): Promise<View> {
  return homeView(await services.home.homeFor(teamId, userId, now), now);
}

/** Renders and publishes one person's Home tab. */
export async function publishHome(client: WebClient, deps: { services: Services; clock: () => Date }, teamId: string, userId: string): Promise<void> {
  await client.views.publish({ user_id: userId, view: await renderHome(deps.services, teamId, userId, deps.clock()) });
}
