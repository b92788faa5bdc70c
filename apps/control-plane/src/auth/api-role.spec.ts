import { describe, expect, it } from 'vitest';
import { API_ROLES, roleAllows } from './api-role.ts';

describe('roleAllows', () => {
  it('orders viewer < operator < approver < admin', () => {
    const table = API_ROLES.map((have) => API_ROLES.map((need) => (roleAllows(have, need) ? 1 : 0)).join(''));
    expect(table).toEqual(['1000', '1100', '1110', '1111']);
  });
});
