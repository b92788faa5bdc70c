import type { Provider, Type } from '@nestjs/common';

/** REST controllers and their services (filled in by the REST API). */
export const REST_CONTROLLERS: Type[] = [];
export const REST_PROVIDERS: Provider[] = [];
