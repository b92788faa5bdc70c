import { Inject, Injectable } from '@nestjs/common';
import { AuditRepository } from './audit.repository.ts';
import type { AuditEvent, AuditQuery, Page } from './audit-event.ts';

@Injectable()
export class AuditService {
  private readonly audit: AuditRepository;

  constructor(@Inject(AuditRepository) audit: AuditRepository) {
    this.audit = audit;
  }

  list(query: AuditQuery): Promise<Page<AuditEvent>> {
    return this.audit.list(query);
  }
}
