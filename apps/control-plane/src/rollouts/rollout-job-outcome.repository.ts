import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/prisma-client.ts';

/** How a job ended, as JobRepository records it. */
export type FinishedJobState = 'succeeded' | 'failed' | 'refused' | 'expired';

/**
 * Feeds a job's end back into its rollout host, inside the transaction that records the job's result:
 * a rollout never sees a result the jobs table does not have, nor misses one it has.
 */
@Injectable()
export class RolloutJobOutcomeRepository {
  async jobFinished(
    tx: Transaction,
    jobId: string,
    state: FinishedJobState,
    result: { message: string; details?: Record<string, unknown> },
    now: Date,
  ): Promise<void> {
    const host = await tx.rolloutHost.findFirst({
      where: { OR: [{ jobId }, { revertJobId: jobId }] },
      select: { id: true, rolloutId: true, waveIndex: true, state: true, jobId: true, revertJobId: true },
    });
    if (host === null) return;
    // Serialises with the driver's step, which holds this row while it reads and changes the hosts.
    await tx.$queryRaw`SELECT id FROM rollouts WHERE id = ${host.rolloutId}::uuid FOR UPDATE`;
    if (host.revertJobId === jobId) {
      if (state === 'succeeded') {
        await tx.rolloutHost.update({
          where: { id: host.id },
          data: {
            state: 'reverted',
            message: `reverted: ${result.message}`,
            finishedAt: now,
            updatedAt: now,
          },
        });
        const left = await tx.rolloutHost.count({
          where: { rolloutId: host.rolloutId, waveIndex: host.waveIndex, state: 'succeeded' },
        });
        if (left === 0) {
          await tx.rolloutWave.updateMany({
            where: { rolloutId: host.rolloutId, waveIndex: host.waveIndex, state: 'failed' },
            data: { state: 'reverted' },
          });
        }
      } else {
        await tx.rolloutHost.update({
          where: { id: host.id },
          data: { message: `revert ${state}: ${result.message}`, updatedAt: now },
        });
      }
    } else if (host.state === 'dispatched') {
      const rolledBack = result.details?.['rolled_back'] === true || result.details?.['rolledBack'] === true;
      await tx.rolloutHost.update({
        where: { id: host.id },
        data: {
          state: state === 'succeeded' ? 'succeeded' : rolledBack ? 'rolled_back' : 'failed',
          message:
            state === 'succeeded' || state === 'failed' ? result.message : `job ${state}: ${result.message}`,
          finishedAt: now,
          updatedAt: now,
        },
      });
    } else {
      return;
    }
    await tx.rollout.update({
      where: { id: host.rolloutId },
      data: { updatedAt: now, revision: { increment: 1 } },
    });
  }
}
