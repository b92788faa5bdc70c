/**
 * Injection tokens for the ports every service receives explicitly (STYLE §2).
 * Constructor parameters always name their token with @Inject: the build does
 * not emit decorator metadata.
 */
export const CONFIG = Symbol('AppConfig');
export const PRISMA = Symbol('PrismaClient');
export const REDIS = Symbol('Redis');
export const CLOCK = Symbol('Clock');
export const LOGGER = Symbol('Logger');
export const RANDOM_BYTES = Symbol('RandomBytes');
